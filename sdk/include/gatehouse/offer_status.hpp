// What an offer's status means: the one definition of "live" the host and every plugin use,
// so that a model's own price and window (which a plugin derives from its live providers)
// and the host's sorting and filtering (which read its live offers) never disagree.
// Header-only, C++ standard library only.
#ifndef GATEHOUSE_OFFER_STATUS_HPP
#define GATEHOUSE_OFFER_STATUS_HPP

#include <gatehouse/text.hpp>

#include <string_view>

namespace gatehouse {

// An upstream that says nothing (a view with null data, as the ABI carries an absent status)
// is taken at its word that it serves; otherwise only "live", in any case, is. Upstreams
// differ in case ("LIVE"), never in meaning.
inline bool offer_is_live(std::string_view status) noexcept {
  return !status.data() || iequals(status, "live");
}

}  // namespace gatehouse

#endif  // GATEHOUSE_OFFER_STATUS_HPP
