// The examples' own flags, among the arguments csp::config leaves to the program (cfg.args,
// after argv[0]):
// `--name=N` for a number, `--name=TEXT` for a text, `--name` for a switch. Each program names
// the flags it takes; any other argument is an error that names it and lists them.
//
//   const example::flags flags(cfg, {"n", "file", "quiet"});
//   int n = flags.integer("n", 100);                    // --n=500 gives 500; no --n keeps 100
//   std::string file = flags.text("file", "words.txt");
//   bool quiet = flags.set("quiet");                    // --quiet
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <csp/config.hpp>

namespace example {

class flags {
 public:
  /// Takes the flags `known` from cfg.args. Throws std::invalid_argument naming the first
  /// argument that is not one of them.
  flags(const csp::config& cfg, std::initializer_list<std::string_view> known)
      : args_(cfg.args), known_(known.begin(), known.end()) {
    for (std::size_t i = 1; i < args_.size(); ++i) {  // args_[0] is the program
      const std::string& arg = args_[i];
      const bool ok = std::ranges::any_of(known_, [&](const std::string& name) {
        return arg == "--" + name || arg.starts_with("--" + name + "=");
      });
      if (!ok) throw std::invalid_argument("unknown argument '" + arg + "'; " + usage());
    }
  }

  /// The value of the last `--name=N`, or `fallback` when there is none. Throws
  /// std::invalid_argument naming the flag when N is not a whole number that fits in T.
  template <std::integral T>
  T integer(std::string_view name, T fallback) const {
    T value = fallback;
    for (const std::string& arg : values_of(name)) {
      const char* first = arg.data() + name.size() + 3;
      const char* last = arg.data() + arg.size();
      const auto [end, ec] = std::from_chars(first, last, value);
      if (first == last || ec != std::errc() || end != last) {
        throw std::invalid_argument(arg + ": not a whole number in range");
      }
    }
    return value;
  }

  /// The text after `--name=` in the last such argument, or `fallback` when there is none.
  std::string text(std::string_view name, std::string fallback) const {
    const std::vector<std::string> given = values_of(name);
    return given.empty() ? fallback : given.back().substr(name.size() + 3);
  }

  /// Whether the switch `--name` is given.
  bool set(std::string_view name) const {
    check_known(name);
    return std::ranges::find(args_, "--" + std::string(name)) != args_.end();
  }

 private:
  /// Every `--name=...` argument, in order.
  std::vector<std::string> values_of(std::string_view name) const {
    check_known(name);
    const std::string prefix = "--" + std::string(name) + "=";
    std::vector<std::string> given;
    for (const std::string& arg : args_) {
      if (arg.starts_with(prefix)) given.push_back(arg);
    }
    return given;
  }

  void check_known(std::string_view name) const {
    if (std::ranges::find(known_, name) == known_.end()) {
      throw std::logic_error("example::flags: '--" + std::string(name) + "' is read but not declared");
    }
  }

  std::string usage() const {
    std::string text = "this program takes";
    for (const std::string& name : known_) text += " --" + name;
    return text + " and the --csp-... options (--csp-help lists them)";
  }

  std::vector<std::string> args_;
  std::vector<std::string> known_;
};

}  // namespace example
