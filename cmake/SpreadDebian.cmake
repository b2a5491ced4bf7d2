# The server as a Debian package: `cpack -G DEB` in a configured, built tree makes
# spread_<version>_<arch>.deb with the programs in /usr/bin, the transport plugins in
# /usr/lib/spread, the libraries, headers and CMake package of SpreadPackage.cmake in
# /usr/lib/<multiarch> and /usr/include, /etc/spread/server.properties (a conffile), the
# systemd unit spreadd.service, and the maintainer scripts that add and remove the `spread`
# system user (packaging/).

# Where spreadd and spread-sim look for plugins when spread.pluginDir is empty: next to
# their own bin/, as in the build tree (SPREAD_PLUGIN_OUTPUT_DIRECTORY).
set(SPREAD_INSTALL_PLUGINDIR lib/spread)

# Installed binaries carry no runpath (CMake's INSTALL_RPATH is empty by default): the
# libraries are in /usr/lib/<multiarch>, on the loader's default path.
install(TARGETS spreadd spread-token spread-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET spread-bench)
  install(TARGETS spread-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Only the real transports and the Redis engine: the test plugins (fake, broken) are never installed.
install(TARGETS spread_transport_websocket spread_transport_sse spread_transport_sim spread_engine_redis
  LIBRARY DESTINATION ${SPREAD_INSTALL_PLUGINDIR})

# The service's files are at fixed system paths whatever the prefix, so they belong to a
# component that only the package asks for: a plain `cmake --install --prefix DIR` (the
# package test in tests/package) never writes to /etc.
install(FILES etc/server.properties DESTINATION /etc/spread COMPONENT service EXCLUDE_FROM_ALL)
install(FILES packaging/spreadd.service DESTINATION /lib/systemd/system COMPONENT service EXCLUDE_FROM_ALL)

set(CPACK_PACKAGE_NAME spread)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Spread")
set(CPACK_PACKAGE_CONTACT "Spread maintainers <spread@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Spread publish/subscribe server (WebSocket and HTTP)")
set(CPACK_PACKAGE_DESCRIPTION
  "spreadd serves topics to WebSocket clients and takes publishes over HTTP and WebSocket, run as a systemd service.\n\
The package also has spread-sim (the deterministic simulator), spread-bench (the load generator), spread-token, \
and the libraries, headers and CMake package for writing transports and tests against Spread.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Everything installed without a COMPONENT (CMake calls that one Unspecified) and the
# service files, in one package.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified service)
# The release build carries debug information; the package does not.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies are computed by dpkg-shlibdeps (dpkg-dev) from the binaries, with
# the package's own libraries found in the build tree; adduser is for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/lib)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
# The libraries' ldconfig run comes from packaging/debian/triggers, as debhelper would add
# it. No shlibs file (CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS): CPack would warn on every run
# that the plugins have no soname, which is right for modules only ever dlopen()ed.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
  ${PROJECT_SOURCE_DIR}/packaging/debian/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
