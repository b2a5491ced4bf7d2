// The plugin's single entry point: the loader finds it by name and creates SimTransport.
#include "sim_transport.h"
#include "spread/transport/plugin_api.h"

SPREAD_TRANSPORT_PLUGIN("sim", spread::plugins::sim::SimTransport)
