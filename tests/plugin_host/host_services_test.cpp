// The function table a plugin gets, called through the C ABI as a plugin calls it.
#include "plugin_host/host_services.hpp"
#include "harness/fake_upstream.hpp"
#include "harness/scoped_env.hpp"
#include "plugin_host/http_client.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;

struct Received {
  int32_t status = 0;
  std::string body;
};

gatehouse_status keep(void* user, const gatehouse_http_response* r, gatehouse_error*) {
  auto* out = static_cast<Received*>(user);
  out->status = r->status;
  out->body.assign(r->body.data, r->body.size);
  return GATEHOUSE_OK;
}

class HostServicesTest : public ::testing::Test {
 protected:
  HostServicesTest()
      : upstream_([](const SeenRequest& r) {
          return CannedReply{200, {}, "got " + r.target};
        }),
        host_("hug", {{"a", "1"}, {"b", "two"}}, HostContext{&http_, &clock_}),
        table_(host_.table()) {}

  // http_get with a request struct of `struct_size` bytes, as a plugin of another minor
  // version would pass it; returns the status, the body in `got` and the error text.
  gatehouse_status get(size_t struct_size, Received& got, std::string& message) {
    url_ = upstream_.url("/models");
    gatehouse_http_request request{};
    request.struct_size = struct_size;
    request.url = {url_.data(), url_.size()};
    char text[256];
    gatehouse_error error{sizeof error, text, sizeof text, 0};
    gatehouse_status status = table_->http_get(table_->host_context, &request, &keep, &got, &error);
    message.assign(text, error.length);
    return status;
  }

  FakeUpstream upstream_;
  HttpClient http_;
  ManualClock clock_{1'700'000'000'123};
  HostServices host_;
  const gatehouse_host_services* table_;
  std::string url_;
};

// A key read from a variable that holds a line break would add headers of its own.
TEST_F(HostServicesTest, AHeaderWithALineBreakOrABadNameIsRefusedUnsent) {
  url_ = upstream_.url("/models");
  for (auto [name, value] : {std::pair{"x-api-key", "sk-1\r\nX-Injected: yes"},
                             std::pair{"x-api-key", "sk-1\r"}, std::pair{"bad name", "v"}}) {
    gatehouse_http_header header{{name, strlen(name)}, {value, strlen(value)}};
    gatehouse_http_request request{sizeof request, {url_.data(), url_.size()}, &header, 1, 0};
    char text[256];
    gatehouse_error error{sizeof error, text, sizeof text, 0};
    Received got;
    EXPECT_EQ(table_->http_get(table_->host_context, &request, &keep, &got, &error),
              GATEHOUSE_ERR_INVALID_ARGUMENT);
    std::string message(text, error.length);
    EXPECT_NE(message.find("request header '"), std::string::npos) << message;
    EXPECT_EQ(message.find("sk-1"), std::string::npos) << "the value is never shown";
  }
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(HostServicesTest, AnAbi10SizedRequestIsServed) {
  // ABI 1.0's struct ends with timeout_ms; sizeof adds tail padding a plugin need not pass.
  ASSERT_LT(http_request_v1_0_size, sizeof(gatehouse_http_request));
  Received got;
  std::string message;
  EXPECT_EQ(get(http_request_v1_0_size, got, message), GATEHOUSE_OK) << message;
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "got /models");
  // A later minor version's larger struct is read as far as this host knows it.
  EXPECT_EQ(get(sizeof(gatehouse_http_request) + 32, got, message), GATEHOUSE_OK) << message;
}

TEST_F(HostServicesTest, ARequestTooSmallToHoldTheUrlIsRefusedWithTheSize) {
  Received got;
  std::string message;
  EXPECT_EQ(get(offsetof(gatehouse_http_request, url), got, message),
            GATEHOUSE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "http_get needs a gatehouse_http_request of at least " +
                         std::to_string(http_request_v1_0_size) + " bytes with a url");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(HostServicesTest, TheClockIsTheInjectedOne) {
  EXPECT_EQ(table_->now_unix_ms(table_->host_context), 1'700'000'000'123);
  clock_.advance(std::chrono::seconds(5));
  EXPECT_EQ(table_->now_unix_ms(table_->host_context), 1'700'000'005'123);
}

TEST_F(HostServicesTest, OptionsByKeyAndInOrder) {
  gatehouse_str key{}, value{};
  ASSERT_EQ(table_->option(table_->host_context, "b", 1, &value), 1);
  EXPECT_EQ(std::string_view(value.data, value.size), "two");
  EXPECT_EQ(table_->option(table_->host_context, "c", 1, &value), 0);
  ASSERT_EQ(table_->option_at(table_->host_context, 0, &key, &value), 1);
  EXPECT_EQ(std::string_view(key.data, key.size), "a");
  EXPECT_EQ(table_->option_at(table_->host_context, 2, &key, &value), 0);
}

// Hardening P7: what the plugin logs and warns of, and the errors http_get gives it, leave
// out the values of the variables its *_env options name and the headers it sent.
TEST(HostServicesSecrets, EveryTextOfTheGatewayLeavesOutWhatItWasGiven) {
  test::ScopedEnv key("GATEHOUSE_TEST_HOST_KEY", "env-sekrit/1");
  HttpClient http;
  HostServices host("or", {{"api_key_env", "GATEHOUSE_TEST_HOST_KEY"}, {"base_url", "x"}},
                    HostContext{&http});
  const gatehouse_host_services* table = host.table();
  host.begin_call();
  std::string said = "next link ?k=env-sekrit%2F1 not followed";
  testing::internal::CaptureStderr();
  table->log(table->host_context, GATEHOUSE_LOG_WARN, said.data(), said.size());

  // A header's value is learned as it is sent; the error names the URL that holds it.
  std::string url = "ftp://x/?key=hdr-sekrit-2";
  gatehouse_http_header header{{"Authorization", 13}, {"Bearer hdr-sekrit-2", 19}};
  gatehouse_http_request request{sizeof request, {url.data(), url.size()}, &header, 1, 0};
  char text[256];
  gatehouse_error error{sizeof error, text, sizeof text, 0};
  Received got;
  EXPECT_EQ(table->http_get(table->host_context, &request, &keep, &got, &error),
            GATEHOUSE_ERR_INVALID_ARGUMENT);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::string(text, error.length),
            "only http and https URLs are supported: ftp://x/?key=<redacted>");
  EXPECT_EQ(host.take_warnings(), std::vector<std::string>{"next link ?k=<redacted> not followed"});
  EXPECT_NE(log.find("[or] next link ?k=<redacted> not followed"), std::string::npos) << log;
  EXPECT_EQ(host.redact("Bearer hdr-sekrit-2, env-sekrit/1"), "<redacted>, <redacted>");
}

// Hardening B2: whatever a plugin does, its fetch's requests together end in time.
TEST(HostServicesBudget, PastTheFetchTimeoutHttpGetFailsUntilTheNextCall) {
  FakeUpstream upstream([](const SeenRequest&) { return CannedReply{200, {}, "ok"}; });
  HttpClientSettings settings;
  settings.fetch_timeout = std::chrono::seconds(60);
  HttpClient http(settings);
  ManualClock clock(1'700'000'000'000);
  HostServices host("hug", {}, HostContext{&http, &clock});
  const gatehouse_host_services* table = host.table();
  std::string url = upstream.url("/");
  auto get = [&](std::string& message) {
    gatehouse_http_request request{sizeof request, {url.data(), url.size()}, nullptr, 0, 0};
    Received got;
    char text[256];
    gatehouse_error error{sizeof error, text, sizeof text, 0};
    gatehouse_status status = table->http_get(table->host_context, &request, &keep, &got, &error);
    message.assign(text, error.length);
    return status;
  };
  std::string message;
  host.begin_call();
  EXPECT_EQ(get(message), GATEHOUSE_OK) << message;
  clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(get(message), GATEHOUSE_OK) << "within the budget: " << message;
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(get(message), GATEHOUSE_ERR_NETWORK);
  EXPECT_NE(message.find("past http.fetch_timeout_ms = 60000"), std::string::npos) << message;
  host.begin_call();
  EXPECT_EQ(get(message), GATEHOUSE_OK) << "the next fetch has its own time";
}

}  // namespace
}  // namespace gatehouse
