// Reading a whole file that someone else may have put there (a snapshot, a sample, a
// config): regular files only, opened without blocking (a FIFO must not hang the start),
// and no more than the caller can hold (/dev/zero has no end).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace gatehouse {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;  // the reason, without the path
};

// Throws FileError: "not a regular file", "larger than N bytes", or the system's reason.
// The string's capacity leaves at least spare_capacity bytes past its end (a parser that
// reads past the end of what it parses, as simdjson does, reads the file in place).
std::string read_regular_file(const std::filesystem::path& path, size_t max_bytes,
                              size_t spare_capacity = 0);

}  // namespace gatehouse
