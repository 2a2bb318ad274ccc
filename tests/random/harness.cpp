// The loop over seeds, the failure report and the summary line (harness.hpp).
#include "random/harness.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "random/executor.hpp"
#include "support/backends.hpp"

namespace csp_random {
namespace {

// Networks per case when CSP_RANDOM_NETWORKS is not set. Sized so that the whole random label
// (both tiers, every backend configuration, ctest -j2) takes about a minute in a Release build
// on two cores. ThreadSanitizer runs a network about 13x slower, AddressSanitizer about 6x
// (and there only the thread backend runs): fewer networks in proportion.
#if defined(__SANITIZE_THREAD__)
constexpr std::uint64_t default_networks = 450;
#elif defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t default_networks = 1000;
#else
constexpr std::uint64_t default_networks = 6000;
#endif
constexpr std::uint64_t default_seed = 1000;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* s = std::getenv(name);
  if (s == nullptr || *s == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0') {
    ADD_FAILURE() << name << "='" << s << "' is not a non-negative integer; using " << fallback;
    return fallback;
  }
  return v;
}

std::string test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info == nullptr ? "*" : std::string(info->test_suite_name()) + "." + info->name();
}

std::string replay_command(std::uint64_t seed) {
  return "CSP_RANDOM_SEED=" + std::to_string(seed) + " CSP_RANDOM_NETWORKS=1 " + program_invocation_name +
         " --gtest_filter='" + test_name() + "'";
}

const char* fault_name(std::size_t k) {
  static const char* const names[fault_kinds] = {"fail", "poison", "retire", "sink_fail", "sink_retire"};
  return names[k];
}

const char* ending_name(ending e) {
  switch (e) {
    case ending::not_started: return "not started";
    case ending::returned: return "returned";
    case ending::closed: return "poisoned/retired escaped";
    case ending::injected: return "threw injected failure";
    case ending::nested: return "sub-network failed";
    case ending::unexpected: return "unexpected exception";
  }
  return "?";
}

std::string what_each_did(const run_result& r) {
  std::ostringstream o;
  for (const auto& l : r.logs) {
    if (!l.used) continue;
    o << "  " << l.name << ": " << ending_name(l.end);
    if (l.end_seq != 0) o << " (failure #" << l.end_seq << ")";
    o << ", sent " << l.sent.size() << ", received " << l.got.size() << ", failed sends " << l.failed_sends;
    for (std::size_t k = 0; k < fault_kinds; ++k) {
      if (l.faults[k] != 0) o << ", " << fault_name(k) << " x" << l.faults[k];
    }
    if (!l.what.empty()) o << ": " << l.what;
    o << '\n';
  }
  return o.str();
}

std::string outcome_text(const run_result& r) {
  switch (r.result) {
    case run_result::outcome::clean: return "run returned 0";
    case run_result::outcome::process_error: return "run threw csp::process_error: " + r.what;
    case run_result::outcome::deadlock: return "run threw csp::deadlock:\n" + r.what;
    case run_result::outcome::other: return "run threw: " + r.what;
  }
  return "?";
}

std::string summary_line(tier level, const csp::config& cfg, std::uint64_t base, const figures& f, double seconds) {
  std::ostringstream o;
  o << "csp-random: tier=" << to_string(level) << " backend=" << csp_test::describe(cfg) << " seeds=" << base << ".."
    << base + (f.networks == 0 ? 0 : f.networks - 1) << " networks=" << f.networks << " cyclic=" << f.cyclic << " processes=" << f.processes
    << " sent=" << f.sent << " received=" << f.received << " overwritten=" << f.overwritten
    << " stranded=" << f.stranded << " lost=" << f.lost << " failed_sends=" << f.failed_sends
    << " refused=" << f.refused << " timeouts=" << f.timeouts << " skips=" << f.skips << " retires=" << f.retires;
  for (std::size_t k = 0; k < fault_kinds; ++k) o << " fault_" << fault_name(k) << '=' << f.faults[k];
  o << " clean=" << f.clean << " process_error=" << f.process_errors << " deadlock=" << f.deadlocks;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << " seconds=" << seconds;
  return o.str();
}

// Says which network is still running when one runs far longer than any should (a hang then
// shows its seed before ctest's timeout kills the test). It only prints: no test outcome
// depends on time.
class watchdog {
 public:
  static constexpr std::chrono::seconds patience{120};

  watchdog() : thread_([this] { watch(); }) {}
  ~watchdog() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(std::string description) {
    std::lock_guard lk(mu_);
    description_ = std::move(description);
    deadline_ = std::chrono::steady_clock::now() + patience;
    ++generation_;
    armed_ = true;
    cv_.notify_all();
  }
  void disarm() {
    std::lock_guard lk(mu_);
    armed_ = false;
  }

 private:
  void watch() {
    std::unique_lock lk(mu_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lk);
        continue;
      }
      const auto gen = generation_;
      if (cv_.wait_until(lk, deadline_, [&] { return stop_ || generation_ != gen || !armed_; })) continue;
      std::cerr << "csp-random: this network has been running for " << patience.count() << " s:\n"
                << description_ << std::flush;
      armed_ = false;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, armed_ = false;
  std::uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
  std::string description_;
  std::thread thread_;
};

// The sum over every case this program ran, printed at its end when it ran more than one.
class totals : public ::testing::Environment {
 public:
  static totals& get() {
    static totals* t = [] {
      auto* e = new totals;
      ::testing::AddGlobalTestEnvironment(e);  // GoogleTest owns it
      return e;
    }();
    return *t;
  }
  void add(const figures& f) {
    sum_ += f;
    ++cases_;
  }
  void TearDown() override {
    if (cases_ < 2) return;
    std::cout << "csp-random: total over " << cases_ << " cases: networks=" << sum_.networks
              << " processes=" << sum_.processes << " sent=" << sum_.sent << " received=" << sum_.received
              << " overwritten=" << sum_.overwritten << " stranded=" << sum_.stranded << " lost=" << sum_.lost << '\n';
  }

 private:
  figures sum_;
  int cases_ = 0;
};
// Registered before main runs the tests, so that TearDown is called.
[[maybe_unused]] const totals& registered = totals::get();

}  // namespace

figures run_tier(tier level, const csp::config& cfg) {
  const std::uint64_t base = env_number("CSP_RANDOM_SEED", default_seed);
  const std::uint64_t n = env_number("CSP_RANDOM_NETWORKS", default_networks);
  const bool dump_each = env_number("CSP_RANDOM_DUMP", 0) != 0;
  std::cout << "[   SEED   ] CSP_RANDOM_SEED=" << base << " CSP_RANDOM_NETWORKS=" << n << " (" << to_string(level)
            << ", " << csp_test::describe(cfg) << ")\n";

  const auto start = std::chrono::steady_clock::now();
  figures all;
  {
    watchdog dog;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t seed = base + i;
      const network_spec spec = generate(seed, level);
      const std::string listing = dump(spec);
      if (dump_each) std::cout << listing << std::flush;
      dog.arm("backend " + csp_test::describe(cfg) + ", replay with:\n  " + replay_command(seed) + "\n" + listing);
      const run_result r = execute(spec, cfg);
      dog.disarm();
      const verdict v = check(spec, r, cfg);
      all += v.counts;
      if (v.violations.empty()) continue;
      std::ostringstream report;
      report << "seed " << seed << " (tier " << to_string(level) << ", backend " << csp_test::describe(cfg) << "): "
             << v.violations.size() << " violation(s); stopping at this first failing network\n";
      for (const auto& s : v.violations) report << "  - " << s << '\n';
      report << outcome_text(r) << "\nwhat each process did:\n" << what_each_did(r) << listing
             << "replay exactly this network:\n  " << replay_command(seed) << '\n';
      ADD_FAILURE() << report.str();
      break;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string line = summary_line(level, cfg, base, all, seconds);
  std::cout << line << '\n';
  ::testing::Test::RecordProperty("summary", line);
  if (const char* path = std::getenv("CSP_RANDOM_SUMMARY"); path != nullptr && *path != '\0') {
    // One write of one line in append mode: cases that ctest runs side by side do not mix lines.
    if (std::FILE* f = std::fopen(path, "a")) {
      const std::string text = line + '\n';
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    } else {
      ADD_FAILURE() << "CSP_RANDOM_SUMMARY: cannot append to " << path;
    }
  }
  totals::get().add(all);
  EXPECT_EQ(all.lost, 0u) << line;
  return all;
}

}  // namespace csp_random
