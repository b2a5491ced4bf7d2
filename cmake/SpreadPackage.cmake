# Installs the libraries, their headers and a CMake package, so that another project can
# find_package(spread CONFIG) and link spread::core, spread::env for the clocks and
# executors (real and manual), spread::transport for writing a transport plugin,
# spread::sim_control for driving the simulated one, spread::testing for its mocks, and
# spread::client to talk to a running spreadd.
# The programs, the plugins and the service files are in SpreadDebian.cmake.
include(CMakePackageConfigHelpers)

install(TARGETS spread_core spread_env spread_transport spread_sim_control EXPORT spreadCoreTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY core/include/ core/env/include/ transport/include/ plugins/sim/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT spreadCoreTargets NAMESPACE spread:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/spread)

# The client is a target set of its own: it needs Poco (Net, JSON, Foundation), the core does not.
install(TARGETS spread_client EXPORT spreadClientTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY client/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT spreadClientTargets NAMESPACE spread:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/spread)

if(TARGET spread_testing)
  install(TARGETS spread_testing EXPORT spreadTestingTargets)
  install(DIRECTORY tests/mocks/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT spreadTestingTargets NAMESPACE spread:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/spread)
endif()

configure_package_config_file(cmake/spreadConfig.cmake.in
  ${PROJECT_BINARY_DIR}/spreadConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/spread)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/spreadConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/spreadConfig.cmake ${PROJECT_BINARY_DIR}/spreadConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/spread)
