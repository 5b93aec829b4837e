# Writes OUTPUT, a C++ source holding each of FILES (names in SOURCE_DIR) as a string_view of
# its exact bytes: the web assets compiled into the binary, so serving them reads no disk.
# Every byte is a \x escape, so any content (quotes, ")", NULs) embeds unchanged.
set(entries "")
set(arrays "")
set(index 0)
foreach(name IN LISTS FILES)
  file(READ ${SOURCE_DIR}/${name} hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(APPEND arrays "constexpr char file_${index}[] = \"${escaped}\";\n")
  string(APPEND entries "    {\"${name}\", {file_${index}, ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(CONFIGURE OUTPUT ${OUTPUT}.tmp CONTENT [=[
// Generated from web/ by core/http/embed_web.cmake at build time: do not edit.
#include "http/web_asset_files.hpp"

namespace gatehouse {
namespace {
@arrays@
constexpr WebAssetFile files[] = {
@entries@};
}  // namespace

std::span<const WebAssetFile> web_asset_files() { return files; }

}  // namespace gatehouse
]=] @ONLY)
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
