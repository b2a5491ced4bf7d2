# spread_add_header_check(TARGET HEADER...) adds an OBJECT library that compiles each HEADER
# (a path as it is #included, such as spread/core/broker.h) in a translation unit of its own
# that includes nothing else. A header that only compiles after another one fails the build,
# and the unit's name says which. The caller links TARGET to what provides the include paths.
function(spread_add_header_check target)
  if(NOT ARGN)
    message(FATAL_ERROR "spread_add_header_check(${target}): no headers to check")
  endif()
  set(units)
  foreach(header IN LISTS ARGN)
    string(REGEX REPLACE "[/.]" "_" name "${header}")
    set(unit "${CMAKE_CURRENT_BINARY_DIR}/${target}/${name}.cpp")
    file(CONFIGURE OUTPUT "${unit}" CONTENT "#include \"${header}\"\n")
    list(APPEND units "${unit}")
  endforeach()
  add_library(${target} OBJECT ${units})
endfunction()
