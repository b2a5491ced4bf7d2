#pragma once

#include <string_view>

namespace spread::plugins::websocket {

/// The text of web/spread.js, the JavaScript client, compiled in at build time (CMake writes
/// it into spread_js.cpp), so the file in the tree and the one served cannot differ.
std::string_view spreadJs();

}  // namespace spread::plugins::websocket
