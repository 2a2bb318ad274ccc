// mpi pingpong: an 8-byte value there and back between two ranks, timed per round trip.
//
//   rank 0            rank 1
//   ping --there--> pong
//   ping <--back--- pong         both rendezvous, of std::int64_t (trivially copyable)
//
// ping sends i and waits for it to come back (checking it); pong sends back what it receives.
//
// Contenders, run in interleaved rounds (mpirun -np 2; ranks above 1 idle):
//   ours mpi   csp::network on the mpi backend, ping placed on rank 0 and pong on rank 1
//   raw MPI    MPI_Send then MPI_Recv on rank 0, MPI_Recv then MPI_Send on rank 1
#include <cstdint>

#include "session.hpp"

namespace {

double ours(const csp_bench::mpi_session& mpi, long trips) {
  csp::network net("mpi_pingpong");
  auto there = net.channel<std::int64_t>("there");
  auto back = net.channel<std::int64_t>("back");
  long misses = 0;
  net.spawn("ping", [](csp::writer<std::int64_t> out, csp::reader<std::int64_t> in, long n, long* misses) {
    for (std::int64_t i = 0; i < n; ++i) {
      out.send(i);
      *misses += in.recv() != i;
    }
  }, there.writer(), back.reader(), trips, &misses);
  net.spawn("pong", [](csp::reader<std::int64_t> in, csp::writer<std::int64_t> out, long n) {
    for (long i = 0; i < n; ++i) out.send(in.recv());
  }, there.reader(), back.writer(), trips);
  const csp::config cfg = csp_bench::mpi_session::placed({"ping", "pong"});
  const double ns = mpi.ns_per_op(trips, [&] { csp::run(net, cfg); });
  mpi.expect_none(misses, "ours: values that came back changed");
  return ns;
}

double raw(const csp_bench::mpi_session& mpi, long trips) {
  long misses = 0;
  const MPI_Comm comm = mpi.comm();
  const double ns = mpi.ns_per_op(trips, [&] {
    std::int64_t v = 0;
    for (std::int64_t i = 0; i < trips; ++i) {
      if (mpi.rank() == 0) {
        v = i;
        MPI_Send(&v, 1, MPI_INT64_T, 1, 0, comm);
        MPI_Recv(&v, 1, MPI_INT64_T, 1, 0, comm, MPI_STATUS_IGNORE);
        misses += v != i;
      } else if (mpi.rank() == 1) {
        MPI_Recv(&v, 1, MPI_INT64_T, 0, 0, comm, MPI_STATUS_IGNORE);
        MPI_Send(&v, 1, MPI_INT64_T, 0, 0, comm);
      }
    }
  });
  mpi.expect_none(misses, "raw MPI: values that came back changed");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::mpi_session mpi(argc, argv, 2);
  csp_bench::flags f("mpi pingpong: an 8-byte value there and back between ranks 0 and 1 (mpirun -np 2)");
  const long& ours_trips = f.size("--n", 20'000, 500, "round trips of ours");
  const long& raw_trips = f.size("--n-raw", 50'000, 1'000, "round trips of raw MPI");
  if (int rc = mpi.parse(f, argc, argv); rc >= 0) return rc;

  csp_bench::suite s("mpi pingpong, 8 bytes", "ns per round trip");
  s.contender("ours mpi", [&] { return ours(mpi, ours_trips); });
  s.contender("raw MPI", [&] { return raw(mpi, raw_trips); });
  s.compare("ours mpi", "raw MPI", 1.5);
  return s.run(f);
}
