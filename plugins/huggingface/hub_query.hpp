// The Hub's list API on the wire: the URLs we ask for and the Link header it pages with.
#pragma once

#include <gatehouse/url.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::huggingface {

// The fields the catalog uses, asked for with one `expand` parameter each (as the
// official clients do) instead of full=true, which ships every file name of every repo.
inline constexpr std::string_view expanded_fields[] = {"author",
                                                       "downloads",
                                                       "likes",
                                                       "pipeline_tag",
                                                       "library_name",
                                                       "tags",
                                                       "gated",
                                                       "private",
                                                       "lastModified",
                                                       "createdAt",
                                                       "safetensors",
                                                       "gguf",
                                                       "inferenceProviderMapping",
                                                       "trendingScore"};

// base + path + "?k=v&..." with every key and value percent-encoded.
std::string make_url(std::string_view base, std::string_view path,
                     const std::vector<std::pair<std::string, std::string>>& params);

// The URL of rel="next" in a Link header, resolved against the URL of the page that
// carried it (the Hub sends absolute URLs; gatehouse::resolve_link says what else is
// followed), or "" when none.
std::string next_link(std::string_view link_header, std::string_view page_url);

}  // namespace gatehouse::huggingface
