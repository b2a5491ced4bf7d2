// Proves that spreadd refuses to start when a transport plugin cannot be used, with exit 78
// and an error naming the plugin file and the reason: missing, not a shared object at all, a
// shared object without the entry point, or one built for another ABI version.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SpreaddPluginErrorTest : public SpreaddTest {
 protected:
  // Runs spreadd with transport `name` from `pluginDir` and checks it refuses, naming the
  // plugin's file and `reason`.
  void expectRefused(const std::string& pluginDir, const std::string& name, const std::string& reason) {
    const std::string config =
        writeFile("plugin.properties", "spread.transports = " + name + "\nspread.pluginDir = " + pluginDir + "\n");
    std::string errors;
    std::string output;
    const ExitStatus status = runToExit({"--config", config}, &errors, &output);
    EXPECT_TRUE(status.exitedWith(78)) << status;
    const std::string file = (std::filesystem::path(pluginDir) / ("libspread_transport_" + name + ".so")).string();
    EXPECT_THAT(errors, HasSubstr(file + ": " + reason)) << errors;
    EXPECT_THAT(output, Not(HasSubstr("ready")));
  }
};

TEST_F(SpreaddPluginErrorTest, MissingPlugin) { expectRefused(directory_.string(), "absent", "no such file"); }

TEST_F(SpreaddPluginErrorTest, EmptyFileIsNotAPlugin) {
  writeFile("libspread_transport_empty.so", "");
  expectRefused(directory_.string(), "empty", "cannot be loaded as a shared library");
}

TEST_F(SpreaddPluginErrorTest, TextFileIsNotAPlugin) {
  writeFile("libspread_transport_text.so", "this is not an ELF file\n");
  expectRefused(directory_.string(), "text", "cannot be loaded as a shared library");
}

TEST_F(SpreaddPluginErrorTest, SharedObjectWithoutEntryPoint) {
  expectRefused(SPREAD_BROKEN_PLUGIN_DIR, "noentry",
                "is not a Spread transport plugin (no 'spread_transport_plugin' symbol)");
}

TEST_F(SpreaddPluginErrorTest, PluginBuiltForAnotherAbiVersion) {
  expectRefused(SPREAD_BROKEN_PLUGIN_DIR, "wrongabi", "was built for transport ABI version 999");
}

}  // namespace
}  // namespace spread::testing
