#include "plugin_host/plugin_loader.hpp"

#include "plugin_host/elf_check.hpp"

#include <boost/dll/shared_library.hpp>

#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <mutex>

namespace gatehouse {
namespace fs = std::filesystem;
namespace {

// The smallest descriptor that carries everything ABI 1.0 requires.
constexpr size_t descriptor_v1_0_size = offsetof(gatehouse_plugin, normalize) + sizeof(void*);
constexpr size_t descriptor_version_size = offsetof(gatehouse_plugin, abi_minor) + sizeof(uint32_t);

[[noreturn]] void reject(const fs::path& path, const std::string& reason) {
  throw PluginError("plugin " + path.string() + " rejected: " + reason);
}

// dlopen's own reason, which Boost.DLL puts in parentheses inside what().
std::string dlopen_reason(const std::exception& e) {
  std::string what = e.what();
  const std::string marker = "dlerror system message: ";
  size_t begin = what.find(marker);
  if (begin == std::string::npos) return what;
  begin += marker.size();
  size_t end = what.rfind(')');
  return what.substr(begin,
                     end == std::string::npos || end < begin ? std::string::npos : end - begin);
}

constexpr std::string_view shadow_prefix = "gatehouse-plugin-";
constexpr std::string_view legacy_prefix = "gatehouse-plugins-";  // 0.1's folder per run

// A copy is unlinked as soon as it is mapped; only a crash in between leaves one behind.
// Those of processes that are gone are removed, once per process, with the folders the
// first release left behind on every run.
void remove_stale_shadow_copies(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    std::string_view prefix = name.starts_with(legacy_prefix)   ? legacy_prefix
                              : name.starts_with(shadow_prefix) ? shadow_prefix
                                                                : std::string_view();
    if (prefix.empty()) continue;
    pid_t pid = std::atoi(name.c_str() + prefix.size());
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

// glibc's dlopen of a path it already has open returns the library loaded before, so a
// rebuilt .so at the same path would never run. Each load opens its own copy instead:
// <tmp>/gatehouse-plugin-<pid>-<n>-<name>.so.
fs::path shadow_copy(const fs::path& path) {
  static std::atomic<uint64_t> counter{0};
  static std::once_flag cleaned;
  fs::path dir = fs::temp_directory_path();
  std::call_once(cleaned, [&] { remove_stale_shadow_copies(dir); });
  fs::path shadow = dir / (std::string(shadow_prefix) + std::to_string(::getpid()) + "-" +
                           std::to_string(++counter) + "-" + path.stem().string() + ".so");
  std::error_code ec;
  if (!fs::copy_file(path, shadow, fs::copy_options::overwrite_existing, ec))
    reject(path, "cannot make a private copy to load (" + shadow.string() + "): " + ec.message());
  return shadow;
}

void check_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) reject(path, "no such file");
  if (!fs::is_regular_file(path, ec)) reject(path, "not a regular file");
}

std::string abi_text(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

void check_descriptor(const fs::path& path, const gatehouse_plugin* d) {
  if (!d) reject(path, std::string(GATEHOUSE_PLUGIN_ENTRY_SYMBOL) + "() returned NULL");
  if (d->struct_size < descriptor_version_size)
    reject(path, "descriptor of " + std::to_string(d->struct_size) +
                     " bytes is too small to carry an ABI version");
  const std::string host_abi = abi_text(GATEHOUSE_ABI_MAJOR, GATEHOUSE_ABI_MINOR);
  if (d->abi_major != GATEHOUSE_ABI_MAJOR || d->abi_minor > GATEHOUSE_ABI_MINOR)
    reject(path, "built for ABI " + abi_text(d->abi_major, d->abi_minor) + ", this host speaks " +
                     host_abi);
  if (d->struct_size < descriptor_v1_0_size)
    reject(path, "descriptor of " + std::to_string(d->struct_size) + " bytes, ABI " + host_abi +
                     " needs at least " + std::to_string(descriptor_v1_0_size));
  const std::pair<const char*, const void*> required[] = {
      {"name", d->name},
      {"version", d->version},
      {"description", d->description},
      {"create", reinterpret_cast<const void*>(d->create)},
      {"destroy", reinterpret_cast<const void*>(d->destroy)},
      {"fetch", reinterpret_cast<const void*>(d->fetch)},
      {"normalize", reinterpret_cast<const void*>(d->normalize)},
  };
  for (auto [field, value] : required)
    if (!value) reject(path, std::string("descriptor field '") + field + "' is NULL");
}

}  // namespace

LoadedPlugin::LoadedPlugin(std::unique_ptr<boost::dll::shared_library> library,
                           const gatehouse_plugin* descriptor, fs::path path)
    : library_(std::move(library)), descriptor_(descriptor), path_(std::move(path)) {
  std::error_code ec;
  mtime_ = fs::last_write_time(path_, ec);
}

LoadedPlugin::~LoadedPlugin() = default;

fs::path PluginDirectory::path_of(std::string_view plugin) const {
  if (plugin.find('/') == std::string_view::npos) return dir / (std::string(plugin) + ".so");
  fs::path given(plugin);
  if (given.is_absolute()) return given;
  return ((base.empty() ? fs::current_path() : base) / given).lexically_normal();
}

std::shared_ptr<const LoadedPlugin> load_plugin(const fs::path& path) {
  check_file(path);
  auto library = std::make_unique<boost::dll::shared_library>();
  fs::path shadow = shadow_copy(path);
  // The copy is what dlopen maps, so the copy is what is checked (the file at `path` may
  // change meanwhile: a partial copy over it, say).
  if (std::optional<std::string> problem = elf_problem(shadow)) {
    std::error_code ec;
    fs::remove(shadow, ec);
    reject(path, *problem);
  }
  try {
    // RTLD_LOCAL: two plugins' symbols never collide; RTLD_NOW: a missing symbol fails
    // here, not in the middle of a fetch.
    library->load(shadow, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(shadow, ec);
    std::string reason = dlopen_reason(e);
    for (size_t at; (at = reason.find(shadow.string())) != std::string::npos;)
      reason.replace(at, shadow.string().size(), path.string());
    reject(path, "cannot load: " + reason);
  }
  // The mapping outlives the name: nothing is left to clean up, even after a crash.
  std::error_code ec;
  fs::remove(shadow, ec);
  if (!library->has(GATEHOUSE_PLUGIN_ENTRY_SYMBOL))
    reject(path, std::string("no entry symbol '") + GATEHOUSE_PLUGIN_ENTRY_SYMBOL +
                     "' (is it exported with GATEHOUSE_PLUGIN_EXPORT?)");
  auto entry = library->get<const gatehouse_plugin*()>(GATEHOUSE_PLUGIN_ENTRY_SYMBOL);
  const gatehouse_plugin* descriptor = entry();
  check_descriptor(path, descriptor);
  return std::make_shared<const LoadedPlugin>(std::move(library), descriptor, path);
}

}  // namespace gatehouse
