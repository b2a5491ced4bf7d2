# Run with cmake -P (see CMakeLists.txt): installs SPREAD_BUILD_DIR into WORK_DIR/prefix,
# configures, builds and runs CONSUMER_SOURCE_DIR against that prefix only, then builds
# HEADERS_SOURCE_DIR there (each installed header compiled alone). Any failing step stops
# the script with the step's name and output.
foreach(required SPREAD_BUILD_DIR CONSUMER_SOURCE_DIR HEADERS_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "install_and_consume.cmake: -D${required}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")
set(headers_build "${WORK_DIR}/headers-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "package test step '${name}' failed (${result}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step(install "${CMAKE_COMMAND}" --install "${SPREAD_BUILD_DIR}" --prefix "${prefix}")

# A sanitized libspread_core needs a consumer built with the same sanitizer runtime.
set(flags "")
if(SANITIZE)
  set(flags "-fsanitize=${SANITIZE} -fno-omit-frame-pointer")
endif()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Debug)
endif()
set(configure_args
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_CXX_FLAGS=${flags}"
  "-DCMAKE_EXE_LINKER_FLAGS=${flags}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run_step(configure "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${consumer_build}" ${configure_args})

# The package must come from the temporary prefix, not from the build tree.
file(STRINGS "${consumer_build}/CMakeCache.txt" spread_dir_line REGEX "^spread_DIR:")
string(REGEX REPLACE "^spread_DIR:[A-Z]+=" "" spread_dir "${spread_dir_line}")
string(FIND "${spread_dir}" "${prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "package test: spread was found in '${spread_dir}', not under '${prefix}'")
endif()

run_step(build "${CMAKE_COMMAND}" --build "${consumer_build}")
run_step(run "${consumer_build}/spread_consumer")
if(NOT step_output MATCHES "spread_consumer: ok")
  message(FATAL_ERROR "package test: the consumer did not report success:\n${step_output}")
endif()

run_step(headers-configure "${CMAKE_COMMAND}" -S "${HEADERS_SOURCE_DIR}" -B "${headers_build}" ${configure_args})
string(REGEX MATCH "installed headers to compile alone: [0-9]+" headers_count "${step_output}")
run_step(headers-build "${CMAKE_COMMAND}" --build "${headers_build}")
message(STATUS "package test: installed into ${prefix}; the consumer built and ran; ${headers_count}, each compiled")
