#pragma once

#include <cstddef>
#include <string_view>

// Character classes and list handling from RFC 9110 section 5, shared by the request
// parser and HttpRequest's header queries. ASCII only: no locale is consulted.
namespace spread::plugins::websocket::http_syntax {

/// A tchar (RFC 9110 5.6.2): the characters of a token, such as a method or field name.
inline bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

inline bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!isTchar(c)) return false;
  }
  return true;
}

/// Optional whitespace (OWS): SP or HTAB.
inline bool isOws(char c) { return c == ' ' || c == '\t'; }

/// A control character other than HTAB, or DEL: never allowed in a field value.
inline bool isForbiddenControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t') || byte == 0x7F;
}

inline std::string_view trimOws(std::string_view text) {
  while (!text.empty() && isOws(text.front())) text.remove_prefix(1);
  while (!text.empty() && isOws(text.back())) text.remove_suffix(1);
  return text;
}

inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

/// Calls `visit(element)` for each element of a comma-separated list, trimmed of OWS;
/// empty elements (RFC 9110 5.6.1 lets a sender write "a, , b") are skipped.
template <typename Visit>
void forEachListElement(std::string_view list, Visit&& visit) {
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view element = trimOws(list.substr(0, comma));
    if (!element.empty()) visit(element);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace spread::plugins::websocket::http_syntax
