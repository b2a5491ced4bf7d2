#pragma once

#include <memory>
#include <string>
#include <variant>

#include "spread/transport/transport.h"

namespace Poco {
class SharedLibrary;
}

namespace spread::transport {

/// A transport created by a plugin, holding the plugin loaded for as long as it lives.
/// Destroys the transport through the plugin before unloading it.
class LoadedTransport {
 public:
  LoadedTransport(std::unique_ptr<Poco::SharedLibrary> library, Transport* transport,
                  void (*destroy)(Transport*), std::string path);
  ~LoadedTransport();
  LoadedTransport(const LoadedTransport&) = delete;
  LoadedTransport& operator=(const LoadedTransport&) = delete;

  Transport& transport() const { return *transport_; }
  const std::string& path() const { return path_; }

 private:
  std::unique_ptr<Poco::SharedLibrary> library_;
  Transport* transport_;
  void (*destroy_)(Transport*);
  std::string path_;
};

struct PluginError {
  std::string path;
  std::string reason;
  /// "<path>: <reason>"
  std::string message() const { return path + ": " + reason; }
};

using LoadResult = std::variant<std::unique_ptr<LoadedTransport>, PluginError>;

/// Loads transport plugins: shared objects named libspread_transport_<name>.so in one
/// directory, each exporting kTransportPluginSymbol. Errors name the file and the reason:
/// missing, not loadable, not a Spread plugin, or built for another ABI version.
class PluginLoader {
 public:
  explicit PluginLoader(std::string directory) : directory_(std::move(directory)) {}

  std::string pathFor(const std::string& name) const;
  LoadResult load(const std::string& name) const;
  /// Loads the plugin at `path` directly (tests, and names that contain a '/').
  static LoadResult loadFile(const std::string& path);

 private:
  std::string directory_;
};

}  // namespace spread::transport
