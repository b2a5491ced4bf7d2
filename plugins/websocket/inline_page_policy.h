#pragma once

#include <string>
#include <string_view>

namespace spread::plugins::websocket {

/// "script-src 'sha256-…'; style-src 'sha256-…'": the CSP directives that let a page built into
/// the binary run its one inline <script> and apply its one inline <style>, and nothing else
/// (an injected script would not match the hash). REQUIRES: `page` has exactly one of each,
/// written as the bare tags "<script>" and "<style>".
std::string inlinePageSources(std::string_view page);

}  // namespace spread::plugins::websocket
