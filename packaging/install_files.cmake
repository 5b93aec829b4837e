# Runs at install time (cmake --install, and cpack's staging install): writes the files
# that name this install's paths (the config, the unit, the manual), under DESTDIR.
# GATEHOUSE_SOURCE_DIR and GATEHOUSE_VERSION are set by the install(CODE) that includes it,
# after changelog.cmake (gzip_n).
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")  # a system install: Debian's places
  set(etc "/etc")
  set(unitdir "/lib/systemd/system")
else()
  set(etc "${prefix}/etc")
  set(unitdir "${prefix}/lib/systemd/system")
endif()
set(root "$ENV{DESTDIR}")
set(src "${GATEHOUSE_SOURCE_DIR}/packaging")

# The config: the repo's config.toml with the installed plugin folder and the unit's cache.
file(READ "${GATEHOUSE_SOURCE_DIR}/config.toml" config)
foreach(edit
    "dir = \"build/release/plugins\"[^\n]*|dir = \"${prefix}/lib/gatehouse/plugins\""
    "dir = \"var/cache\"[^\n]*|dir = \"/var/cache/gatehouse\"      # the unit's CacheDirectory")
  string(REPLACE "|" ";" pair "${edit}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(REGEX MATCH "${from}" found "${config}")
  if(NOT found)
    message(FATAL_ERROR "config.toml no longer has '${from}': update packaging/install_files.cmake")
  endif()
  string(REGEX REPLACE "${from}" "${to}" config "${config}")
endforeach()
file(WRITE "${root}${prefix}/share/gatehouse/config.toml" "${config}")
# An operator's edited config is never overwritten (a package's conffile is dpkg's to keep).
if(NOT EXISTS "${root}${etc}/gatehouse/config.toml")
  file(WRITE "${root}${etc}/gatehouse/config.toml" "${config}")
endif()
if(NOT EXISTS "${root}${etc}/default/gatehouse")
  # (file(INSTALL) adds DESTDIR itself)
  file(INSTALL "${src}/default" DESTINATION "${etc}/default" RENAME gatehouse
       PERMISSIONS OWNER_READ OWNER_WRITE)
endif()

set(BINDIR "${prefix}/bin")
set(ETCDIR "${etc}")
set(DOCDIR "${prefix}/share/doc/gatehouse")
set(VERSION "${GATEHOUSE_VERSION}")
configure_file("${src}/gatehouse.service.in" "${root}${unitdir}/gatehouse.service" @ONLY)
file(CHMOD "${root}${unitdir}/gatehouse.service" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The manual, gzipped without a timestamp (reproducible).
set(manual "${root}${prefix}/share/man/man1/gatehouse.1")
configure_file("${src}/gatehouse.1" "${manual}" @ONLY)
gzip_n("${manual}")
