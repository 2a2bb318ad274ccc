// config: defaults < config file (TOML: config_file.cpp reads it) < environment (CSP_*) < command
// line (--csp-*, read with CLI11). config::parse is the whole of it, with the outside world passed
// in, so that the tests and the fuzzers (fuzz/flags.cpp, fuzz/config_file.cpp) run exactly
// what from() runs.
//
// Every value is checked where it is read, except two: the backend, and a thread count given
// as text by a variable or a flag. A later source may replace either, so a bad one that is
// replaced is no error; they are checked once every source has spoken, and the error names
// the source that set them (pending::backend_from, text_setting::from).
#include <csp/config.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "config_file.hpp"

#include <csp/detail/picture.hpp>

namespace csp::detail {

config_error bad_config(std::string_view message) {
  std::string s;
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      s += fmt::format("\\x{:02X}", static_cast<unsigned>(c));
    } else {
      s += static_cast<char>(c);
    }
  }
  return config_error(s);
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

bool is_trace_file(std::string_view file) { return file.size() > 5 && file.ends_with(".json"); }

}  // namespace csp::detail

namespace csp {
using namespace detail;  // config_file.hpp

namespace {

constexpr std::string_view accepted_flags =
    "--csp-backend=NAME, --csp-threads=N, --csp-graph=FILE, --csp-trace=FILE, --csp-trace-limit=N, --csp-stats, "
    "--csp-progress, --csp-config=FILE, --csp-help";

struct backend_info {
  std::string_view name;
  bool built;
  std::string_view how_to_build;
};

const std::vector<backend_info>& backend_table() {
  static const std::vector<backend_info> table{
      {"fiber", CSP_HAVE_FIBER != 0,
       "install Boost.Fiber (apt-get install libboost-fiber-dev) and reconfigure with "
       "-DCSP_BACKEND_FIBER=ON"},
      {"thread", true, ""},
      {"tbb", CSP_HAVE_TBB != 0,
       "install oneTBB (apt-get install libtbb-dev) and reconfigure with -DCSP_BACKEND_TBB=ON"},
      {"mpi", CSP_HAVE_MPI != 0,
       "install Open MPI (apt-get install openmpi-bin libopenmpi-dev) and reconfigure with -DCSP_BACKEND_MPI=ON"},
      {"cuda", CSP_HAVE_CUDA != 0,
       "install the CUDA toolkit (nvcc in /usr/local/cuda/bin or on PATH) and reconfigure with "
       "-DCSP_BACKEND_CUDA=ON"},
  };
  return table;
}

void check_backend(std::string_view backend) {
  const auto& table = backend_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const backend_info& b) { return b.name == backend; });
  if (it == table.end()) {
    throw bad_config(fmt::format("unknown backend '{}'; accepted: {} (built here: {})", backend,
                                 join(config::known_backends()), join(config::built_backends())));
  }
  if (!it->built) {
    throw bad_config(fmt::format("backend '{}' is not built into this copy of csp: {}; built here: {}",
                                 backend, it->how_to_build, join(config::built_backends())));
  }
}

int parse_threads(std::string_view text, std::string_view source) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > max_threads) {
    throw bad_config(fmt::format("{}: '{}' is not a thread count; accepted: {}", source, text, accepted_threads));
  }
  return n;
}

// The table --csp-help prints; the defaults are those of config{} itself.
std::string help_text() {
  const config d;
  const std::array<std::array<std::string, 5>, 17> rows{{
      {"flag", "variable", "config file key", "default", "what"},
      {"--csp-backend=NAME", "CSP_BACKEND", "backend", d.backend,
       fmt::format("where processes run: {} (known: {})", join(config::built_backends()),
                   join(config::known_backends()))},
      {"--csp-threads=N", "CSP_THREADS", "threads", fmt::to_string(d.threads),
       fmt::format("worker threads of the fiber, tbb and cuda backends, 1 to {}", max_threads)},
      {"--csp-graph=FILE", "CSP_GRAPH", "graph", "(none)",
       "draw the network into FILE as it starts, and with message counts as it ends:"},
      {"", "", "", "", "  .dot or .gv, .mmd or .mermaid, .svg, .png or .pdf (drawn by Graphviz)"},
      {"--csp-trace=FILE", "CSP_TRACE", "trace", "(none)",
       "write a Chrome/Perfetto trace of the run into FILE (.json): a track per process"},
      {"--csp-trace-limit=N", "CSP_TRACE_LIMIT", "trace_limit", fmt::to_string(d.trace_limit),
       "records a trace keeps per thread (the last ones), 100 to 100000000"},
      {"--csp-stats", "CSP_STATS", "stats", d.stats ? "true" : "false",
       "print a table of channels and processes (messages, waits, running time) at the end"},
      {"--csp-progress", "CSP_PROGRESS", "progress", d.progress ? "true" : "false",
       "keep a live status line on stderr while the run goes on (only on a terminal)"},
      {"--csp-config=FILE", "CSP_CONFIG", "", "(none)", "the TOML file of the keys below"},
      {"", "", "mpi.placement.\"PATTERN\"", "(none)",
       "rank, or array of ranks, of the processes whose name matches PATTERN (* and ?)"},
      {"", "", "", "", "  (in file order; unplaced processes go round-robin)"},
      {"", "", "mpi.failure_timeout_ms", fmt::to_string(d.mpi.failure_timeout_ms),
       "silence (ms) after which a rank counts as lost, 100 to 86400000"},
      {"", "", "cuda.require_device", d.cuda.require_device ? "true" : "false",
       "without a GPU: fail (true), or run the stages on the host (false)"},
      {"", "", "cuda.batch", fmt::to_string(d.cuda.batch), "most values a stage sends to the GPU at once, at least 1"},
      {"", "", "cuda.streams", fmt::to_string(d.cuda.streams),
       fmt::format("CUDA streams (batches in flight), 1 to {}", max_streams)},
      {"--csp-help", "", "", "", "print this table and exit"},
  }};
  std::array<std::size_t, 4> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out =
      "csp options: flags override variables, which override the config file, which overrides the "
      "defaults\n";
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < width.size(); ++i) line += fmt::format("{:<{}}  ", row[i], width[i]);
    line += row[4];
    out += line + '\n';
  }
  return out;
}

void check_graph(std::string_view file, std::string_view source) {
  if (picture_format(std::string(file)).empty()) {
    throw bad_config(fmt::format("{}: '{}' is not a picture file; accepted: {}", source, file, accepted_graph));
  }
}

void check_trace(std::string_view file, std::string_view source) {
  if (!is_trace_file(file)) {
    throw bad_config(fmt::format("{}: '{}' is not a trace file; accepted: {}", source, file, accepted_trace));
  }
}

std::size_t parse_trace_limit(std::string_view text, std::string_view source) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < min_trace_limit || n > max_trace_limit) {
    throw bad_config(fmt::format("{}: '{}' is not a trace limit; accepted: {}", source, text, accepted_trace_limit));
  }
  return n;
}

bool parse_switch(std::string_view text, std::string_view source) {
  for (std::string_view yes : {"1", "true", "yes", "on"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"0", "false", "no", "off"}) {
    if (text == no) return false;
  }
  throw bad_config(fmt::format("{}: '{}' is not a switch; accepted: {}", source, text, accepted_switch));
}

config resolve(pending p) {
  if (!p.threads.value.empty()) p.cfg.threads = parse_threads(p.threads.value, p.threads.from);
  if (!p.stats.value.empty()) p.cfg.stats = parse_switch(p.stats.value, p.stats.from);
  if (!p.progress.value.empty()) p.cfg.progress = parse_switch(p.progress.value, p.progress.from);
  if (!p.graph.value.empty()) {
    check_graph(p.graph.value, p.graph.from);
    p.cfg.graph = std::move(p.graph.value);
  }
  if (!p.trace.value.empty()) {
    check_trace(p.trace.value, p.trace.from);
    p.cfg.trace = std::move(p.trace.value);
  }
  if (!p.trace_limit.value.empty()) p.cfg.trace_limit = parse_trace_limit(p.trace_limit.value, p.trace_limit.from);
  try {
    check_backend(p.cfg.backend);
  } catch (const config_error& e) {
    throw bad_config(p.backend_from + ": " + e.what());
  }
  return std::move(p.cfg);
}

}  // namespace

const std::vector<std::string_view>& config::known_backends() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& b : backend_table()) v.push_back(b.name);
    return v;
  }();
  return names;
}

const std::vector<std::string_view>& config::built_backends() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& b : backend_table()) {
      if (b.built) v.push_back(b.name);
    }
    return v;
  }();
  return names;
}

void config::validate() const {
  check_backend(backend);
  if (!graph.empty()) check_graph(graph, "graph");
  if (!trace.empty()) check_trace(trace, "trace");
  if (trace_limit < min_trace_limit || trace_limit > max_trace_limit) {
    throw bad_config(fmt::format("trace_limit = {} is out of range; accepted: {}", trace_limit, accepted_trace_limit));
  }
  if (threads < 1 || threads > max_threads) {
    throw bad_config(fmt::format("threads = {} is out of range; accepted: {}", threads, accepted_threads));
  }
  if (cuda.batch < 1) {
    throw bad_config(fmt::format("cuda.batch = {} is out of range; accepted: {}", cuda.batch, accepted_batch));
  }
  if (cuda.streams < 1 || cuda.streams > max_streams) {
    throw bad_config(fmt::format("cuda.streams = {} is out of range; accepted: {}", cuda.streams, accepted_streams));
  }
  if (mpi.failure_timeout_ms < 100 || mpi.failure_timeout_ms > max_failure_timeout_ms) {
    throw bad_config(fmt::format("mpi.failure_timeout_ms = {} is out of range; accepted: {}", mpi.failure_timeout_ms,
                                 accepted_failure_timeout));
  }
  for (const placement_rule& rule : mpi.placement) {
    const bool negative = std::any_of(rule.ranks.begin(), rule.ranks.end(), [](int r) { return r < 0; });
    if (rule.ranks.empty() || negative) {
      throw bad_config(fmt::format("mpi.placement.{} = [{}] is not accepted; accepted: {}", toml_key(rule.pattern),
                                   fmt::join(rule.ranks, ", "), accepted_ranks));
    }
  }
}

config::environment config::environment::real() {
  return {[](const char* name) -> const char* { return std::getenv(name); }, read_whole_file};
}

config config::parse(std::span<const std::string> argv, const environment& env, std::string* help_out) {
  std::string backend_flag, threads_flag, graph_flag, trace_flag, trace_limit_flag, config_flag;
  bool help = false, stats_flag = false, progress_flag = false;
  CLI::App app("csp");
  app.allow_extras();
  app.set_help_flag();
  app.add_option("--csp-backend", backend_flag);
  app.add_option("--csp-threads", threads_flag);
  app.add_option("--csp-graph", graph_flag);
  app.add_option("--csp-trace", trace_flag);
  app.add_option("--csp-trace-limit", trace_limit_flag);
  app.add_flag("--csp-stats", stats_flag);
  app.add_flag("--csp-progress", progress_flag);
  app.add_option("--csp-config", config_flag);
  app.add_flag("--csp-help", help);
  std::vector<std::string> reversed;  // CLI11 parses a reversed vector, without argv[0]
  if (!argv.empty()) reversed.assign(argv.rbegin(), argv.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw bad_config(fmt::format("command line: {}; accepted flags: {}", e.what(), accepted_flags));
  }
  std::vector<std::string> args = app.remaining();
  if (!argv.empty()) args.insert(args.begin(), argv.front());
  if (help) {
    if (help_out != nullptr) *help_out = help_text();
    return config{.args = std::move(args)};
  }
  for (const std::string& a : app.remaining()) {
    if (a.starts_with("--csp-")) throw bad_config(fmt::format("unknown flag '{}'; accepted: {}", a, accepted_flags));
  }

  auto variable = [&](const char* name) -> std::string {
    const char* v = env.variable ? env.variable(name) : nullptr;
    return v != nullptr ? v : "";
  };
  pending p;
  std::string file = config_flag, file_from = "--csp-config";
  if (file.empty()) {
    file = variable("CSP_CONFIG");
    file_from = "environment variable CSP_CONFIG";
  }
  if (!file.empty()) {
    std::string text;
    try {
      if (!env.file) throw std::runtime_error("no file can be read here");
      text = env.file(file);
    } catch (const std::exception& e) {
      throw bad_config(fmt::format("cannot read the config file '{}' named by {}: {}", file, file_from, e.what()));
    }
    read_toml(text, file, p);
  }
  if (std::string b = variable("CSP_BACKEND"); !b.empty()) {
    p.cfg.backend = std::move(b);
    p.backend_from = "environment variable CSP_BACKEND";
  }
  if (std::string t = variable("CSP_THREADS"); !t.empty()) p.threads = {std::move(t), "environment variable CSP_THREADS"};
  if (!backend_flag.empty()) {
    p.cfg.backend = backend_flag;
    p.backend_from = "--csp-backend";
  }
  if (!threads_flag.empty()) p.threads = {threads_flag, "--csp-threads"};
  if (std::string g = variable("CSP_GRAPH"); !g.empty()) p.graph = {std::move(g), "environment variable CSP_GRAPH"};
  if (!graph_flag.empty()) p.graph = {graph_flag, "--csp-graph"};
  if (std::string t = variable("CSP_TRACE"); !t.empty()) p.trace = {std::move(t), "environment variable CSP_TRACE"};
  if (!trace_flag.empty()) p.trace = {trace_flag, "--csp-trace"};
  if (std::string t = variable("CSP_TRACE_LIMIT"); !t.empty()) {
    p.trace_limit = {std::move(t), "environment variable CSP_TRACE_LIMIT"};
  }
  if (!trace_limit_flag.empty()) p.trace_limit = {trace_limit_flag, "--csp-trace-limit"};
  if (std::string v = variable("CSP_STATS"); !v.empty()) p.stats = {std::move(v), "environment variable CSP_STATS"};
  if (stats_flag) p.stats = {"true", "--csp-stats"};
  if (std::string v = variable("CSP_PROGRESS"); !v.empty()) p.progress = {std::move(v), "environment variable CSP_PROGRESS"};
  if (progress_flag) p.progress = {"true", "--csp-progress"};
  config c = resolve(std::move(p));
  c.args = std::move(args);
  return c;
}

config config::from_toml(std::string_view text, std::string_view file_name) {
  pending p;
  read_toml(text, file_name, p);
  return resolve(std::move(p));
}

config config::from(int argc, const char* const* argv) {
  const std::vector<std::string> all(argv, argv + std::max(argc, 0));
  std::string help;
  config c = parse(all, environment::real(), &help);
  if (!help.empty()) {
    std::cout << help;
    std::exit(0);
  }
  return c;
}

config config::from_env() { return parse({}, environment::real(), nullptr); }

}  // namespace csp
