#pragma once

#include <string>
#include <string_view>

namespace spread::plugins::websocket {

/// The status page served at GET /status (a private path, as /metrics): one self-contained
/// HTML document (CSS and JS inline, nothing loaded from elsewhere) that polls status.json,
/// relative to itself, every second, keeps the last 300 snapshots and plots connections,
/// published/s and delivered/s, drops and refusals per second by reason, latency p50/p99 and
/// a histogram on <canvas>, and a table of the busiest topics. Topic names are inserted with
/// textContent only. For browser tests: body[data-samples] counts the snapshots drawn,
/// body[data-published-per-second] is the latest rate, #published-rate shows it.
std::string_view statusPage();

/// The Content-Security-Policy sent with the page: its own inline script and style (by their
/// SHA-256 hashes), fetches only from this server, no framing.
const std::string& statusPageSecurityPolicy();

}  // namespace spread::plugins::websocket
