#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spread::daemon {

/// One `key = value` line of a properties file, and where it was written.
struct PropertyEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line the entry starts on
};

/// A properties file parsed exactly as Poco's PropertyFileConfiguration parses it, but
/// keeping the line of every key so errors can point at it. Poco's syntax: leading blanks
/// are skipped; a line starting with # or ! is a comment; the key runs to the first '=' or
/// ':' (a line with neither is a key with an empty value); the value may use the escapes
/// \t \r \n \f, and a backslash at the end of a line continues the value on the next one.
/// Key and value are trimmed.
class PropertyFile {
 public:
  /// Parses `text`; `source` names it in messages (a path, or "built-in defaults").
  static PropertyFile parse(std::string_view text, std::string source);

  /// Reads and parses the file at `path`. Throws Poco::FileException if it can't be read.
  static PropertyFile load(const std::string& path);

  const std::string& source() const { return source_; }

  /// Entries in file order. A key written twice appears twice; as in Poco, the later
  /// one is the key's value.
  const std::vector<PropertyEntry>& entries() const { return entries_; }

  /// The entry that gives `key` its value (the last one), if the file sets it.
  const PropertyEntry* find(std::string_view key) const;

 private:
  std::string source_;
  std::vector<PropertyEntry> entries_;
};

}  // namespace spread::daemon
