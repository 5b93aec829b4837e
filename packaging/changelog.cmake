# Runs at install time: the package's changelog (a native package's changelog.gz), gzipped
# without a timestamp. GATEHOUSE_SOURCE_DIR, GATEHOUSE_VERSION and GATEHOUSE_DOC (the
# package's doc folder name) are set by the install(CODE) that includes it.
set(VERSION "${GATEHOUSE_VERSION}")
set(PACKAGE "${GATEHOUSE_DOC}")
set(changelog "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/share/doc/${GATEHOUSE_DOC}/changelog")
configure_file("${GATEHOUSE_SOURCE_DIR}/packaging/changelog" "${changelog}" @ONLY)
file(REMOVE "${changelog}.gz")
execute_process(COMMAND gzip -9n "${changelog}" RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "gzip ${changelog} failed")
endif()
