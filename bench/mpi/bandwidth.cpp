// mpi bandwidth: 1 MiB values between two ranks, timed per MiB moved.
//
//   pingpong   rank 0: ping --there--> pong :rank 1      the block goes there and back, moved
//                      ping <--back--- pong              (no copy in the processes' code)
//   stream     rank 0: source --blocks--> sink :rank 1   source sends the same block n times
//                                                        (out.send(block): a copy per send)
//
// Both channels are rendezvous, of std::vector<std::byte> (what a user sends a buffer as; a
// 1 MiB std::array does not fit on a process's fiber stack, 64 KiB). Every block carries its
// sequence number in its first and last 8 bytes, which the receiver checks, with the size.
//
// Contenders, run in interleaved rounds (mpirun -np 2; ranks above 1 idle):
//   ours pingpong / raw pingpong   csp channels on the mpi backend / MPI_Send + MPI_Recv
//   ours stream / raw stream       likewise, one way
//   memcpy                         one memcpy of the block on rank 0: the unit for counting
//                                  what the copies on ours's path cost
// GB/s = bytes per block / (ns per block).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "session.hpp"

namespace {

using block = std::vector<std::byte>;

/// Writes `seq` into the first and last 8 bytes of b (at least 16 long).
void stamp(block& b, std::int64_t seq) {
  std::memcpy(b.data(), &seq, sizeof seq);
  std::memcpy(b.data() + b.size() - sizeof seq, &seq, sizeof seq);
}

/// 0 if b is `bytes` long and stamped with `seq`, else 1.
long miss(const block& b, std::size_t bytes, std::int64_t seq) {
  if (b.size() != bytes) return 1;
  std::int64_t first = 0, last = 0;
  std::memcpy(&first, b.data(), sizeof first);
  std::memcpy(&last, b.data() + b.size() - sizeof last, sizeof last);
  return first != seq || last != seq;
}

struct sizes {
  std::size_t bytes;
  long n;  // blocks per run: round trips of a pingpong, sends of a stream
};

double ours_pingpong(const csp_bench::mpi_session& mpi, sizes z) {
  csp::network net("mpi_bandwidth_pingpong");
  auto there = net.channel<block>("there");
  auto back = net.channel<block>("back");
  long misses = 0;
  net.spawn("ping", [](csp::writer<block> out, csp::reader<block> in, sizes z, long* misses) {
    block b(z.bytes, std::byte{1});
    for (std::int64_t i = 0; i < z.n; ++i) {
      stamp(b, i);
      out.send(std::move(b));
      b = in.recv();
      *misses += miss(b, z.bytes, i);
    }
  }, there.writer(), back.reader(), z, &misses);
  net.spawn("pong", [](csp::reader<block> in, csp::writer<block> out, long n) {
    for (long i = 0; i < n; ++i) out.send(in.recv());
  }, there.reader(), back.writer(), z.n);
  const csp::config cfg = csp_bench::mpi_session::placed({"ping", "pong"});
  const double ns = mpi.ns_per_op(2 * z.n, [&] { csp::run(net, cfg); });
  mpi.expect_none(misses, "ours pingpong: a block came back changed");
  return ns;
}

double ours_stream(const csp_bench::mpi_session& mpi, sizes z) {
  csp::network net("mpi_bandwidth_stream");
  auto blocks = net.channel<block>("blocks");
  long misses = 0;
  net.spawn("source", [](csp::writer<block> out, sizes z) {
    block b(z.bytes, std::byte{1});
    for (std::int64_t i = 0; i < z.n; ++i) {
      stamp(b, i);
      out.send(b);
    }
  }, blocks.writer(), z);
  net.spawn("sink", [](csp::reader<block> in, sizes z, long* misses) {
    for (std::int64_t i = 0; i < z.n; ++i) *misses += miss(in.recv(), z.bytes, i);
  }, blocks.reader(), z, &misses);
  const csp::config cfg = csp_bench::mpi_session::placed({"source", "sink"});
  const double ns = mpi.ns_per_op(z.n, [&] { csp::run(net, cfg); });
  mpi.expect_none(misses, "ours stream: a block arrived changed");
  return ns;
}

/// Raw MPI: rank 0 sends the block to rank 1, which sends it back when `pingpong`.
double raw(const csp_bench::mpi_session& mpi, sizes z, bool pingpong) {
  block b(z.bytes, std::byte{1});
  const int count = static_cast<int>(z.bytes);
  const MPI_Comm comm = mpi.comm();
  long misses = 0;
  const double ns = mpi.ns_per_op((pingpong ? 2 : 1) * z.n, [&] {
    for (std::int64_t i = 0; i < z.n; ++i) {
      if (mpi.rank() == 0) {
        stamp(b, i);
        MPI_Send(b.data(), count, MPI_BYTE, 1, 0, comm);
        if (pingpong) {
          MPI_Recv(b.data(), count, MPI_BYTE, 1, 0, comm, MPI_STATUS_IGNORE);
          misses += miss(b, z.bytes, i);
        }
      } else if (mpi.rank() == 1) {
        MPI_Recv(b.data(), count, MPI_BYTE, 0, 0, comm, MPI_STATUS_IGNORE);
        if (pingpong) {
          MPI_Send(b.data(), count, MPI_BYTE, 0, 0, comm);
        } else {
          misses += miss(b, z.bytes, i);
        }
      }
    }
  });
  mpi.expect_none(misses, pingpong ? "raw pingpong: a block came back changed" : "raw stream: a block arrived changed");
  return ns;
}

double copy(const csp_bench::mpi_session& mpi, sizes z) {
  block from(z.bytes, std::byte{1});
  block to(z.bytes);
  long misses = 0;
  const double ns = mpi.ns_per_op(z.n, [&] {
    for (std::int64_t i = 0; i < z.n; ++i) {
      stamp(from, i);
      std::memcpy(to.data(), from.data(), z.bytes);
      misses += miss(to, z.bytes, i);
    }
  });
  mpi.expect_none(misses, "memcpy: the copy differs");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::mpi_session mpi(argc, argv, 2);
  csp_bench::flags f("mpi bandwidth: 1 MiB values between ranks 0 and 1, pingpong and stream (mpirun -np 2)");
  const long& kib = f.size("--kib", 1024, 1024, "KiB per block");
  const long& n = f.size("--n", 500, 10, "blocks per run (round trips of a pingpong, sends of a stream)");
  if (int rc = mpi.parse(f, argc, argv); rc >= 0) return rc;
  const sizes z{.bytes = static_cast<std::size_t>(kib) * 1024, .n = n};

  csp_bench::suite s("mpi bandwidth, " + std::to_string(kib) + " KiB blocks", "ns per block moved");
  s.contender("ours pingpong", [&] { return ours_pingpong(mpi, z); });
  s.contender("raw pingpong", [&] { return raw(mpi, z, true); });
  s.contender("ours stream", [&] { return ours_stream(mpi, z); });
  s.contender("raw stream", [&] { return raw(mpi, z, false); });
  s.contender("memcpy", [&] { return copy(mpi, z); });
  // >= 0.9x raw's bandwidth is <= 1/0.9 of its time per block.
  s.compare("ours pingpong", "raw pingpong", 1 / 0.9);
  s.compare("ours stream", "raw stream", 1 / 0.9);
  s.compare("ours pingpong", "memcpy", std::nullopt);
  return s.run(f);
}
