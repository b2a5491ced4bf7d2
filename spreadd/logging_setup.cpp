#include "logging_setup.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

namespace spread::daemon {

void configureLogging(int priority, const std::string& pattern, const std::string& file) {
  Poco::AutoPtr<Poco::Channel> sink;
  if (file.empty()) {
    sink = new Poco::ConsoleChannel;
  } else {
    Poco::AutoPtr<Poco::FileChannel> fileChannel(new Poco::FileChannel(file));
    // FileChannel opens lazily; opening now turns a bad path into a startup error.
    fileChannel->open();
    sink = fileChannel;
  }
  Poco::AutoPtr<Poco::PatternFormatter> formatter(new Poco::PatternFormatter(pattern));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, sink));
  // Loggers created later copy their parent's settings, ultimately the root's; the empty
  // name then selects every logger created so far.
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(priority);
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", priority);
}

void setLogPriority(int priority) {
  Poco::Logger::root().setLevel(priority);
  Poco::Logger::setLevel("", priority);
}

}  // namespace spread::daemon
