// The examples' own flags: `--name=N`, among the arguments csp::config leaves to the program
// (cfg.args).
//
//   int n = 100;
//   n = example::int_flag(cfg, "n", n);   // --n=500 gives 500; no --n keeps 100
#pragma once

#include <charconv>
#include <concepts>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <csp/config.hpp>

namespace example {

/// The value of the last `--name=N` among cfg.args, or `fallback` when there is none. Throws
/// std::invalid_argument naming the flag when N is not a whole number that fits in T.
template <std::integral T>
T int_flag(const csp::config& cfg, std::string_view name, T fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  T value = fallback;
  for (const std::string& arg : cfg.args) {
    if (!arg.starts_with(prefix)) continue;
    const char* first = arg.data() + prefix.size();
    const char* last = arg.data() + arg.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (first == last || ec != std::errc() || end != last) {
      throw std::invalid_argument(arg + ": not a whole number in range");
    }
  }
  return value;
}

}  // namespace example
