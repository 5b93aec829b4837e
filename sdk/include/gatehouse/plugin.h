/*
 * Gatehouse plugin ABI, version 1.1 (1.1 appended canonical_id and offers to gatehouse_model).
 *
 * A plugin is a shared library exporting one C symbol, `gatehouse_plugin_entry`, that
 * returns a static descriptor. Nothing but plain C crosses this boundary: no C++ type,
 * no exception, no allocator. Plugins link against nothing of the host; everything
 * they need from it (HTTP, logging, options, the clock) arrives as a function table.
 *
 * Versioning: every struct starts with `struct_size`. Minor versions only append
 * fields, so each side reads a field only when the other's struct_size covers it.
 * The host refuses a plugin with another ABI major or a newer ABI minor.
 *
 * Strings are (pointer, length) views, UTF-8, not NUL-terminated unless said. A view
 * whose `data` is NULL means "absent" (JSON null); a non-NULL `data` with size 0 is
 * the empty string. Each field says who owns the bytes and for how long.
 *
 * Threads: the host never calls into one instance from two threads at once; it may
 * call different instances of the same plugin concurrently.
 */
#ifndef GATEHOUSE_PLUGIN_H
#define GATEHOUSE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GATEHOUSE_ABI_MAJOR 1
#define GATEHOUSE_ABI_MINOR 1

/* The one symbol a plugin exports. */
#define GATEHOUSE_PLUGIN_ENTRY_SYMBOL "gatehouse_plugin_entry"

#if defined(__GNUC__)
#define GATEHOUSE_PLUGIN_VISIBLE __attribute__((visibility("default")))
#else
#define GATEHOUSE_PLUGIN_VISIBLE
#endif

#ifdef __cplusplus
#define GATEHOUSE_PLUGIN_EXPORT extern "C" GATEHOUSE_PLUGIN_VISIBLE
#else
#define GATEHOUSE_PLUGIN_EXPORT GATEHOUSE_PLUGIN_VISIBLE
#endif

/* ---------------------------------------------------------------- status codes */

typedef int32_t gatehouse_status;

#define GATEHOUSE_OK 0
#define GATEHOUSE_ERR_INVALID_ARGUMENT 1 /* a caller passed something unusable */
#define GATEHOUSE_ERR_CONFIG 2           /* an option is missing, unknown or malformed */
#define GATEHOUSE_ERR_NETWORK 3          /* DNS, connect, TLS, timeout */
#define GATEHOUSE_ERR_UPSTREAM 4         /* the upstream answered, but not with success */
#define GATEHOUSE_ERR_PARSE 5            /* bytes that are not what the upstream sends */
#define GATEHOUSE_ERR_STOPPED 6          /* the host's sink asked to stop */
#define GATEHOUSE_ERR_UNSUPPORTED 7      /* this host or plugin does not offer that */
#define GATEHOUSE_ERR_INTERNAL 8         /* a bug, or an exception caught at the boundary */

/* Sentinel for an unknown integer field (JSON null). */
#define GATEHOUSE_UNKNOWN_INT INT64_MIN

/* ---------------------------------------------------------------- basic types */

typedef struct gatehouse_str {
  const char* data; /* owner and lifetime: see the field that holds it; NULL = absent */
  size_t size;      /* bytes, not characters */
} gatehouse_str;

/* Why a call failed. The host owns `message` (capacity bytes) for the duration of the
 * call; the plugin writes UTF-8 into it, truncating, and sets `length`. */
typedef struct gatehouse_error {
  size_t struct_size;
  char* message;   /* host-owned buffer; valid only during the call that received it */
  size_t capacity; /* bytes the plugin may write into message */
  size_t length;   /* bytes the plugin wrote; 0 = no message */
} gatehouse_error;

/* Copies at most error->capacity bytes of message into the error. */
static inline void gatehouse_error_set(gatehouse_error* error, const char* message, size_t size) {
  if (error == NULL || error->message == NULL) return;
  if (size > error->capacity) size = error->capacity;
  memcpy(error->message, message, size);
  error->length = size;
}

/* ---------------------------------------------------------------- host services */

#define GATEHOUSE_LOG_DEBUG 0
#define GATEHOUSE_LOG_INFO 1
#define GATEHOUSE_LOG_WARN 2
#define GATEHOUSE_LOG_ERROR 3

typedef struct gatehouse_http_header {
  gatehouse_str name;  /* owned by whoever owns the array that holds this header */
  gatehouse_str value; /* same owner and lifetime as name */
} gatehouse_http_header;

typedef struct gatehouse_http_request {
  size_t struct_size;
  gatehouse_str url;                    /* plugin-owned; valid during http_get */
  const gatehouse_http_header* headers; /* plugin-owned array; valid during http_get */
  size_t header_count;
  uint32_t timeout_ms; /* total time for this request including retries; 0 = host default */
} gatehouse_http_request;

typedef struct gatehouse_http_response {
  size_t struct_size;
  int32_t status;                       /* HTTP status code of the final response */
  gatehouse_str url;                    /* host-owned; final URL after redirects */
  const gatehouse_http_header* headers; /* host-owned array; valid during the callback */
  size_t header_count;
  gatehouse_str body; /* host-owned, decompressed; valid during the callback only */
} gatehouse_http_response;

/* Receives a response; returns GATEHOUSE_OK or a failure that http_get passes back. */
typedef gatehouse_status (*gatehouse_http_response_fn)(void* user,
                                                       const gatehouse_http_response* response,
                                                       gatehouse_error* error);

/* What the host lends a plugin instance. Host-owned; valid from create until destroy
 * returns. Pass `host_context` back as the first argument of every function here. */
typedef struct gatehouse_host_services {
  size_t struct_size;
  uint32_t abi_major; /* the host's ABI version */
  uint32_t abi_minor;
  void* host_context; /* opaque to the plugin */

  /* Writes one log line; message is plugin-owned and only read during the call. */
  void (*log)(void* host_context, int32_t level, const char* message, size_t size);

  /* Looks up this gateway's option `key` (plugin-owned, read during the call). Returns 1
   * and sets *value (host-owned, valid until destroy) when present, else 0. */
  int32_t (*option)(void* host_context, const char* key, size_t key_size, gatehouse_str* value);

  /* The index-th option in config order, for plugins that reject unknown keys. Returns 1
   * and sets *key and *value (host-owned, valid until destroy), or 0 past the end. */
  int32_t (*option_at)(void* host_context, size_t index, gatehouse_str* key, gatehouse_str* value);

  /* Wall-clock time in milliseconds since the Unix epoch (the host may fake it in tests). */
  int64_t (*now_unix_ms)(void* host_context);

  /* GET request->url and hand the response to on_response (with `user`) before
   * returning. The host owns networking, TLS, timeouts, redirects, proxies and retries.
   * Returns GATEHOUSE_OK, a transport failure with a message in *error, or whatever
   * on_response returned. A non-2xx final status is still handed to on_response. */
  gatehouse_status (*http_get)(void* host_context, const gatehouse_http_request* request,
                               gatehouse_http_response_fn on_response, void* user,
                               gatehouse_error* error);
} gatehouse_host_services;

/* ---------------------------------------------------------------- models */

/* ABI 1.1. One way to use a model: who serves it, under which id, at what price. A
 * gateway that is itself the server (OpenRouter, an OpenAI-compatible endpoint) gives one
 * offer; a router or a multi-provider gateway one per provider. Every view is
 * plugin-owned and valid only during the sink's emit call, like the model's. */
typedef struct gatehouse_offer {
  size_t struct_size;               /* sizeof(gatehouse_offer) as the plugin was compiled */
  gatehouse_str provider;           /* required: who serves it, e.g. "together", "openrouter" */
  gatehouse_str model_id;           /* required: the id to send to the upstream for this offer */
  gatehouse_str pricing_prompt;     /* decimal text, USD per token; absent = null (unknown) */
  gatehouse_str pricing_completion; /* decimal text, USD per token; absent = null (unknown) */
  int64_t context_length;           /* tokens; GATEHOUSE_UNKNOWN_INT = null */
  int64_t max_output_tokens;        /* tokens; GATEHOUSE_UNKNOWN_INT = null */
  gatehouse_str status;             /* e.g. "live", "staging"; absent = the upstream does not say */
} gatehouse_offer;

/* One model, as a plugin hands it to the host. Every view in it is plugin-owned and
 * valid only during the sink's emit call; the host copies what it keeps. The host
 * derives what is absent: name from the id, provider_slug from the id's owner part,
 * modality from the two lists, and stamps source_gateway itself. */
typedef struct gatehouse_model {
  size_t struct_size;
  gatehouse_str id;                      /* required, e.g. "meta-llama/Llama-3.1-8B-Instruct" */
  gatehouse_str name;                    /* display name; absent = derived from the id */
  gatehouse_str description;             /* absent = null */
  int64_t created;                       /* Unix seconds; GATEHOUSE_UNKNOWN_INT = null */
  int64_t context_length;                /* tokens; GATEHOUSE_UNKNOWN_INT = null */
  gatehouse_str provider_slug;           /* absent = the id's part before '/' */
  gatehouse_str provider_site_url;       /* absent = null */
  const gatehouse_str* input_modalities; /* array of input_modality_count, e.g. "text" */
  size_t input_modality_count;
  const gatehouse_str* output_modalities; /* array of output_modality_count */
  size_t output_modality_count;
  gatehouse_str pricing_prompt;     /* decimal text, USD per token; absent = null */
  gatehouse_str pricing_completion; /* decimal text, USD per token; absent = null */
  int64_t downloads;                /* sort key; GATEHOUSE_UNKNOWN_INT = unknown */
  int64_t likes;                    /* sort key; GATEHOUSE_UNKNOWN_INT = unknown */
  gatehouse_str pipeline_tag;       /* filter key, e.g. "text-generation"; absent = none */
  gatehouse_str metrics_key;        /* e.g. "huggingface_metrics"; absent = no metrics */
  gatehouse_str metrics_json;       /* a JSON object's text, spliced in under metrics_key */
  /* ABI 1.1; the host reads these only when struct_size covers them. */
  gatehouse_str
      canonical_id; /* the Hugging Face repo id, when the plugin knows it; absent = none */
  /* offer_count offers, each offer_stride bytes from the previous one (the plugin's
   * sizeof(gatehouse_offer), so a later minor may append fields); plugin-owned, valid
   * during emit. */
  const gatehouse_offer* offers;
  size_t offer_count;
  size_t offer_stride;
} gatehouse_model;

/* Where models go. Host-owned; valid during the fetch or normalize call it is passed to. */
typedef struct gatehouse_model_sink {
  size_t struct_size;
  void* host_context; /* opaque to the plugin; pass back to emit */
  /* Takes one model. Anything but GATEHOUSE_OK means stop: the plugin returns that
   * status from the fetch or normalize in progress. */
  gatehouse_status (*emit)(void* host_context, const gatehouse_model* model);
} gatehouse_model_sink;

/* ---------------------------------------------------------------- the plugin */

typedef struct gatehouse_instance gatehouse_instance; /* plugin-defined, opaque to the host */

typedef struct gatehouse_plugin {
  size_t struct_size;      /* sizeof(gatehouse_plugin) as the plugin was compiled */
  uint32_t abi_major;      /* GATEHOUSE_ABI_MAJOR as the plugin was compiled */
  uint32_t abi_minor;      /* GATEHOUSE_ABI_MINOR as the plugin was compiled */
  const char* name;        /* NUL-terminated, plugin-owned, static; e.g. "huggingface" */
  const char* version;     /* NUL-terminated, plugin-owned, static; e.g. "1.4.0" */
  const char* description; /* NUL-terminated, plugin-owned, static; one line */

  /* Makes an instance bound to one gateway's options. Must not touch the network:
   * check options here, fetch later. On success sets *out (plugin-owned until destroy). */
  gatehouse_status (*create)(const gatehouse_host_services* host, gatehouse_instance** out,
                             gatehouse_error* error);

  /* Frees an instance. The host calls it exactly once per successful create. */
  void (*destroy)(gatehouse_instance* instance);

  /* Fetches the whole upstream catalog through host->http_get and emits every model. */
  gatehouse_status (*fetch)(gatehouse_instance* instance, const gatehouse_model_sink* sink,
                            gatehouse_error* error);

  /* Normalizes recorded upstream bytes (host-owned, valid during the call) with no
   * network: the pure half of fetch, for tests, benchmarks and check-plugin. */
  gatehouse_status (*normalize)(gatehouse_instance* instance, const char* bytes, size_t size,
                                const gatehouse_model_sink* sink, gatehouse_error* error);
} gatehouse_plugin;

/* The descriptor must be static: the host reads it for as long as the library is loaded. */
typedef const gatehouse_plugin* (*gatehouse_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GATEHOUSE_PLUGIN_H */
