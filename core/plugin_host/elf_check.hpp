// What dlopen would map must be a shared library for this machine whose loadable
// segments all lie inside the file. dlopen maps a truncated file without complaint, and
// touching a page past its end is SIGBUS: a crash, not an error it could return.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace gatehouse {

// Why `file` cannot be loaded here, in words ("truncated: ..."), or nullopt when its
// headers say it can. dlopen still has the last word on everything else.
std::optional<std::string> elf_problem(const std::filesystem::path& file);

}  // namespace gatehouse
