// mpi commstime: the classic CSP ring with each process on a rank of its own, timed per
// communication (= per loop / 4).
//
//         +------------------c------------------+
//         v                                     |
//     prefix(0) --a--> delta --b--> successor   |     prefix rank 0, delta rank 1,
//      rank 0     |   rank 1         rank 2 ----+     successor rank 2, consumer rank 3
//                 |     |
//                 |     d
//                 |     v
//                 | consumer
//                 |  rank 3
//
// prefix sends 0, then copies c to a; delta sends each value to b and then to d (sequentially);
// successor adds 1; consumer checks that it sees 0, 1, 2, ... (bench/common/commstime_ring.hpp, as
// bench/commstime builds it). All channels are rendezvous, of long (64 bits here, as the raw
// peer's MPI_INT64_T); every process runs a fixed count of loops.
//
// Contenders, run in interleaved rounds (mpirun -np 4; ranks above 3 idle):
//   ours mpi/4      csp::network on the mpi backend, placed by [mpi.placement] rules
//   raw MPI_Ssend   the same pattern in raw MPI, each send an MPI_Ssend: it returns once the
//                   receive has started, as a rendezvous send does
//   raw MPI_Send    the same with MPI_Send, which returns at once for 8 bytes (eager): a
//                   buffered channel, not a rendezvous one; shown for scale
#include <cstdint>

#include "../common/commstime_ring.hpp"
#include "session.hpp"

namespace {

double ours(const csp_bench::mpi_session& mpi, long loops) {
  csp::network net("mpi_commstime");
  long misses = 0;
  csp_bench::spawn_commstime(net, loops, misses);
  const csp::config cfg = csp_bench::mpi_session::placed({"prefix", "delta", "successor", "consumer"});
  const double ns = mpi.ns_per_op(4 * loops, [&] { csp::run(net, cfg); });
  mpi.expect_none(misses, "ours: values the consumer saw out of sequence");
  return ns;
}

/// The ring in raw MPI, rank r playing the process that ours places on rank r; `send` is
/// MPI_Ssend or MPI_Send.
template <class Send>
double raw(const csp_bench::mpi_session& mpi, long loops, Send send) {
  const MPI_Comm comm = mpi.comm();
  auto put = [&](std::int64_t v, int to) { send(&v, 1, MPI_INT64_T, to, 0, comm); };
  auto get = [&](int from) {
    std::int64_t v = 0;
    MPI_Recv(&v, 1, MPI_INT64_T, from, 0, comm, MPI_STATUS_IGNORE);
    return v;
  };
  enum : int { prefix, delta, successor, consumer };
  long misses = 0;
  const double ns = mpi.ns_per_op(4 * loops, [&] {
    switch (mpi.rank()) {
      case prefix:
        put(0, delta);
        for (long i = 1; i < loops; ++i) put(get(successor), delta);
        get(successor);
        break;
      case delta:
        for (long i = 0; i < loops; ++i) {
          const std::int64_t v = get(prefix);
          put(v, successor);
          put(v, consumer);
        }
        break;
      case successor:
        for (long i = 0; i < loops; ++i) put(get(delta) + 1, prefix);
        break;
      case consumer:
        for (std::int64_t i = 0; i < loops; ++i) misses += get(delta) != i;
        break;
      default:
        break;
    }
  });
  mpi.expect_none(misses, "raw MPI: values the consumer saw out of sequence");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::mpi_session mpi(argc, argv, 4);
  csp_bench::flags f("mpi commstime: prefix, delta, successor and consumer on ranks 0-3 (mpirun -np 4)");
  const long& ours_loops = f.size("--n", 1'000, 100, "loops of the ring, ours");
  const long& raw_loops = f.size("--n-raw", 2'000, 100, "loops of the ring, raw MPI");
  if (int rc = mpi.parse(f, argc, argv); rc >= 0) return rc;

  csp_bench::suite s("mpi commstime, 4 ranks", "ns per communication");
  s.contender("ours mpi/4", [&] { return ours(mpi, ours_loops); });
  s.contender("raw MPI_Ssend", [&] { return raw(mpi, raw_loops, MPI_Ssend); });
  s.contender("raw MPI_Send", [&] { return raw(mpi, raw_loops, MPI_Send); });
  s.compare("ours mpi/4", "raw MPI_Ssend", std::nullopt);
  s.compare("ours mpi/4", "raw MPI_Send", std::nullopt);
  return s.run(f);
}
