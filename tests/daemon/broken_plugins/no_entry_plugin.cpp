// A real shared object that exports a function, but not the plugin entry point.
extern "C" __attribute__((visibility("default"))) int spread_transport_plugin_misspelt() { return 0; }
