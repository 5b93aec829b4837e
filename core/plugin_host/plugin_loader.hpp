// Loads a plugin's shared library and checks its descriptor against the host's ABI.
#pragma once

#include <gatehouse/plugin.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boost::dll {
class shared_library;
}

namespace gatehouse {

// One line naming the file and the reason, e.g.
// "plugin build/plugins/x.so rejected: built for ABI 2.0, this host speaks 1.0".
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A loaded, validated library. The library stays mapped as long as any shared_ptr to it
// lives, so whatever holds an instance of the plugin holds this too.
class LoadedPlugin {
 public:
  // `copy` is the descriptor of the private copy the library was mapped from; it stays
  // open until the library is unloaded.
  LoadedPlugin(std::unique_ptr<boost::dll::shared_library> library,
               const gatehouse_plugin* descriptor, std::filesystem::path path, int copy = -1);
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const gatehouse_plugin& abi() const { return *descriptor_; }
  const std::filesystem::path& path() const { return path_; }
  // The file's modification time when it was loaded: a reload rebinds when it changed.
  std::filesystem::file_time_type loaded_mtime() const { return mtime_; }
  std::string name() const { return descriptor_->name; }
  std::string version() const { return descriptor_->version; }
  std::string description() const { return descriptor_->description; }

 private:
  std::unique_ptr<boost::dll::shared_library> library_;
  const gatehouse_plugin* descriptor_;
  std::filesystem::path path_;
  std::filesystem::file_time_type mtime_;
  int copy_;
};

// Where a plugin named in config.toml or by the admin API is found.
struct PluginDirectory {
  std::filesystem::path dir;   // a bare NAME is dir/NAME.so
  std::filesystem::path base;  // a path (it has a '/') is relative to this; empty = the cwd

  std::filesystem::path path_of(std::string_view plugin) const;
};

// Throws PluginError when the file is missing, not a shared library, lacks the entry
// symbol, speaks another ABI, or has a descriptor without what ABI 1.0 requires.
std::shared_ptr<const LoadedPlugin> load_plugin(const std::filesystem::path& path);

}  // namespace gatehouse
