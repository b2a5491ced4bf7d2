#include "spread/plugins/sim/sim_control.h"

namespace spread::plugins::sim {

// The out-of-line destructors are the key functions: they pin each class's vtable and
// type_info in this one shared library, so the harness and the plugin agree on them.
SimObserver::~SimObserver() = default;
SimControl::~SimControl() = default;

}  // namespace spread::plugins::sim
