// A barrier, the CSP way.
//
// The Python recipe: threading.Barrier(n); n threads work in phases, and each calls wait() at
// the end of a phase, which returns only when all n have called it.
//
// Here the barrier is a process: it takes n arrivals on one shared channel, then hands out n
// releases on another, and starts over. A worker arrives and then waits for a release. A
// worker released early cannot take a second release: it is busy with its next phase or
// blocked arriving, and the barrier takes no arrival until it has handed out all n releases.
//
//   worker[0..n-1] --arrive (shared)--> barrier --release (shared)--> worker[0..n-1]
//         |
//         +--------log (shared)--> auditor
//
// Each worker, for each phase: logs "started", then "finished" (a phase's work would go
// between the two), and waits at the barrier. A log send completes only when the auditor has taken it, so the auditor sees
// every "finished" of phase k before any "started" of phase k+1 unless the barrier let a
// worker through early. It checks that, and that every worker did every phase, and prints
//
//   barrier: 6 workers, 10 phases, no phase started before all finished the one before: ok
//
//   barrier [--n=WORKERS] [--phases=P] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

struct mark {
  std::size_t worker;
  std::size_t phase;
  bool finished;
};

void worker(csp::replica self, std::size_t phases, csp::writer<int> arrive, csp::reader<int> release,
            csp::writer<mark> log) {
  for (std::size_t p = 0; p < phases; ++p) {
    log.send({self.index, p, false});
    log.send({self.index, p, true});
    arrive.send(0);
    release.recv();
  }
}

// Ends when the workers have retired from `arrive` (the receive throws csp::retired).
void barrier(std::size_t parties, csp::reader<int> arrive, csp::writer<int> release) {
  for (;;) {
    for (std::size_t i = 0; i < parties; ++i) arrive.recv();
    for (std::size_t i = 0; i < parties; ++i) release.send(0);
  }
}

void auditor(std::size_t workers, std::size_t phases, csp::reader<mark> log) {
  std::vector<std::size_t> started(phases, 0);
  std::vector<std::size_t> finished(phases, 0);
  for (const mark& m : log) {
    if (m.finished) {
      ++finished[m.phase];
    } else if (m.phase > 0 && finished[m.phase - 1] != workers) {
      throw std::runtime_error("worker[" + std::to_string(m.worker) + "] started phase " +
                               std::to_string(m.phase) + " before all had finished the one before");
    } else {
      ++started[m.phase];
    }
  }
  auto all = [&](const std::vector<std::size_t>& v) {
    return std::all_of(v.begin(), v.end(), [&](std::size_t c) { return c == workers; });
  };
  if (!all(started) || !all(finished)) throw std::runtime_error("not every worker did every phase");
  std::cout << "barrier: " << workers << " workers, " << phases
            << " phases, no phase started before all finished the one before: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int workers = 6;
  int phases = 10;
  const example::flags flags(cfg, {"n", "phases"});
  workers = flags.integer("n", workers);
  phases = flags.integer("phases", phases);
  if (workers < 1 || phases < 0) throw std::invalid_argument("need --n >= 1 and --phases >= 0");
  const auto n = static_cast<std::size_t>(workers);
  const auto p = static_cast<std::size_t>(phases);

  csp::network net("barrier");
  auto arrive = net.channel<int>("arrive");
  auto release = net.channel<int>("release");
  auto log = net.channel<mark>("log");
  net.spawn_n(n, "worker", worker, p, arrive.writer(), release.reader(), log.writer());
  net.spawn("barrier", barrier, n, arrive.reader(), release.writer());
  net.spawn("auditor", auditor, n, p, log.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "barrier: " << e.what() << '\n';
  return 1;
}
