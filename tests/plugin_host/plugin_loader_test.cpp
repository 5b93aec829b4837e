#include "plugin_host/plugin_loader.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "plugin_host/plugin_instance.hpp"

#include <gtest/gtest.h>

#include <elf.h>
#include <unistd.h>
#include <cstring>
#include <fstream>
#include <functional>

namespace gatehouse {
namespace {

using test::test_plugin;

// What earlier releases left in the temp folder per load (no longer made at all).
size_t temp_entries() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
    n += e.path().filename().string().starts_with("gatehouse-plugin");
  return n;
}

// Loads `path` and returns the rejection message, or "" when it loaded.
std::string rejection(const std::filesystem::path& path) {
  try {
    load_plugin(path);
    return "";
  } catch (const PluginError& e) {
    return e.what();
  }
}

void expect_rejected(const std::filesystem::path& path, const std::string& reason) {
  std::string message = rejection(path);
  EXPECT_NE(message.find("plugin " + path.string() + " rejected: "), std::string::npos) << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

TEST(PluginLoader, LoadsAGoodCPluginAndReadsItsDescriptor) {
  auto plugin = load_plugin(test_plugin("c_sample"));
  EXPECT_EQ(plugin->name(), "c_sample");
  EXPECT_EQ(plugin->version(), "1.0.0");
  EXPECT_EQ(plugin->abi().abi_major, GATEHOUSE_ABI_MAJOR);
  EXPECT_EQ(plugin->path(), test_plugin("c_sample"));
}

TEST(PluginLoader, RejectsAMissingFile) {
  expect_rejected(test_plugin("does_not_exist"), "no such file");
}

TEST(PluginLoader, RejectsAFolder) {
  expect_rejected(GATEHOUSE_TEST_PLUGIN_DIR, "not a regular file");
}

TEST(PluginLoader, RejectsAFileThatIsNotASharedLibrary) {
  test::TempDir dir;
  auto path = dir.path() / "text.so";
  std::ofstream(path) << "this is not ELF\n";
  expect_rejected(path, "not a shared library");
}

TEST(PluginLoader, RejectsAnElfFileDlopenRefuses) {
  // A 64-bit shared-library header for this machine with nothing behind it: every check
  // before dlopen passes, and dlopen's own reason is quoted.
  test::TempDir dir;
  auto path = dir.path() / "hollow.so";
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_type = ET_DYN;
  h.e_machine = EM_X86_64;
  h.e_version = EV_CURRENT;
  h.e_ehsize = sizeof h;
  h.e_phentsize = sizeof(Elf64_Phdr);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(&h), sizeof h);
  expect_rejected(path, "cannot load: ");
}

// A copy of a real plugin with `edit` applied to its bytes.
std::filesystem::path damaged_plugin(const test::TempDir& dir,
                                     const std::function<void(std::string&)>& edit) {
  std::string bytes = test::read_bytes(test::built_plugin("huggingface"));
  edit(bytes);
  auto path = dir.path() / "damaged.so";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

// Hardening B1: dlopen maps a truncated file and the first touch past its end is SIGBUS
// (check-plugin died with exit 135, the server on a rebind or SIGHUP).
TEST(PluginLoader, RejectsATruncatedLibraryInsteadOfCrashing) {
  test::TempDir dir;
  for (size_t keep : {size_t{100000}, size_t{40000}, size_t{1000}, size_t{100}}) {
    auto path = damaged_plugin(dir, [&](std::string& b) { b.resize(keep); });
    expect_rejected(path, "truncated");
  }
}

TEST(PluginLoader, SaysWhatAnElfFileForAnotherMachineIs) {
  test::TempDir dir;
  auto arm = damaged_plugin(dir, [](std::string& b) {
    uint16_t machine = EM_AARCH64;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_machine), &machine, sizeof machine);
  });
  expect_rejected(arm, "an ELF file for aarch64; this host is x86_64");
  auto narrow = damaged_plugin(dir, [](std::string& b) { b[EI_CLASS] = ELFCLASS32; });
  expect_rejected(narrow, "a 32-bit ELF file; this host loads 64-bit ones");
  auto program = damaged_plugin(dir, [](std::string& b) {
    uint16_t type = ET_EXEC;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_type), &type, sizeof type);
  });
  expect_rejected(program, "not a shared library (e_type 2)");
}

TEST(PluginLoader, RejectsALibraryWithoutTheEntrySymbol) {
  expect_rejected(test_plugin("bad_no_entry"), "no entry symbol 'gatehouse_plugin_entry'");
}

TEST(PluginLoader, RejectsANullDescriptor) {
  expect_rejected(test_plugin("bad_null_descriptor"), "gatehouse_plugin_entry() returned NULL");
}

TEST(PluginLoader, RejectsAnotherAbiMajor) {
  expect_rejected(test_plugin("bad_abi_major"), "built for ABI 2.1, this host speaks 1.1");
}

TEST(PluginLoader, RejectsANewerAbiMinor) {
  expect_rejected(test_plugin("bad_abi_minor"), "built for ABI 1.2, this host speaks 1.1");
}

TEST(PluginLoader, RejectsADescriptorSmallerThanAbi10Needs) {
  expect_rejected(test_plugin("bad_small_descriptor"), "ABI 1.0 needs at least");
}

TEST(PluginLoader, RejectsAMissingRequiredFunction) {
  expect_rejected(test_plugin("bad_missing_normalize"), "descriptor field 'normalize' is NULL");
}

TEST(PluginLoader, ARebuiltLibraryReplacedOnDiskLoadsAsTheNewCode) {
  test::TempDir dir;
  auto path = dir.path() / "fixture.so";
  std::filesystem::copy_file(test_plugin("fixture"), path);
  size_t temp_before = temp_entries();
  auto old = load_plugin(path);
  PluginInstance running(old, "hug", {});
  // A new build lands on the same path while the old one runs.
  std::filesystem::copy_file(test_plugin("fixture_v2"), path,
                             std::filesystem::copy_options::overwrite_existing);
  auto fresh = load_plugin(path);
  EXPECT_EQ(old->version(), "0.3.0");
  EXPECT_EQ(fresh->version(), "0.4.0");
  EXPECT_EQ(fresh->path(), path);
  CallResult result =
      running.normalize("[{\"id\": \"a/b\"}]", [](const gatehouse_model&) { return GATEHOUSE_OK; });
  EXPECT_TRUE(result.ok()) << "the old code still runs: " << result.message;
  // The private copies live in memory: nothing was written to the temp folder.
  EXPECT_EQ(temp_entries(), temp_before);
}

TEST(PluginInstance, ReportsAFailingCreateWithThePluginsReason) {
  auto plugin = load_plugin(test_plugin("bad_create_fails"));
  try {
    PluginInstance instance(plugin, "hug", {});
    FAIL() << "create should have failed";
  } catch (const PluginError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(test_plugin("bad_create_fails").string()), std::string::npos);
    EXPECT_NE(message.find("gateway 'hug'"), std::string::npos) << message;
    EXPECT_NE(message.find("CONFIG: option 'base_url' is required"), std::string::npos) << message;
  }
}

std::vector<std::string> normalize_ids(PluginInstance& instance, std::string_view bytes,
                                       CallResult& result) {
  std::vector<std::string> ids;
  result = instance.normalize(bytes, [&](const gatehouse_model& m) {
    ids.emplace_back(m.id.data, m.id.size);
    return GATEHOUSE_OK;
  });
  return ids;
}

TEST(PluginInstance, NormalizesThroughTheSink) {
  PluginInstance instance(load_plugin(test_plugin("c_sample")), "hug", {});
  CallResult result;
  auto ids = normalize_ids(instance, "a/one\nb/two\n\nc/three", result);
  EXPECT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(ids, (std::vector<std::string>{"a/one", "b/two", "c/three"}));
}

TEST(PluginInstance, CarriesAPluginErrorWithItsMessage) {
  PluginInstance instance(load_plugin(test_plugin("c_sample")), "hug", {});
  CallResult result;
  normalize_ids(instance, "a/one\n!broken\n", result);
  EXPECT_EQ(result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_EQ(result.message, "a line starts with '!'");
}

TEST(PluginInstance, StopsThePluginWhenTheSinkSaysSo) {
  PluginInstance instance(load_plugin(test_plugin("c_sample")), "hug", {});
  int seen = 0;
  CallResult result = instance.normalize("a/1\na/2\na/3\n", [&](const gatehouse_model&) {
    return ++seen == 2 ? GATEHOUSE_ERR_STOPPED : GATEHOUSE_OK;
  });
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(result.status, GATEHOUSE_ERR_STOPPED);
}

TEST(PluginInstance, RethrowsACallbackExceptionAfterThePluginReturned) {
  PluginInstance instance(load_plugin(test_plugin("c_sample")), "hug", {});
  EXPECT_THROW(instance.normalize("a/1\n",
                                  [](const gatehouse_model&) -> gatehouse_status {
                                    throw std::runtime_error("callback failed");
                                  }),
               std::runtime_error);
  CallResult result;
  EXPECT_EQ(normalize_ids(instance, "still/works", result).size(), 1u);
}

TEST(PluginInstance, FetchSeesTheOptionsAndTheHostsHttpAnswer) {
  PluginInstance without_url(load_plugin(test_plugin("c_sample")), "hug", {});
  CallResult result = without_url.fetch([](const gatehouse_model&) { return GATEHOUSE_OK; });
  EXPECT_EQ(result.status, GATEHOUSE_ERR_CONFIG);
  EXPECT_EQ(result.message, "option 'url' is required to fetch");

  PluginInstance with_url(load_plugin(test_plugin("c_sample")), "hug",
                          {{"url", "http://127.0.0.1:1/models"}});
  result = with_url.fetch([](const gatehouse_model&) { return GATEHOUSE_OK; });
  EXPECT_EQ(result.status, GATEHOUSE_ERR_UNSUPPORTED);
  EXPECT_NE(result.message.find("no HTTP client"), std::string::npos) << result.message;
}

TEST(PluginInstance, KeepsTheLibraryLoadedWhileAnInstanceLives) {
  std::unique_ptr<PluginInstance> instance;
  {
    auto plugin = load_plugin(test_plugin("c_sample"));
    instance = std::make_unique<PluginInstance>(plugin, "hug", PluginOptions{});
  }  // the loader's reference is gone; the instance's must keep the code mapped
  CallResult result;
  EXPECT_EQ(normalize_ids(*instance, "x/y", result).size(), 1u);
}

TEST(PluginInstance, TwoInstancesOfOnePluginKeepTheirOwnOptions) {
  auto plugin = load_plugin(test_plugin("fixture"));
  PluginInstance plain(plugin, "a", {});
  PluginInstance failing(plugin, "b", {{"throw", "error"}});
  CallResult ok = plain.normalize("[]", [](const gatehouse_model&) { return GATEHOUSE_OK; });
  CallResult bad = failing.normalize("[]", [](const gatehouse_model&) { return GATEHOUSE_OK; });
  EXPECT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(bad.status, GATEHOUSE_ERR_UPSTREAM);
}

}  // namespace
}  // namespace gatehouse
