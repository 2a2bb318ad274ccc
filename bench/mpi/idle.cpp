// mpi idle: the CPU that a rank burns while its only process waits for another rank, as a
// percentage of the wall time it waits.
//
//   rank 0: waiter <--value-- sleeper :rank 1       rendezvous, of std::int64_t
//
// sleeper sleeps --wait-ms (its whole rank sleeps: std::this_thread::sleep_for), then sends
// 42; waiter receives it (checking it). Rank 0 has nothing to do meanwhile: the figure is rank
// 0's CPU time (getrusage, every thread of the process: user + system) over the run, divided
// by the run's wall time.
//
// Contenders, run in interleaved rounds (mpirun -np 2; ranks above 1 idle):
//   ours mpi   csp::network on the mpi backend: the engine polls for 100 us after the last
//              message, then sleeps between polls, 10 us doubling up to 1 ms
//   raw MPI    MPI_Recv on rank 0, MPI_Send on rank 1 after the same sleep: Open MPI polls
//              (busy) until the message comes
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "session.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

/// The CPU time of this process while `f` runs, in percent of its wall time (all ranks start
/// together).
template <class F>
double cpu_percent(const csp_bench::mpi_session& mpi, F&& f) {
  MPI_Barrier(mpi.comm());
  const double cpu = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  std::forward<F>(f)();
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  return 100 * (cpu_seconds() - cpu) / wall.count();
}

constexpr std::int64_t answer = 42;

double ours(const csp_bench::mpi_session& mpi, std::chrono::milliseconds wait) {
  csp::network net("mpi_idle");
  auto value = net.channel<std::int64_t>("value");
  long misses = 0;
  net.spawn("waiter", [](csp::reader<std::int64_t> in, long* misses) { *misses += in.recv() != answer; },
            value.reader(), &misses);
  net.spawn("sleeper", [](csp::writer<std::int64_t> out, std::chrono::milliseconds wait) {
    std::this_thread::sleep_for(wait);
    out.send(answer);
  }, value.writer(), wait);
  const csp::config cfg = csp_bench::mpi_session::placed({"waiter", "sleeper"});
  const double percent = cpu_percent(mpi, [&] { csp::run(net, cfg); });
  mpi.expect_none(misses, "ours: the waiter received another value");
  return percent;
}

double raw(const csp_bench::mpi_session& mpi, std::chrono::milliseconds wait) {
  long misses = 0;
  const double percent = cpu_percent(mpi, [&] {
    std::int64_t v = 0;
    if (mpi.rank() == 0) {
      MPI_Recv(&v, 1, MPI_INT64_T, 1, 0, mpi.comm(), MPI_STATUS_IGNORE);
      misses += v != answer;
    } else if (mpi.rank() == 1) {
      std::this_thread::sleep_for(wait);
      v = answer;
      MPI_Send(&v, 1, MPI_INT64_T, 0, 0, mpi.comm());
    }
  });
  mpi.expect_none(misses, "raw MPI: rank 0 received another value");
  return percent;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::mpi_session mpi(argc, argv, 2);
  csp_bench::flags f("mpi idle: CPU % of rank 0 while its only process waits for rank 1 (mpirun -np 2)");
  const long& wait_ms = f.size("--wait-ms", 2'000, 50, "how long rank 1 sleeps before it sends, ms");
  if (int rc = mpi.parse(f, argc, argv); rc >= 0) return rc;
  const std::chrono::milliseconds wait{wait_ms};

  csp_bench::suite s("mpi idle, rank 0 waiting " + std::to_string(wait_ms) + " ms", "CPU % of the wall time");
  s.contender("ours mpi", [&] { return ours(mpi, wait); });
  s.contender("raw MPI", [&] { return raw(mpi, wait); });
  // A rank that sleeps: under a twentieth of what a busy-polling MPI_Recv burns.
  s.compare("ours mpi", "raw MPI", 0.05);
  return s.run(f);
}
