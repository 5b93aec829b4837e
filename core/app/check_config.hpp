// `gatehouse --check-config`: what a package's postinst, a unit's ExecStartPre and an
// operator before SIGHUP run. Nothing is fetched and nothing listens.
#pragma once

#include <filesystem>
#include <iosfwd>

namespace gatehouse {

// Loads and validates the config, loads every gateway's plugin and creates it with its
// options, and prints what would be served. Returns 0 when all of it worked, else 2
// (App::exit_bad_config), each fault named on `err`.
int check_config(const std::filesystem::path& config, std::ostream& out, std::ostream& err);

}  // namespace gatehouse
