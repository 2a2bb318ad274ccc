// config: defaults < environment (CSP_*) < command line (--csp-*), parsed with CLI11.
#include <csp/config.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include <csp/errors.hpp>

namespace csp {
namespace {

constexpr int max_threads = 1024;

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
      {"tbb", false, "the tbb backend is not part of this version of csp yet"},
      {"mpi", false, "the mpi backend is not part of this version of csp yet"},
      {"cuda", false, "the cuda backend is not part of this version of csp yet"},
  };
  return table;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

int parse_threads(std::string_view text, std::string_view source) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > max_threads) {
    throw config_error(fmt::format("{}: '{}' is not a thread count; accepted: an integer from 1 to {}",
                                   source, text, max_threads));
  }
  return n;
}

constexpr const char* help_text =
    "csp options (flag / environment variable, default):\n"
    "  --csp-backend=NAME  CSP_BACKEND  fiber    where processes run: {}\n"
    "  --csp-threads=N     CSP_THREADS  1        worker threads of the fiber backend (1-{})\n"
    "  --csp-help                                print this and exit\n"
    "Flags override environment variables, which override the defaults.\n";

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
  const auto& table = backend_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const backend_info& b) { return b.name == backend; });
  if (it == table.end()) {
    throw config_error(fmt::format("unknown backend '{}'; accepted: {} (built here: {})", backend,
                                   join(known_backends()), join(built_backends())));
  }
  if (!it->built) {
    throw config_error(fmt::format("backend '{}' is not built into this copy of csp: {}; built here: {}",
                                   backend, it->how_to_build, join(built_backends())));
  }
  if (threads < 1 || threads > max_threads) {
    throw config_error(fmt::format("threads = {} is out of range; accepted: 1 to {}", threads, max_threads));
  }
}

namespace {

// Settings as text, with where each came from, so that a later source can override a bad
// value of an earlier one, and an error names the source that stuck.
struct sources {
  std::string backend = "fiber", backend_from = "default backend";
  std::string threads, threads_from;
};

sources from_environment() {
  sources s;
  if (const char* b = std::getenv("CSP_BACKEND"); b != nullptr && *b != '\0') {
    s.backend = b;
    s.backend_from = "environment variable CSP_BACKEND";
  }
  if (const char* t = std::getenv("CSP_THREADS"); t != nullptr && *t != '\0') {
    s.threads = t;
    s.threads_from = "environment variable CSP_THREADS";
  }
  return s;
}

config resolve(const sources& s) {
  config c;
  c.backend = s.backend;
  if (!s.threads.empty()) c.threads = parse_threads(s.threads, s.threads_from);
  try {
    c.validate();
  } catch (const config_error& e) {
    throw config_error(s.backend_from + ": " + e.what());
  }
  return c;
}

}  // namespace

config config::from_env() { return resolve(from_environment()); }

config config::from(int argc, const char* const* argv) {
  sources s = from_environment();
  std::string backend_flag, threads_flag;
  bool help = false;
  CLI::App app("csp");
  app.allow_extras();
  app.set_help_flag();
  app.add_option("--csp-backend", backend_flag);
  app.add_option("--csp-threads", threads_flag);
  app.add_flag("--csp-help", help);
  std::vector<std::string> argv_rest;
  for (int i = 1; i < argc; ++i) argv_rest.emplace_back(argv[i]);
  std::reverse(argv_rest.begin(), argv_rest.end());  // CLI11 parses a reversed vector
  try {
    app.parse(argv_rest);
  } catch (const CLI::ParseError& e) {
    throw config_error(fmt::format("command line: {}; accepted flags: --csp-backend=NAME, --csp-threads=N, --csp-help", e.what()));
  }
  if (help) {
    std::cout << fmt::format(fmt::runtime(help_text), join(built_backends()), max_threads);
    std::exit(0);
  }
  for (const std::string& a : app.remaining()) {
    if (a.rfind("--csp-", 0) == 0) {
      throw config_error(fmt::format("unknown flag '{}'; accepted: --csp-backend=NAME, --csp-threads=N, --csp-help", a));
    }
  }
  if (!backend_flag.empty()) {
    s.backend = backend_flag;
    s.backend_from = "--csp-backend";
  }
  if (!threads_flag.empty()) {
    s.threads = threads_flag;
    s.threads_from = "--csp-threads";
  }
  config c = resolve(s);
  if (argc > 0) c.args.emplace_back(argv[0]);
  for (const std::string& a : app.remaining()) c.args.push_back(a);
  return c;
}

}  // namespace csp
