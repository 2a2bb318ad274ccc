// Fuzzes csp::config::parse, the whole command line path of config::from: the --csp- flags
// (CLI11), the CSP_* variables and the config file they name. Checks that any input ends in a
// configuration that validates, or in csp::config_error with a message that shows every
// character (no control character, which could cut it short at a NUL); anything else that
// escapes (another exception, a crash, a leak, undefined behaviour) is a bug.
//
// The input is text in three parts, separated by empty lines, so that seeds read as what they
// mean:
//
//   prog                      argv, one argument a line (argv[0] first)
//   --csp-config=a.toml
//                             (empty line)
//   CSP_THREADS=2             variables, NAME=VALUE a line
//                             (empty line)
//   backend = "thread"        the rest: the content of every file parse asks for;
//                             without this part no file exists
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <csp/config.hpp>
#include <csp/errors.hpp>

namespace {

struct fuzz_input {
  std::vector<std::string> argv;
  std::map<std::string, std::string, std::less<>> variables;
  std::optional<std::string> file;
};

// The next line of `rest`, without its '\n'; nullopt at the end of rest.
std::optional<std::string_view> next_line(std::string_view& rest) {
  if (rest.empty()) return std::nullopt;
  const std::size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  return line;
}

fuzz_input split(std::string_view rest) {
  fuzz_input in;
  for (auto line = next_line(rest); line && !line->empty(); line = next_line(rest)) in.argv.emplace_back(*line);
  for (auto line = next_line(rest); line && !line->empty(); line = next_line(rest)) {
    const std::size_t eq = line->find('=');
    in.variables[std::string(line->substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(line->substr(eq + 1));
  }
  if (!rest.empty()) in.file = std::string(rest);
  return in;
}

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "csp_fuzz_flags: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz_input in = split(std::string_view(reinterpret_cast<const char*>(data), size));
  const csp::config::environment env{
      [&](const char* name) -> const char* {
        auto it = in.variables.find(std::string_view(name));
        return it == in.variables.end() ? nullptr : it->second.c_str();
      },
      [&](const std::string&) -> std::string {
        if (!in.file) throw std::runtime_error("No such file or directory");
        return *in.file;
      }};
  std::string help;
  try {
    const csp::config c = csp::config::parse(in.argv, env, &help);
    if (!help.empty()) return 0;
    c.validate();
    if (in.argv.empty() != c.args.empty()) bug("argv[0] was not kept in args");
    if (!in.argv.empty() && c.args.front() != in.argv.front()) bug("args[0] is not argv[0]");
  } catch (const csp::config_error& e) {
    const std::string_view what = e.what();
    if (what.empty()) bug("a config_error without a message");
    for (unsigned char c : what) {
      if (c < 0x20 || c == 0x7f) bug("a control character in a message, which could cut it short");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "csp_fuzz_flags: escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}
