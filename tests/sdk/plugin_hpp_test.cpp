// plugin.hpp in process: the adapter that keeps exceptions on the plugin's side.
#include "plugin_host/host_services.hpp"

#include <gtest/gtest.h>
#include <gatehouse/plugin.hpp>

namespace {

using gatehouse::HostServices;

// Behaviour picked by the "mode" option, so one class covers every boundary case.
class Probe {
 public:
  explicit Probe(gatehouse::Host host) : host_(host) {
    host_.require_known_options({"mode", "region"});
    mode_ = host_.option_or("mode", "ok");
    if (mode_ == "bad-create") throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "mode is bad-create");
  }
  void fetch(gatehouse::ModelSink&) { throw std::logic_error("fetch threw"); }
  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    if (mode_ == "unknown") throw 7;
    static constexpr std::string_view in[] = {"text", "image"}, out[] = {"text"};
    gatehouse::Model m;
    m.id = bytes;
    m.description = "";  // present but empty, unlike name which stays absent
    m.created = 1721000000;
    m.input_modalities = in;
    m.output_modalities = out;
    sink.emit(m);
    sink.emit(m);
  }

 private:
  gatehouse::Host host_;
  std::string mode_;
};

constexpr gatehouse_plugin probe = gatehouse::detail::describe<Probe>("probe", "1", "test");

struct Call {
  gatehouse_status status;
  std::string message;
};

struct Harness {
  explicit Harness(gatehouse::PluginOptions options) : host("t", std::move(options)) {}

  Call create() {
    char buf[256];
    gatehouse_error error{sizeof error, buf, sizeof buf, 0};
    gatehouse_status status = probe.create(host.table(), &instance, &error);
    return {status, std::string(buf, error.length)};
  }
  Call normalize(std::string_view bytes, gatehouse_status sink_answer = GATEHOUSE_OK) {
    char buf[256];
    gatehouse_error error{sizeof error, buf, sizeof buf, 0};
    answer = sink_answer;
    gatehouse_model_sink sink{sizeof sink, this, &Harness::emit};
    gatehouse_status status = probe.normalize(instance, bytes.data(), bytes.size(), &sink, &error);
    return {status, std::string(buf, error.length)};
  }
  static gatehouse_status emit(void* context, const gatehouse_model* model) {
    auto* self = static_cast<Harness*>(context);
    self->models.push_back(*model);
    return self->answer;
  }
  ~Harness() {
    if (instance) probe.destroy(instance);
  }

  HostServices host;
  gatehouse_instance* instance = nullptr;
  gatehouse_status answer = GATEHOUSE_OK;
  std::vector<gatehouse_model> models;
};

TEST(PluginHpp, DescriptorCarriesTheAbiVersionAndEveryFunction) {
  EXPECT_EQ(probe.struct_size, sizeof(gatehouse_plugin));
  EXPECT_EQ(probe.abi_major, GATEHOUSE_ABI_MAJOR);
  EXPECT_EQ(probe.abi_minor, GATEHOUSE_ABI_MINOR);
  EXPECT_TRUE(probe.create && probe.destroy && probe.fetch && probe.normalize);
}

TEST(PluginHpp, GatehouseErrorBecomesItsStatusAndMessage) {
  Harness h(gatehouse::PluginOptions{{"mode", "bad-create"}});
  Call c = h.create();
  EXPECT_EQ(c.status, GATEHOUSE_ERR_CONFIG);
  EXPECT_EQ(c.message, "mode is bad-create");
  EXPECT_EQ(h.instance, nullptr);
}

TEST(PluginHpp, UnknownOptionIsAConfigErrorNamingItAndTheKnownOnes) {
  Harness h(gatehouse::PluginOptions{{"mode", "ok"}, {"regoin", "eu"}});
  Call c = h.create();
  EXPECT_EQ(c.status, GATEHOUSE_ERR_CONFIG);
  EXPECT_EQ(c.message, "unknown option 'regoin' (known: mode, region)");
}

TEST(PluginHpp, StdExceptionBecomesInternalWithWhat) {
  Harness h({});
  ASSERT_EQ(h.create().status, GATEHOUSE_OK);
  char buf[64];
  gatehouse_error error{sizeof error, buf, sizeof buf, 0};
  gatehouse_model_sink sink{sizeof sink, &h, &Harness::emit};
  EXPECT_EQ(probe.fetch(h.instance, &sink, &error), GATEHOUSE_ERR_INTERNAL);
  EXPECT_EQ(std::string(buf, error.length), "fetch threw");
}

TEST(PluginHpp, AnyOtherExceptionBecomesInternal) {
  Harness h(gatehouse::PluginOptions{{"mode", "unknown"}});
  ASSERT_EQ(h.create().status, GATEHOUSE_OK);
  Call c = h.normalize("x");
  EXPECT_EQ(c.status, GATEHOUSE_ERR_INTERNAL);
  EXPECT_EQ(c.message, "unknown exception");
}

TEST(PluginHpp, ModelReachesTheSinkWithAbsentAndEmptyKeptApart) {
  Harness h({});
  ASSERT_EQ(h.create().status, GATEHOUSE_OK);
  ASSERT_EQ(h.normalize("org/model").status, GATEHOUSE_OK);
  ASSERT_EQ(h.models.size(), 2u);
  const gatehouse_model& m = h.models[0];
  EXPECT_EQ(m.struct_size, sizeof(gatehouse_model));
  EXPECT_EQ(std::string(m.id.data, m.id.size), "org/model");
  EXPECT_EQ(m.name.data, nullptr);
  EXPECT_NE(m.description.data, nullptr);
  EXPECT_EQ(m.description.size, 0u);
  EXPECT_EQ(m.created, 1721000000);
  EXPECT_EQ(m.likes, GATEHOUSE_UNKNOWN_INT);
  EXPECT_EQ(m.input_modality_count, 2u);
  EXPECT_EQ(m.output_modality_count, 1u);
}

TEST(PluginHpp, SinkStopEndsTheCallWithTheSinksStatus) {
  Harness h({});
  ASSERT_EQ(h.create().status, GATEHOUSE_OK);
  Call c = h.normalize("org/model", GATEHOUSE_ERR_STOPPED);
  EXPECT_EQ(c.status, GATEHOUSE_ERR_STOPPED);
  EXPECT_EQ(h.models.size(), 1u) << "the second emit must not happen";
}

TEST(PluginHpp, ErrorMessageIsTruncatedToTheHostsBuffer) {
  Harness h(gatehouse::PluginOptions{{"mode", "bad-create"}});
  char buf[4];
  gatehouse_error error{sizeof error, buf, sizeof buf, 0};
  EXPECT_EQ(probe.create(h.host.table(), &h.instance, &error), GATEHOUSE_ERR_CONFIG);
  EXPECT_EQ(std::string(buf, error.length), "mode");
}

// A host whose http_get answers from memory, to test Host::http_get's plumbing.
struct FakeHttp {
  static gatehouse_status get(void*, const gatehouse_http_request* request,
                              gatehouse_http_response_fn on_response, void* user,
                              gatehouse_error* error) {
    gatehouse_http_header headers[] = {{{"Link", 4}, {"<next>", 6}}};
    gatehouse_http_response r{sizeof r, 200, request->url, headers, 1, {"[1]", 3}};
    return on_response(user, &r, error);
  }
};

TEST(PluginHpp, HttpGetHandsTheResponseOverAndRethrowsHandlerExceptions) {
  HostServices services("t", {});
  gatehouse_host_services table = *services.table();
  table.http_get = &FakeHttp::get;
  gatehouse::Host host(&table);
  std::string body, link;
  host.http_get("http://127.0.0.1/x", {}, [&](const gatehouse::HttpResponse& r) {
    body = r.body;
    link = r.header("link").value_or("");
  });
  EXPECT_EQ(body, "[1]");
  EXPECT_EQ(link, "<next>");
  EXPECT_THROW(host.http_get("http://127.0.0.1/x", {},
                             [](const gatehouse::HttpResponse&) { throw std::out_of_range("x"); }),
               std::out_of_range);
}

TEST(PluginHpp, HttpGetFailureBecomesAGatehouseError) {
  HostServices services("t", {});  // this build's host answers UNSUPPORTED
  gatehouse::Host host(services.table());
  try {
    host.http_get("http://127.0.0.1/x", {}, [](const gatehouse::HttpResponse&) {});
    FAIL();
  } catch (const gatehouse::Error& e) {
    EXPECT_EQ(e.status(), GATEHOUSE_ERR_UNSUPPORTED);
  }
}

TEST(PluginHpp, FailureTextIsOneLineOfWholeCharacters) {
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";  // 300 bytes of 'é'
  gatehouse::HttpResponse r{503, "http://x/", {}, accents, {}};
  std::string text = r.failure();
  EXPECT_EQ(text, "HTTP 503 from http://x/: " + accents.substr(0, 200));
  std::string cut_inside = std::string(199, 'a') + "\xC3\xA9";  // the view needs a home
  r.body = cut_inside;
  EXPECT_EQ(r.failure(), "HTTP 503 from http://x/: " + std::string(199, 'a'));
  r.body = "line one\r\nline two\x1b[31m";
  EXPECT_EQ(r.failure(), "HTTP 503 from http://x/: line one  line two [31m");
  EXPECT_EQ(gatehouse::one_line_prefix("abc", 0), "");
}

// An upstream that echoes the key it was sent must not publish it in last_error.
TEST(PluginHpp, FailureTextNeverRepeatsWhatTheRequestSent) {
  const gatehouse::HttpHeader sent[] = {{"Accept", "application/json"},
                                        {"Authorization", "Bearer sk-or-SECRET1"},
                                        {"x-short", "abc"}};
  gatehouse::HttpResponse r{401, "http://x/", {}, "", sent};
  r.body = "Invalid key: Bearer sk-or-SECRET1 (sk-or-SECRET1), accept application/json, abc";
  EXPECT_EQ(r.failure(),
            "HTTP 401 from http://x/: Invalid key: <redacted> (<redacted>), accept "
            "application/json, abc");
}

TEST(PluginHpp, SecretsComeFromTheEnvironmentWithoutLineBreaks) {
  setenv("GATEHOUSE_TEST_SECRET", "sk-1", 1);
  EXPECT_EQ(gatehouse::secret_from_env("GATEHOUSE_TEST_SECRET"), "sk-1");
  setenv("GATEHOUSE_TEST_SECRET", "sk-1\r", 1);
  try {
    gatehouse::secret_from_env("GATEHOUSE_TEST_SECRET");
    ADD_FAILURE() << "a CR was taken";
  } catch (const gatehouse::Error& e) {
    EXPECT_EQ(e.status(), GATEHOUSE_ERR_CONFIG);
    EXPECT_EQ(std::string(e.what()),
              "environment variable GATEHOUSE_TEST_SECRET holds a control character (a line "
              "break?)");
  }
  setenv("GATEHOUSE_TEST_SECRET", "", 1);
  EXPECT_EQ(gatehouse::secret_from_env("GATEHOUSE_TEST_SECRET"), std::nullopt);
  unsetenv("GATEHOUSE_TEST_SECRET");
  EXPECT_EQ(gatehouse::secret_from_env("GATEHOUSE_TEST_SECRET"), std::nullopt);
  EXPECT_EQ(gatehouse::secret_from_env(""), std::nullopt);
}

}  // namespace
