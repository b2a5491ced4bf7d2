// Proves the plugin loader against real built modules: it loads a working plugin and
// creates its transport, and refuses a missing file, a file that is not a shared object,
// a shared object without the entry point, and a plugin built for another ABI version,
// each time naming the file and the reason.
#include "spread/transport/plugin_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "spread/transport/plugin_api.h"

namespace spread::transport {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string reasonOf(const LoadResult& result) {
  const auto* error = std::get_if<PluginError>(&result);
  return error == nullptr ? std::string("(loaded)") : error->message();
}

class PluginLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "plugin-loader-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / name) << text;
    return (directory_ / name).string();
  }

  std::filesystem::path directory_;
};

TEST_F(PluginLoaderTest, LoadsAPluginByNameAndCreatesItsTransport) {
  PluginLoader loader(std::filesystem::path(SPREAD_FAKE_PLUGIN_PATH).parent_path().string());
  EXPECT_EQ(loader.pathFor("fake"), SPREAD_FAKE_PLUGIN_PATH);
  auto result = loader.load("fake");
  auto* loaded = std::get_if<std::unique_ptr<LoadedTransport>>(&result);
  ASSERT_NE(loaded, nullptr) << reasonOf(result);
  EXPECT_EQ((*loaded)->transport().name(), "fake");
  EXPECT_EQ((*loaded)->path(), SPREAD_FAKE_PLUGIN_PATH);
}

TEST_F(PluginLoaderTest, RefusesAMissingFile) {
  const std::string path = (directory_ / "libspread_transport_absent.so").string();
  EXPECT_EQ(reasonOf(PluginLoader::loadFile(path)), path + ": no such file");
}

TEST_F(PluginLoaderTest, RefusesFilesThatAreNotSharedObjects) {
  for (const std::string text : {"", "plain text, not ELF\n"}) {
    const std::string path = write("libspread_transport_text.so", text);
    EXPECT_THAT(reasonOf(PluginLoader::loadFile(path)), StartsWith(path + ": cannot be loaded as a shared library"));
  }
}

TEST_F(PluginLoaderTest, RefusesASharedObjectWithoutTheEntryPoint) {
  EXPECT_EQ(reasonOf(PluginLoader::loadFile(SPREAD_NO_ENTRY_PLUGIN_PATH)),
            std::string(SPREAD_NO_ENTRY_PLUGIN_PATH) +
                ": is not a Spread transport plugin (no 'spread_transport_plugin' symbol)");
}

TEST_F(PluginLoaderTest, RefusesAPluginBuiltForAnotherAbiVersion) {
  EXPECT_THAT(reasonOf(PluginLoader::loadFile(SPREAD_WRONG_ABI_PLUGIN_PATH)),
              HasSubstr(": was built for transport ABI version 999, this spreadd needs version " +
                        std::to_string(kTransportAbiVersion)));
}

}  // namespace
}  // namespace spread::transport
