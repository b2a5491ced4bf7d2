#include "spread/transport/plugin_loader.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>

#include "spread/transport/plugin_api.h"

namespace spread::transport {

LoadedTransport::LoadedTransport(std::unique_ptr<Poco::SharedLibrary> library, Transport* transport,
                                 void (*destroy)(Transport*), std::string path)
    : library_(std::move(library)), transport_(transport), destroy_(destroy), path_(std::move(path)) {}

LoadedTransport::~LoadedTransport() {
  destroy_(transport_);
  // The library stays mapped: Poco's SharedLibrary unmaps only on an explicit unload(),
  // never on destruction, and this never calls it. A plugin's threads or static
  // destructors may still be winding down, and unmapping code under them would crash.
}

std::string PluginLoader::pathFor(const std::string& name) const {
  if (name.find('/') != std::string::npos) return name;
  Poco::Path path(directory_);
  path.makeDirectory();
  path.setFileName("libspread_transport_" + name + ".so");
  return path.toString();
}

LoadResult PluginLoader::load(const std::string& name) const { return loadFile(pathFor(name)); }

LoadResult PluginLoader::loadFile(const std::string& path) {
  try {
    if (!Poco::File(path).exists()) return PluginError{path, "no such file"};
  } catch (const Poco::Exception& error) {
    return PluginError{path, error.displayText()};
  }
  auto library = std::make_unique<Poco::SharedLibrary>();
  try {
    library->load(path);
  } catch (const Poco::Exception& error) {
    return PluginError{path, "cannot be loaded as a shared library: " + error.displayText()};
  }
  if (!library->hasSymbol(kTransportPluginSymbol)) {
    return PluginError{path, std::string("is not a Spread transport plugin (no '") +
                                 kTransportPluginSymbol + "' symbol)"};
  }
  using Entry = const TransportPlugin* (*)();
  auto entry = reinterpret_cast<Entry>(library->getSymbol(kTransportPluginSymbol));
  const TransportPlugin* plugin = entry();
  if (plugin == nullptr) return PluginError{path, "its entry point returned nothing"};
  if (plugin->abiVersion != kTransportAbiVersion) {
    return PluginError{path, "was built for transport ABI version " + std::to_string(plugin->abiVersion) +
                                 ", this spreadd needs version " + std::to_string(kTransportAbiVersion)};
  }
  if (plugin->create == nullptr || plugin->destroy == nullptr) {
    return PluginError{path, "its entry point lacks a create or destroy function"};
  }
  Transport* transport = nullptr;
  try {
    transport = plugin->create();
  } catch (...) {
    return PluginError{path, "its create function threw"};
  }
  if (transport == nullptr) return PluginError{path, "its create function returned nothing"};
  return std::make_unique<LoadedTransport>(std::move(library), transport, plugin->destroy, path);
}

}  // namespace spread::transport
