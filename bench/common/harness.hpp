// The measuring loop every benchmark shares (DESIGN.md section 7): contenders run in
// interleaved rounds (A B A B ...), each round prints ns per operation, and each comparison
// reports the median of its per-round ratios. Absolute times drift 2x between runs on these
// machines; ratios measured in the same round hold.
//
//   csp_bench::suite s("commstime", "ns per communication");
//   s.contender("ours fiber/1", [&] { return ns_per_op_of_one_run(); });
//   s.contender("boost fiber/1", [&] { ... });
//   s.compare("ours fiber/1", "boost fiber/1", 0.5);   // target: ratio <= 0.5
//   return s.run(f);                                   // f: csp_bench::flags, below
//
// Flags: every binary takes --rounds=N and --quick (a smoke test of about a second: small sizes,
// 3 rounds), plus its own sizes, each with a full and a quick default:
//
//   csp_bench::flags f("commstime: ...");
//   const long& loops = f.size("--n", 200'000, 2'000, "loops of the ring");
//   if (int rc = f.parse(argc, argv); rc >= 0) return rc;   // --help, or a bad flag
//   ... use loops after parse() (it is a reference into f) ...
//
// A contender runs its computation once per call, checks the values it computed (throwing
// csp_bench::wrong on a mismatch) and returns ns per operation. Targets are printed, never
// enforced: the exit status says only whether every computation was correct.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace csp_bench {

/// A contender computed a wrong value: the benchmark fails (exit status 1).
struct wrong : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws csp_bench::wrong naming `what` unless `got == want`.
inline void expect(long got, long want, const char* what) {
  if (got != want) {
    throw wrong(std::string(what) + ": got " + std::to_string(got) + ", want " + std::to_string(want));
  }
}

/// Nanoseconds per operation of one call of `f`, which performs `ops` operations.
template <class F>
double ns_per_op(long ops, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  std::forward<F>(f)();
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(ops);
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Command-line sizes with a full and a --quick default; see the top of this file.
class flags {
 public:
  explicit flags(std::string description) : app_(std::move(description)) {
    app_.add_flag("--quick", quick_, "smoke test: small sizes and 3 rounds (about a second)");
    size("--rounds", 11, 3, "measured rounds, after one warm-up round");
    app_.add_option("--only", only_, "run only the contenders whose name contains this (for profiling)");
  }

  /// Declares `--name=N`; the reference it returns holds the value once parse() has run.
  long& size(const std::string& name, long full, long quick, const std::string& help) {
    sizes_.push_back({name, full, quick});
    app_.add_option(name, sizes_.back().value, help + " (default " + std::to_string(full) +
                                                   ", --quick " + std::to_string(quick) + ")")
        ->check(CLI::PositiveNumber);
    return sizes_.back().value;
  }

  /// Parses; returns -1 to go on, or the exit status (--help, a bad flag).
  int parse(int argc, char** argv) {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app_.exit(e);
    }
    for (auto& s : sizes_) {
      if (app_.count(s.name) == 0) s.value = quick_ ? s.quick : s.full;
    }
    return -1;
  }
  int rounds() const { return static_cast<int>(sizes_.front().value); }
  const std::string& only() const { return only_; }

 private:
  struct sized {
    std::string name;
    long full, quick;
    long value = 0;
  };
  CLI::App app_;
  bool quick_ = false;
  std::string only_;
  std::deque<sized> sizes_;  // a deque: size() hands out references that must stay valid
};

class suite {
 public:
  suite(std::string title, std::string unit) : title_(std::move(title)), unit_(std::move(unit)) {}

  /// Adds a contender; every round runs every contender once, in the order added.
  void contender(std::string name, std::function<double()> run) {
    contenders_.push_back({std::move(name), std::move(run), {}});
  }
  /// Reports the median over rounds of ns(ours) / ns(peer); `target` is the ratio to stay under.
  void compare(const std::string& ours, const std::string& peer, std::optional<double> target) {
    for (const std::string* name : {&ours, &peer}) {
      if (!selected(*name)) throw std::logic_error("compare: no contender named " + *name);
    }
    comparisons_.push_back({ours, peer, target});
  }

  /// Runs one warm-up round (not counted), then f.rounds() rounds, of the contenders that
  /// f.only() selects. Returns the exit status.
  int run(const flags& f) {
    const int rounds = f.rounds();
    std::erase_if(contenders_, [&](const entry& c) { return c.name.find(f.only()) == std::string::npos; });
    std::erase_if(comparisons_, [&](const comparison& k) { return !selected(k.ours) || !selected(k.peer); });
    if (contenders_.empty()) {
      std::printf("%s: no contender's name contains '%s'\n", title_.c_str(), f.only().c_str());
      return 2;
    }
    try {
      for (auto& c : contenders_) c.run();
      for (int r = 1; r <= rounds; ++r) {
        std::printf("round %2d:", r);
        for (auto& c : contenders_) {
          c.ns.push_back(c.run());
          std::printf("  %s %.1f", c.name.c_str(), c.ns.back());
        }
        std::printf("\n");
        std::fflush(stdout);
      }
    } catch (const std::exception& e) {
      std::printf("\n%s: FAILED: %s\n", title_.c_str(), e.what());
      return 1;
    }
    summarize(rounds);
    return 0;
  }

 private:
  struct entry {
    std::string name;
    std::function<double()> run;
    std::vector<double> ns;
  };
  struct comparison {
    std::string ours, peer;
    std::optional<double> target;
  };

  const entry* find(const std::string& name) const {
    for (const entry& c : contenders_) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
  bool selected(const std::string& name) const { return find(name) != nullptr; }

  void summarize(int rounds) const {
    std::printf("\n%s, %s, median of %d rounds\n", title_.c_str(), unit_.c_str(), rounds);
    for (const auto& c : contenders_) std::printf("  %-28s %10.1f\n", c.name.c_str(), median(c.ns));
    std::printf("\n  %-44s %8s %8s %s\n", "ours / peer", "ratio", "target", "met");
    for (const auto& k : comparisons_) {
      std::vector<double> ratios;
      const entry& ours = *find(k.ours);
      const entry& peer = *find(k.peer);
      for (int r = 0; r < rounds; ++r) ratios.push_back(ours.ns[r] / peer.ns[r]);
      const double m = median(ratios);
      const std::string label = k.ours + " / " + k.peer;
      if (k.target) {
        std::printf("  %-44s %7.2fx %7.2fx %s\n", label.c_str(), m, *k.target, m <= *k.target ? "yes" : "NO");
      } else {
        std::printf("  %-44s %7.2fx %8s %s\n", label.c_str(), m, "report", "-");
      }
    }
  }

  std::string title_, unit_;
  std::vector<entry> contenders_;
  std::vector<comparison> comparisons_;
};

}  // namespace csp_bench
