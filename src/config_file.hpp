// What config.cpp (the sources in order, the flags, the checks) and config_file.cpp (the TOML
// file, read with toml++) share: the limits and how messages word them, the settings read so
// far, and the one way an error is made. Internal to the library; not installed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <csp/config.hpp>
#include <csp/errors.hpp>

namespace csp::detail {

inline constexpr int max_threads = 1024;
inline constexpr int max_streams = 64;

inline constexpr std::string_view accepted_threads = "an integer from 1 to 1024";
inline constexpr std::string_view accepted_batch = "an integer of at least 1";
inline constexpr std::string_view accepted_streams = "an integer from 1 to 64";
inline constexpr int max_failure_timeout_ms = 86'400'000;  // a day
inline constexpr std::string_view accepted_failure_timeout = "an integer from 100 to 86400000 (milliseconds)";
inline constexpr std::string_view accepted_graph =
    "a file name ending in .dot or .gv (Graphviz DOT), .mmd or .mermaid (Mermaid), or .svg, .png or .pdf (drawn by "
    "Graphviz)";
inline constexpr std::string_view accepted_trace = "a file name ending in .json (Chrome/Perfetto trace)";
inline constexpr std::size_t min_trace_limit = 100;
inline constexpr std::size_t max_trace_limit = 100'000'000;
inline constexpr std::string_view accepted_trace_limit = "an integer from 100 to 100000000 (records per thread)";
inline constexpr std::string_view accepted_switch = "1, true, yes or on; 0, false, no or off";
inline constexpr std::string_view accepted_ranks =
    "a rank (an integer from 0 to 2147483647) or a non-empty array of ranks";

// A setting given as text by a variable or a flag, and who gave it; empty: not given.
struct text_setting {
  std::string value;
  std::string from;
};

// Every source read so far: the file's values are in cfg, checked; see the top of config.cpp
// for backend_from and threads.
struct pending {
  config cfg;
  std::string backend_from = "default backend";
  text_setting threads{};
  text_setting graph{};  // a variable's or a flag's; the file's is checked where it is read
  text_setting stats{};  // the variable's (the flag takes no value)
  text_setting progress{};  // likewise
  text_setting trace{};        // a variable's or a flag's, like graph
  text_setting trace_limit{};  // a variable's or a flag's
};

/// Whether `file` names a trace file (.json).
bool is_trace_file(std::string_view file);

// Defined in config.cpp.
//
// The error for `message`, with control characters shown as \xNN: messages quote text from
// outside (flags, variables, file names and contents), and a NUL in one would cut what() short.
config_error bad_config(std::string_view message);
// "a, b, c".
std::string join(const std::vector<std::string_view>& v);

// Defined in config_file.cpp.
//
// Reads `text`, the TOML config file named `file` (only named in messages), into p: p.cfg.file
// and every key it sets, each checked, and p.backend_from when it names the backend. Throws
// config_error naming file:line:column for a syntax error, an unknown key or a bad value.
void read_toml(std::string_view text, std::string_view file, pending& p);
// The whole content of the file at `path`, for config::environment::real(); throws
// std::exception saying why it cannot (a file over 1 MiB is refused).
std::string read_whole_file(const std::string& path);
// A key as TOML writes it, so that a message names it as the file does: bare, or quoted.
std::string toml_key(std::string_view k);

}  // namespace csp::detail
