#pragma once

#include <string>
#include <string_view>

namespace spread::plugins::websocket {

/// "script-src 'sha256-…'; style-src 'sha256-…'": the CSP directives that let a page built into
/// the binary run its one inline <script> and apply its one inline <style>, and nothing else
/// (an injected script would not match the hash). `moreScriptSources` join the script's
/// (the chat page's "'self'", for the /spread.js it imports). REQUIRES: `page` has exactly
/// one of each; the <script> tag may carry attributes (type="module"), the <style> none.
std::string inlinePageSources(std::string_view page, std::string_view moreScriptSources = {});

}  // namespace spread::plugins::websocket
