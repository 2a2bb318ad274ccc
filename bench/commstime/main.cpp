// commstime: the classic CSP ring, timed per communication (= per loop / 4).
//
//         +--------------c--------------+
//         v                             |
//     prefix(0) --a--> delta --b--> successor
//                        |
//                        d
//                        v
//                     consumer
//
// prefix sends 0, then copies c to a; delta sends each value to b and then to d (sequentially);
// successor adds 1; consumer checks that it sees 0, 1, 2, ... All channels are rendezvous.
// Every process runs a fixed count of loops (the peers have no termination protocol).
//
// Contenders, run in interleaved rounds:
//   ours fiber/1    csp::network on the fiber backend, 1 thread
//   boost fiber/1   Boost.Fiber unbuffered_channel<long>, 4 fibers on one thread (round_robin)
//   ours fiber/1 stats  ours fiber/1 with --csp-stats on (what timing every wait costs)
//   ours fiber/1 trace  ours fiber/1 with --csp-trace on, 1000 records per thread (what
//                       recording costs; the small ring keeps the file written at the end small)
//   ours thread     csp::network on the thread backend (4 OS threads)
//   condvar thread  4 std::threads, mutex + condition_variable rendezvous channels
//   ours fiber/2    csp::network on the fiber backend, 2 threads
//   boost fiber/2   Boost.Fiber unbuffered_channel<long>, shared_work(suspend) on 2 threads
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <iostream>

#include <csp/csp.hpp>

#include "../common/commstime_ring.hpp"
#include "../common/harness.hpp"
#include "../common/peers.hpp"

namespace {

/// Builds commstime in `net` (csp::network or a peer), runs it through `run`, checks the values
/// the consumer saw; returns ns per communication.
template <class Net, class Run>
double commstime(Net& net, long loops, Run run) {
  long misses = 0;
  csp_bench::spawn_commstime(net, loops, misses);
  const double ns = csp_bench::ns_per_op(4 * loops, run);
  csp_bench::expect(misses, 0, "commstime: values the consumer saw out of sequence");
  return ns;
}

double ours(const csp::config& cfg, long loops) {
  csp::network net("commstime");
  return commstime(net, loops, [&] { csp::run(net, cfg); });
}

/// ours(), with stderr sent to /dev/null meanwhile: for --csp-stats (every process times its
/// life and its waits, and a table is printed at the end) and --csp-trace (every process
/// records its waits and messages, and says at the end that its ring wrapped).
double ours_quietly(const csp::config& cfg, long loops) {
  std::fflush(stderr);
  std::cerr.flush();
  const int saved = dup(STDERR_FILENO);
  const int null = open("/dev/null", O_WRONLY);
  dup2(null, STDERR_FILENO);
  close(null);
  const double ns = ours(cfg, loops);
  std::cerr.flush();
  dup2(saved, STDERR_FILENO);
  close(saved);
  return ns;
}

template <class Net>
double peer(Net net, long loops) {
  return commstime(net, loops, [&] { net.run(); });
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::flags f("commstime: the CSP ring prefix -> delta -> successor -> prefix, delta -> consumer");
  const long& fiber_loops = f.size("--n", 100'000, 2'000, "loops of the ring on fibers, one thread");
  const long& fiber2_loops = f.size("--n-fiber2", 20'000, 500, "loops of the ring on fibers, two threads");
  const long& thread_loops = f.size("--n-thread", 2'000, 100, "loops of the ring on OS threads");
  if (int rc = f.parse(argc, argv); rc >= 0) return rc;

  namespace bf = boost::fibers;
  using csp_bench::fiber_net;
  csp_bench::suite s("commstime", "ns per communication");
  s.contender("ours fiber/1", [&] { return ours({.backend = "fiber", .threads = 1}, fiber_loops); });
  s.contender("boost fiber/1", [&] { return peer(fiber_net<bf::unbuffered_channel>(1), fiber_loops); });
  s.contender("ours fiber/1 stats", [&] { return ours_quietly({.backend = "fiber", .threads = 1, .stats = true}, fiber_loops); });
  const std::string trace = (std::filesystem::temp_directory_path() / ("commstime." + std::to_string(getpid()) + ".json")).string();
  s.contender("ours fiber/1 trace", [&] {
    return ours_quietly({.backend = "fiber", .threads = 1, .trace = trace, .trace_limit = 1000}, fiber_loops);
  });
  s.contender("ours thread", [&] { return ours({.backend = "thread", .threads = 1}, thread_loops); });
  s.contender("condvar thread", [&] { return peer(csp_bench::thread_net(), thread_loops); });
  s.contender("ours fiber/2", [&] { return ours({.backend = "fiber", .threads = 2}, fiber2_loops); });
  s.contender("boost fiber/2", [&] { return peer(fiber_net<bf::unbuffered_channel>(2), fiber2_loops); });
  s.compare("ours fiber/1", "boost fiber/1", 0.5);
  s.compare("ours fiber/1 stats", "ours fiber/1", std::nullopt);
  s.compare("ours fiber/1 trace", "ours fiber/1", std::nullopt);
  s.compare("ours thread", "condvar thread", std::nullopt);
  s.compare("ours fiber/2", "boost fiber/2", std::nullopt);
  s.compare("ours fiber/2", "boost fiber/1", 1.0);
  const int rc = s.run(f);
  std::filesystem::remove(trace);
  return rc;
}
