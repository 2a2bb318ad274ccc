// Fuzzes csp::config::from_toml, the config file reader (toml++, then csp's checks of every key
// and value). Checks that any text ends in a configuration that validates, or in
// csp::config_error whose message starts with the file's name (every file error names
// file:line:column) or with "default backend" (the fuzz build lacks the fiber backend, csp's
// default, and a file need not name one), and shows every character (a control character could
// cut it short at a NUL). Anything else that escapes (another exception, a crash, a leak,
// undefined behaviour, a hang on deep nesting) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include <csp/config.hpp>
#include <csp/errors.hpp>

namespace {

constexpr std::string_view file_name = "fuzz.toml";

[[noreturn]] void bug(const char* what, const char* detail) {
  std::fprintf(stderr, "csp_fuzz_config_file: %s: %s\n", what, detail);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const csp::config c = csp::config::from_toml(text, file_name);
    c.validate();
    if (c.file != file_name) bug("the file was not recorded", c.file.c_str());
  } catch (const csp::config_error& e) {
    const std::string_view what = e.what();
    if (!what.starts_with(file_name) && !what.starts_with("default backend")) bug("an error that does not name the file", e.what());
    for (unsigned char c : what) {
      if (c < 0x20 || c == 0x7f) bug("a control character in a message, which could cut it short", e.what());
    }
  } catch (const std::exception& e) {
    bug("escaped", e.what());
  }
  return 0;
}
