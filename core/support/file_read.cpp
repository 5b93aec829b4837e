#include "support/file_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace gatehouse {

std::string read_regular_file(const std::filesystem::path& path, size_t max_bytes,
                              size_t spare_capacity) {
  // Looked at before it is opened: opening a device or a FIFO can have effects of its own.
  struct stat first {};
  if (::stat(path.c_str(), &first) != 0) throw FileError(std::strerror(errno));
  if (!S_ISREG(first.st_mode)) throw FileError("not a regular file");
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw FileError(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw FileError(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw FileError("not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw FileError("larger than " + std::to_string(max_bytes) + " bytes");
  std::string bytes;
  bytes.reserve(static_cast<size_t>(st.st_size) + spare_capacity);
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(std::strerror(errno));
    if (n == 0) break;  // it shrank meanwhile: what is there is what there is
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace gatehouse
