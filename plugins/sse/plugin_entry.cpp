// The plugin's only exported symbol: how spreadd's PluginLoader creates the transport.
#include "spread/transport/plugin_api.h"
#include "sse_transport.h"

SPREAD_TRANSPORT_PLUGIN("sse", spread::plugins::sse::SseTransport)
