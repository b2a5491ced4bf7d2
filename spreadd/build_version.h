#pragma once

#include <string_view>

namespace spread::daemon {

/// What `spreadd --version` prints after "spreadd ": the project version and the git commit
/// the program was built from, "0.1.0 (1a2b3c4)", with "-dirty" after the hash when tracked
/// files had uncommitted changes, and "unknown" for a build outside a git checkout.
/// Written at every build by cmake/write_build_version.cmake.
std::string_view buildVersion();

}  // namespace spread::daemon
