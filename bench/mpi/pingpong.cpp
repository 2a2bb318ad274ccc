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
// and, to tell what the engine's use of MPI costs from what csp's own work does, raw MPI moving
// a 64-byte message (a batch of one record) the way the engine does, and the way it could:
//   raw engine calls   MPI_Isend; polling MPI_Improbe, then MPI_Get_count and MPI_Mrecv, and
//                      MPI_Improbe once more to see that nothing else came; MPI_Test on the sends
//   raw preposted      MPI_Isend; a receive posted ahead (MPI_Irecv), polled with MPI_Test and
//                      posted again; MPI_Test on the sends
#include <cstdint>
#include <cstring>
#include <vector>

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

/// Raw MPI moving a 64-byte message each way per round trip with the engine's calls
/// (`preposted` false) or with a receive posted ahead (true).
double raw_pattern(const csp_bench::mpi_session& mpi, long trips, bool preposted) {
  long misses = 0;
  const MPI_Comm comm = mpi.comm();
  const double ns = mpi.ns_per_op(trips, [&] {
    if (mpi.rank() > 1) return;
    const int peer = 1 - mpi.rank();
    std::vector<std::byte> out(64), in(256);
    std::vector<MPI_Request> sends;
    MPI_Request posted = MPI_REQUEST_NULL;
    if (preposted) MPI_Irecv(in.data(), 256, MPI_BYTE, MPI_ANY_SOURCE, 0, comm, &posted);
    auto send = [&](std::int64_t v) {
      std::memcpy(out.data(), &v, sizeof v);
      sends.emplace_back();
      MPI_Isend(out.data(), 64, MPI_BYTE, peer, 0, comm, &sends.back());
    };
    auto retire = [&] {
      while (!sends.empty()) {
        int done = 0;
        MPI_Test(&sends.front(), &done, MPI_STATUS_IGNORE);
        if (!done) break;
        sends.erase(sends.begin());
      }
    };
    auto receive = [&] {
      for (;;) {
        int flag = 0;
        if (preposted) {
          MPI_Test(&posted, &flag, MPI_STATUS_IGNORE);
          if (flag) {
            std::int64_t v = 0;
            std::memcpy(&v, in.data(), sizeof v);
            MPI_Irecv(in.data(), 256, MPI_BYTE, MPI_ANY_SOURCE, 0, comm, &posted);
            return v;
          }
        } else {
          MPI_Message m;
          MPI_Status st;
          MPI_Improbe(MPI_ANY_SOURCE, 0, comm, &flag, &m, &st);
          if (flag) {
            int count = 0;
            MPI_Get_count(&st, MPI_BYTE, &count);
            MPI_Mrecv(in.data(), count, MPI_BYTE, &m, &st);
            int more = 0;
            MPI_Improbe(MPI_ANY_SOURCE, 0, comm, &more, &m, &st);  // the engine's pass ends on a miss
            std::int64_t v = 0;
            std::memcpy(&v, in.data(), sizeof v);
            return v;
          }
        }
        retire();
      }
    };
    for (std::int64_t i = 0; i < trips; ++i) {
      if (mpi.rank() == 0) {
        send(i);
        misses += receive() != i;
      } else {
        send(receive());
      }
    }
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
    if (preposted) {
      MPI_Cancel(&posted);
      MPI_Wait(&posted, MPI_STATUS_IGNORE);
    }
  });
  mpi.expect_none(misses, preposted ? "raw preposted: values that came back changed"
                                    : "raw engine calls: values that came back changed");
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
  s.contender("raw engine calls", [&] { return raw_pattern(mpi, raw_trips, false); });
  s.contender("raw preposted", [&] { return raw_pattern(mpi, raw_trips, true); });
  s.compare("ours mpi", "raw MPI", 1.5);
  s.compare("raw engine calls", "raw MPI", std::nullopt);
  s.compare("raw preposted", "raw MPI", std::nullopt);
  s.compare("ours mpi", "raw engine calls", std::nullopt);
  return s.run(f);
}
