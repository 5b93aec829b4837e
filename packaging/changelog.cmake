# Runs at install time: the package's changelog (a native package's changelog.gz), and
# gzip_n() for the other gzipped files. GATEHOUSE_SOURCE_DIR, GATEHOUSE_VERSION and
# GATEHOUSE_DOC (the package's doc folder name) are set by the install(CODE) that
# includes it.

# Replaces `file` by file.gz, without a timestamp (reproducible).
function(gzip_n file)
  file(REMOVE "${file}.gz")
  execute_process(COMMAND gzip -9n "${file}" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "gzip ${file} failed")
  endif()
endfunction()

set(VERSION "${GATEHOUSE_VERSION}")
set(PACKAGE "${GATEHOUSE_DOC}")
set(changelog "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/share/doc/${GATEHOUSE_DOC}/changelog")
configure_file("${GATEHOUSE_SOURCE_DIR}/packaging/changelog" "${changelog}" @ONLY)
gzip_n("${changelog}")
