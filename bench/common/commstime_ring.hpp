// commstime's ring, built in any network with csp's spawn and channel interface (csp::network
// or a peer of bench/common/peers.hpp): bench/commstime and bench/mpi/commstime share it.
//
//     prefix(0) --a--> delta --b--> successor --c--> prefix
//                        |
//                        d --> consumer
//
// prefix sends 0, then copies c to a; delta sends each value to b and then to d (sequentially);
// successor adds 1; consumer checks that it sees 0, 1, 2, ... Every process runs `loops`
// times round (the peers have no termination protocol).
#pragma once

namespace csp_bench {

/// Spawns the ring's four processes, named prefix, delta, successor and consumer, on channels
/// of long named a to d; the consumer adds to `misses` each value it saw out of sequence.
template <class Net>
void spawn_commstime(Net& net, long loops, long& misses) {
  auto a = net.template channel<long>("a");
  auto b = net.template channel<long>("b");
  auto c = net.template channel<long>("c");
  auto d = net.template channel<long>("d");
  net.spawn("prefix", [](auto in, auto out, long n) {
    out.send(0L);
    for (long i = 1; i < n; ++i) out.send(in.recv());
    in.recv();  // the last value comes back round; the ring stops here
  }, c.reader(), a.writer(), loops);
  net.spawn("delta", [](auto in, auto to_successor, auto to_consumer, long n) {
    for (long i = 0; i < n; ++i) {
      const long v = in.recv();
      to_successor.send(v);
      to_consumer.send(v);
    }
  }, a.reader(), b.writer(), d.writer(), loops);
  net.spawn("successor", [](auto in, auto out, long n) {
    for (long i = 0; i < n; ++i) out.send(in.recv() + 1);
  }, b.reader(), c.writer(), loops);
  net.spawn("consumer", [](auto in, long n, long* misses) {
    for (long i = 0; i < n; ++i) *misses += in.recv() != i;
  }, d.reader(), loops, &misses);
}

}  // namespace csp_bench
