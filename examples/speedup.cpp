// Performance evaluation: one CPU-bound network, timed on every backend and thread count.
//
// The Python recipe: time the same work done serially, with threads and with processes, and
// compare the times (where the GIL makes threads no faster for CPU-bound work).
//
// The work is a farm: the source hands out n blocks of numbers, the workers compute the
// total number of Collatz steps of the numbers in each block, and the sink adds up the totals.
//
//   source --blocks--> worker[0..w-1] --totals--> sink
//
// It runs first as a plain loop (no network), then as the farm on each backend built here
// among fiber, thread and tbb: fiber and tbb with 1 and 2 threads (and --csp-threads=T if T is
// more), thread once, as it runs one OS thread per process whatever --csp-threads says. Each
// run is timed; the table gives the times and the speed-up over the first row, the plain loop.
// Every run must find the plain loop's total, or the program fails. For example, on a 2-core
// VM busy with other work (so with little to gain from a second thread):
//
//   speedup: farm of 4 workers over 200 blocks of 1000 numbers
//   backend     threads                 time (ms)  speed-up
//   plain loop  1                           36.38      1.00
//   fiber       1                           35.70      1.02
//   fiber       2                           51.55      0.71
//   thread      1 per process (6)           30.76      1.18
//   tbb         1                           55.82      0.65
//   tbb         2                           33.21      1.10
//   speedup: the plain loop and 5 runs of the farm found 22938602 Collatz steps each: ok
//
// It builds the configuration of each run itself (csp::config{.backend = ..., .threads = ...}).
// --csp-backend=NAME on the command line or CSP_BACKEND in the environment restricts the table
// to the plain loop and that backend.
//
//   speedup [--n=BLOCKS] [--workers=W] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using count = std::uint64_t;
constexpr count block_size = 1000;

count collatz_steps(count x) {
  count steps = 0;
  for (; x != 1; ++steps) x = x % 2 ? 3 * x + 1 : x / 2;
  return steps;
}

count block_steps(count block) {
  count total = 0;
  for (count x = block * block_size + 1; x <= (block + 1) * block_size; ++x) total += collatz_steps(x);
  return total;
}

void source(count blocks, csp::writer<count> out) {
  for (count b = 0; b < blocks; ++b) out.send(b);
}

void worker(csp::reader<count> blocks, csp::writer<count> totals) {
  for (count b : blocks) totals.send(block_steps(b));
}

void sink(csp::reader<count> totals, count& total) {
  for (count t : totals) total += t;
}

count plain_loop(count blocks) {
  count total = 0;
  for (count b = 0; b < blocks; ++b) total += block_steps(b);
  return total;
}

count farm(const csp::config& cfg, count blocks, std::size_t workers) {
  csp::network net("farm");
  auto block_channel = net.channel<count>("blocks");
  auto totals = net.channel<count>("totals");
  count total = 0;
  net.spawn("source", source, blocks, block_channel.writer());
  net.spawn_n(workers, "worker", worker, block_channel.reader(), totals.writer());
  net.spawn("sink", sink, totals.reader(), std::ref(total));
  csp::run(net, cfg);
  return total;
}

struct row {
  std::string backend;
  std::string threads;
  double ms;
  count total;
};

row timed(std::string backend, std::string threads, const std::function<count()>& run) {
  const auto start = std::chrono::steady_clock::now();
  const count total = run();
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  return {std::move(backend), std::move(threads), took.count(), total};
}

/// The backends to measure: those built among fiber, thread and tbb, or only the one named on
/// the command line or in CSP_BACKEND.
std::vector<std::string> backends_to_measure(const csp::config& cfg, int argc, char** argv) {
  const char* variable = std::getenv("CSP_BACKEND");
  const bool named = (variable != nullptr && *variable != '\0') ||
                     std::any_of(argv + 1, argv + argc,
                                 [](std::string_view a) { return a.starts_with("--csp-backend"); });
  if (named) return {cfg.backend};
  std::vector<std::string> chosen;
  for (std::string_view b : csp::config::built_backends()) {
    if (b == "fiber" || b == "thread" || b == "tbb") chosen.emplace_back(b);
  }
  return chosen;
}

/// The configurations to time: each backend with 1, 2 and cfg.threads threads, but the thread
/// backend once (it runs one OS thread per process whatever the count).
std::vector<csp::config> runs_to_time(const csp::config& cfg, int argc, char** argv) {
  std::vector<int> counts{1, 2, cfg.threads};
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  std::vector<csp::config> runs;
  for (const std::string& backend : backends_to_measure(cfg, argc, argv)) {
    if (backend == "thread") {
      runs.push_back({.backend = backend});
      continue;
    }
    for (int t : counts) runs.push_back({.backend = backend, .threads = t});
  }
  return runs;
}

std::vector<row> measure(const std::vector<csp::config>& runs, count blocks, std::size_t workers) {
  std::vector<row> rows{timed("plain loop", "1", [&] { return plain_loop(blocks); })};
  for (const csp::config& c : runs) {
    const std::string threads = c.backend == "thread" ? "1 per process (" + std::to_string(workers + 2) + ")"
                                                      : std::to_string(c.threads);
    rows.push_back(timed(c.backend, threads, [&] { return farm(c, blocks, workers); }));
  }
  return rows;
}

std::string two_decimals(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << v;
  return s.str();
}

void print_line(const std::string& backend, const std::string& threads, const std::string& ms,
                const std::string& speedup) {
  std::cout << std::left << std::setw(12) << backend << std::setw(22) << threads << std::right << std::setw(11) << ms
            << std::setw(10) << speedup << '\n';
}

void print(const std::vector<row>& rows) {
  print_line("backend", "threads", "time (ms)", "speed-up");
  for (const row& r : rows) {
    print_line(r.backend, r.threads, two_decimals(r.ms), two_decimals(rows.front().ms / r.ms));
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  count blocks = 200;
  std::size_t workers = 4;
  const example::flags flags(cfg, {"n", "workers"});
  blocks = flags.integer("n", blocks);
  workers = flags.integer("workers", workers);
  if (workers < 1) throw std::invalid_argument("need --workers >= 1");

  std::cout << "speedup: farm of " << workers << " workers over " << blocks << " blocks of " << block_size
            << " numbers\n";
  const std::vector<row> rows = measure(runs_to_time(cfg, argc, argv), blocks, workers);
  print(rows);
  for (const row& r : rows) {
    if (r.total != rows.front().total) {
      throw std::runtime_error(r.backend + " with " + r.threads + " thread(s) found " + std::to_string(r.total) +
                               " steps, the plain loop " + std::to_string(rows.front().total));
    }
  }
  std::cout << "speedup: the plain loop and " << rows.size() - 1 << (rows.size() == 2 ? " run" : " runs")
            << " of the farm found " << rows.front().total << " Collatz steps each: ok\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "speedup: " << e.what() << '\n';
  return 1;
}
