# Run with cmake -P at every build (spreadd/CMakeLists.txt): writes OUTPUT from TEMPLATE with
# SPREAD_VERSION and SPREAD_COMMIT, the short hash of SOURCE_DIR's HEAD plus "-dirty" if a
# tracked file differs from it, or "unknown" without git or a checkout (a source tarball).
# configure_file() leaves OUTPUT untouched when nothing changed, so nothing is recompiled.
foreach(required SOURCE_DIR TEMPLATE OUTPUT SPREAD_VERSION)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "write_build_version.cmake: -D${required}=... is required")
  endif()
endforeach()

set(SPREAD_COMMIT unknown)
find_program(GIT_PROGRAM git)
if(GIT_PROGRAM)
  execute_process(COMMAND "${GIT_PROGRAM}" -C "${SOURCE_DIR}" rev-parse --short HEAD
    RESULT_VARIABLE status OUTPUT_VARIABLE hash ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(status EQUAL 0 AND hash)
    set(SPREAD_COMMIT "${hash}")
    # Untracked files (a build directory, say) do not make the build differ from the commit.
    execute_process(COMMAND "${GIT_PROGRAM}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
      RESULT_VARIABLE status OUTPUT_VARIABLE changes ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(status EQUAL 0 AND changes)
      string(APPEND SPREAD_COMMIT "-dirty")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
