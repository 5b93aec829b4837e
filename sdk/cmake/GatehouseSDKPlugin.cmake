# gatehouse_add_plugin(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds <name>.so, a MODULE library the host loads with dlopen. Only the entry symbol
# is exported (-fvisibility=hidden), the library can really be unloaded on hot swap
# (-fno-gnu-unique), and it must resolve every symbol itself (-z defs): a plugin links
# against nothing of the host.
include_guard(GLOBAL)

function(gatehouse_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "gatehouse_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE GatehouseSDK::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY})
  endif()
  target_compile_options(${name} PRIVATE $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-fno-gnu-unique>)
  target_link_options(${name} PRIVATE LINKER:-z,defs)
endfunction()
