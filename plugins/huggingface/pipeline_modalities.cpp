#include "pipeline_modalities.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::huggingface {
namespace {

using sv = std::string_view;
constexpr sv text[] = {"text"}, image[] = {"image"}, audio[] = {"audio"}, video[] = {"video"};
constexpr sv embeddings[] = {"embeddings"}, three_d[] = {"3d"}, tabular[] = {"tabular"};
constexpr sv time_series[] = {"time-series"};
constexpr sv text_image[] = {"text", "image"}, text_audio[] = {"text", "audio"};
constexpr sv text_video[] = {"text", "video"};
constexpr sv everything[] = {"text", "image", "audio", "video"};

struct Entry {
  sv tag;
  Modalities modalities;
};

// Sorted by tag. The tasks of the Hub (huggingface.js tasks), older names included.
constexpr Entry table[] = {
    {"any-to-any", {everything, everything}},
    {"audio-classification", {audio, text}},
    {"audio-text-to-text", {text_audio, text}},
    {"audio-to-audio", {audio, audio}},
    {"automatic-speech-recognition", {audio, text}},
    {"conversational", {text, text}},
    {"depth-estimation", {image, image}},
    {"document-question-answering", {text_image, text}},
    {"feature-extraction", {text, embeddings}},
    {"fill-mask", {text, text}},
    {"image-classification", {image, text}},
    {"image-feature-extraction", {image, embeddings}},
    {"image-segmentation", {image, image}},
    {"image-text-to-image", {text_image, image}},
    {"image-text-to-text", {text_image, text}},
    {"image-text-to-video", {text_image, video}},
    {"image-to-3d", {image, three_d}},
    {"image-to-image", {image, image}},
    {"image-to-text", {image, text}},
    {"image-to-video", {image, video}},
    {"keypoint-detection", {image, text}},
    {"mask-generation", {image, image}},
    {"multiple-choice", {text, text}},
    {"object-detection", {image, text}},
    {"question-answering", {text, text}},
    {"sentence-similarity", {text, embeddings}},
    {"summarization", {text, text}},
    {"table-question-answering", {text, text}},
    {"table-to-text", {tabular, text}},
    {"tabular-classification", {tabular, text}},
    {"tabular-regression", {tabular, text}},
    {"tabular-to-text", {tabular, text}},
    {"text-classification", {text, text}},
    {"text-generation", {text, text}},
    {"text-ranking", {text, text}},
    {"text-retrieval", {text, embeddings}},
    {"text-to-3d", {text, three_d}},
    {"text-to-audio", {text, audio}},
    {"text-to-image", {text, image}},
    {"text-to-speech", {text, audio}},
    {"text-to-video", {text, video}},
    {"text2text-generation", {text, text}},
    {"time-series-forecasting", {time_series, time_series}},
    {"token-classification", {text, text}},
    {"translation", {text, text}},
    {"unconditional-image-generation", {{}, image}},
    {"video-classification", {video, text}},
    {"video-text-to-text", {text_video, text}},
    {"video-to-video", {video, video}},
    {"visual-document-retrieval", {text_image, embeddings}},
    {"visual-question-answering", {text_image, text}},
    {"voice-activity-detection", {audio, text}},
    {"zero-shot-classification", {text, text}},
    {"zero-shot-image-classification", {text_image, text}},
    {"zero-shot-object-detection", {text_image, text}},
};

static_assert(std::is_sorted(std::begin(table), std::end(table),
                             [](const Entry& a, const Entry& b) { return a.tag < b.tag; }));

}  // namespace

Modalities modalities_of(std::string_view pipeline_tag) {
  auto it = std::lower_bound(std::begin(table), std::end(table), pipeline_tag,
                             [](const Entry& e, std::string_view tag) { return e.tag < tag; });
  if (it == std::end(table) || it->tag != pipeline_tag) return {};
  return it->modalities;
}

}  // namespace gatehouse::huggingface
