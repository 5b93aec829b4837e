/*
 * A plugin written in plain C against plugin.h alone: proof that the ABI needs no C++.
 * normalize reads one model id per line ("!" starts a line that is a parse error).
 * Compiled once as a good plugin and once per BAD_* macro as a purpose-built bad one.
 */
#include <gatehouse/plugin.h>

#include <stdlib.h>

struct gatehouse_instance {
  const gatehouse_host_services* host;
};

static gatehouse_status fail(gatehouse_error* error, gatehouse_status status, const char* text) {
  gatehouse_error_set(error, text, strlen(text));
  return status;
}

static gatehouse_status create(const gatehouse_host_services* host, gatehouse_instance** out,
                               gatehouse_error* error) {
#ifdef BAD_CREATE_FAILS
  (void)host;
  (void)out;
  return fail(error, GATEHOUSE_ERR_CONFIG, "option 'base_url' is required");
#else
  gatehouse_instance* instance = malloc(sizeof *instance);
  if (!instance) return fail(error, GATEHOUSE_ERR_INTERNAL, "out of memory");
  instance->host = host;
  host->log(host->host_context, GATEHOUSE_LOG_INFO, "c_plugin created", 16);
  *out = instance;
  return GATEHOUSE_OK;
#endif
}

static void destroy(gatehouse_instance* instance) { free(instance); }

static gatehouse_status emit_id(const gatehouse_model_sink* sink, const char* id, size_t size) {
  static const gatehouse_str text = {"text", 4};
  gatehouse_model model;
  memset(&model, 0, sizeof model);
  model.struct_size = sizeof model;
  model.id.data = id;
  model.id.size = size;
  model.created = GATEHOUSE_UNKNOWN_INT;
  model.context_length = GATEHOUSE_UNKNOWN_INT;
  model.downloads = GATEHOUSE_UNKNOWN_INT;
  model.likes = GATEHOUSE_UNKNOWN_INT;
  model.input_modalities = &text;
  model.input_modality_count = 1;
  model.output_modalities = &text;
  model.output_modality_count = 1;
  return sink->emit(sink->host_context, &model);
}

static gatehouse_status normalize(gatehouse_instance* instance, const char* bytes, size_t size,
                                  const gatehouse_model_sink* sink, gatehouse_error* error) {
  (void)instance;
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i < size && bytes[i] != '\n') continue;
    if (i > start && bytes[start] == '!')
      return fail(error, GATEHOUSE_ERR_PARSE, "a line starts with '!'");
    if (i > start) {
      gatehouse_status status = emit_id(sink, bytes + start, i - start);
      if (status != GATEHOUSE_OK) return status;
    }
    start = i + 1;
  }
  return GATEHOUSE_OK;
}

static gatehouse_status on_response(void* user, const gatehouse_http_response* response,
                                    gatehouse_error* error) {
  return normalize(NULL, response->body.data, response->body.size,
                   (const gatehouse_model_sink*)user, error);
}

static gatehouse_status fetch(gatehouse_instance* instance, const gatehouse_model_sink* sink,
                              gatehouse_error* error) {
  const gatehouse_host_services* host = instance->host;
  gatehouse_str url = {NULL, 0};
  if (!host->option(host->host_context, "url", 3, &url))
    return fail(error, GATEHOUSE_ERR_CONFIG, "option 'url' is required to fetch");
  gatehouse_http_request request = {sizeof request, url, NULL, 0, 0};
  return host->http_get(host->host_context, &request, on_response, (void*)sink, error);
}

#ifdef BAD_NO_ENTRY
#define ENTRY gatehouse_plugin_entry_v0 /* exported, but not under the name the host wants */
#else
#define ENTRY gatehouse_plugin_entry
#endif

GATEHOUSE_PLUGIN_EXPORT const gatehouse_plugin* ENTRY(void) {
  static gatehouse_plugin descriptor = {sizeof(gatehouse_plugin),
                                        GATEHOUSE_ABI_MAJOR,
                                        GATEHOUSE_ABI_MINOR,
                                        "c_sample",
                                        "1.0.0",
                                        "One model id per line; written in C",
                                        create,
                                        destroy,
                                        fetch,
                                        normalize};
#if defined(BAD_NULL_DESCRIPTOR)
  return NULL;
#endif
#if defined(BAD_ABI_MAJOR)
  descriptor.abi_major = GATEHOUSE_ABI_MAJOR + 1;
#elif defined(BAD_ABI_MINOR)
  descriptor.abi_minor = GATEHOUSE_ABI_MINOR + 1;
#elif defined(BAD_SMALL_DESCRIPTOR)
  descriptor.struct_size = offsetof(gatehouse_plugin, normalize);
#elif defined(BAD_MISSING_NORMALIZE)
  descriptor.normalize = NULL;
#endif
  return &descriptor;
}
