// Where the build put what the tests use.
#pragma once

#include <filesystem>
#include <string>

namespace gatehouse::test {

inline std::filesystem::path test_plugin(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_TEST_PLUGIN_DIR) / (name + ".so");
}

inline std::filesystem::path test_data(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_TEST_DATA_DIR) / name;
}

inline const std::string gatehouse_binary = GATEHOUSE_BINARY;

// A fresh, empty folder under the system temp folder, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatehouse-test-XXXXXX");
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace gatehouse::test
