#pragma once

#include <string>

namespace spread::daemon {

/// Sends every Poco logger's output, existing and future, through one channel: the console
/// (standard error) when `file` is empty, otherwise that file (appended to). Lines are
/// formatted with Poco's PatternFormatter `pattern`; `priority` is the least important
/// Poco::Message::Priority logged, 0 for nothing at all.
/// Throws Poco::Exception if the file cannot be opened.
void configureLogging(int priority, const std::string& pattern, const std::string& file);

/// Sets every logger's least important priority to `priority` (a reload of logging.level).
void setLogPriority(int priority);

}  // namespace spread::daemon
