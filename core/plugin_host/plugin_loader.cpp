#include "plugin_host/plugin_loader.hpp"

#include "plugin_host/elf_check.hpp"

#include <boost/dll/shared_library.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstddef>
#include <cstring>

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

// glibc's dlopen of a path it already has open returns the library loaded before, so a
// rebuilt .so at the same path would never run. Each load maps a private copy instead: a
// memfd, opened as /proc/self/fd/N. Nothing is written where others could meddle or
// leftovers pile up, and the copy is what is checked and mapped even if the file at
// `path` changes meanwhile (a partial copy over it, say). Returns the memfd.
int private_copy(const fs::path& path) {
  auto fail = [&](const std::string& what) {
    reject(path, "cannot make a private copy to load: " + what + ": " + std::strerror(errno));
  };
  int source = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (source < 0) fail("open");
  struct stat st {};
  int copy = ::fstat(source, &st) == 0 ? ::memfd_create("gatehouse-plugin", MFD_CLOEXEC) : -1;
  off_t offset = 0;
  while (copy >= 0 && offset < st.st_size) {
    ssize_t n = ::sendfile(copy, source, &offset, static_cast<size_t>(st.st_size - offset));
    if (n <= 0) {
      ::close(copy);
      copy = -1;
    }
  }
  int error = errno;
  ::close(source);
  errno = error;
  if (copy < 0) fail("copy");
  return copy;
}

fs::path proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

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
    reject(path, "descriptor of " + std::to_string(d->struct_size) +
                     " bytes, ABI 1.0 needs at least " + std::to_string(descriptor_v1_0_size));
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
                           const gatehouse_plugin* descriptor, fs::path path, int copy)
    : library_(std::move(library)), descriptor_(descriptor), path_(std::move(path)), copy_(copy) {
  std::error_code ec;
  mtime_ = fs::last_write_time(path_, ec);
}

LoadedPlugin::~LoadedPlugin() {
  library_.reset();  // unmapped first; then the number of its copy may be used again
  if (copy_ >= 0) ::close(copy_);
}

fs::path PluginDirectory::path_of(std::string_view plugin) const {
  if (plugin.find('/') == std::string_view::npos) return dir / (std::string(plugin) + ".so");
  fs::path given(plugin);
  if (given.is_absolute()) return given;
  return ((base.empty() ? fs::current_path() : base) / given).lexically_normal();
}

std::shared_ptr<const LoadedPlugin> load_plugin(const fs::path& path) {
  check_file(path);
  int copy = private_copy(path);
  struct CloseUnlessKept {
    int& fd;
    ~CloseUnlessKept() {
      if (fd >= 0) ::close(fd);
    }
  } close_unless_kept{copy};
  fs::path mapped = proc_path(copy);
  if (std::optional<std::string> problem = elf_problem(mapped)) reject(path, *problem);
  auto library = std::make_unique<boost::dll::shared_library>();
  try {
    // RTLD_LOCAL: two plugins' symbols never collide; RTLD_NOW: a missing symbol fails
    // here, not in the middle of a fetch.
    library->load(mapped, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    std::string reason = dlopen_reason(e);
    for (size_t at; (at = reason.find(mapped.string())) != std::string::npos;)
      reason.replace(at, mapped.string().size(), path.string());
    reject(path, "cannot load: " + reason);
  }
  if (!library->has(GATEHOUSE_PLUGIN_ENTRY_SYMBOL))
    reject(path, std::string("no entry symbol '") + GATEHOUSE_PLUGIN_ENTRY_SYMBOL +
                     "' (is it exported with GATEHOUSE_PLUGIN_EXPORT?)");
  auto entry = library->get<const gatehouse_plugin*()>(GATEHOUSE_PLUGIN_ENTRY_SYMBOL);
  const gatehouse_plugin* descriptor = entry();
  check_descriptor(path, descriptor);
  auto loaded = std::make_shared<const LoadedPlugin>(std::move(library), descriptor, path, copy);
  copy = -1;  // the plugin keeps it open while mapped
  return loaded;
}

}  // namespace gatehouse
