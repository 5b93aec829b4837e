# Fails listing every project source file that clang-format would change.
file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR}
  ${SOURCE_DIR}/sdk/*.h ${SOURCE_DIR}/sdk/*.hpp ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.hpp
  ${SOURCE_DIR}/plugins/*.cpp ${SOURCE_DIR}/plugins/*.hpp ${SOURCE_DIR}/tests/*.cpp
  ${SOURCE_DIR}/tests/*.hpp ${SOURCE_DIR}/tests/*.c ${SOURCE_DIR}/benchmarks/*.cpp)
set(unformatted "")
foreach(file IN LISTS sources)
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${file}
                  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    list(APPEND unformatted ${file})
  endif()
endforeach()
list(LENGTH sources checked)
if(unformatted)
  list(JOIN unformatted "\n  " listing)
  message(FATAL_ERROR "not clang-formatted (run clang-format -i on them):\n  ${listing}")
endif()
message(STATUS "clang-format: ${checked} files clean")
