// A plugin built as if against a future transport ABI: the loader must refuse it after
// reading only the version, without calling create.
#include "spread/transport/plugin_api.h"

extern "C" __attribute__((visibility("default"))) const spread::transport::TransportPlugin* spread_transport_plugin() {
  static const spread::transport::TransportPlugin plugin{999, "wrongabi", nullptr, nullptr};
  return &plugin;
}
