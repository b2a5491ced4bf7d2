# Run with cmake -P (see CMakeLists.txt): installs SPREAD_BUILD_DIR into WORK_DIR/prefix,
# configures, builds and runs CONSUMER_SOURCE_DIR against that prefix only. Any failing
# step stops the script with the step's name and output.
foreach(required SPREAD_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "install_and_consume.cmake: -D${required}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")
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
run_step(configure "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${consumer_build}"
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_CXX_FLAGS=${flags}"
  "-DCMAKE_EXE_LINKER_FLAGS=${flags}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

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
message(STATUS "package test: installed into ${prefix}; the consumer built and ran")
