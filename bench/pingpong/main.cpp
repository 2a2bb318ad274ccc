// pingpong: two processes on two OS threads bounce a value, timed per one-way message.
//
//   ping --there--> pong
//   ping <--back--- pong          both rendezvous
//
// ping sends i and waits for it to come back (checking it); pong sends back what it receives.
//
// Contenders, run in interleaved rounds:
//   ours thread     csp::network on the thread backend (it spins briefly before parking)
//   condvar thread  2 std::threads, mutex + condition_variable rendezvous channels
// The peer pays a futex wake across vCPUs per message, so it gets fewer round trips (--n-peer);
// ns per message is what is compared.
#include <csp/csp.hpp>

#include "../common/harness.hpp"
#include "../common/peers.hpp"

namespace {

/// Builds ping-pong in `net` (csp::network or a peer), runs it through `run`, checks the
/// values that came back; returns ns per one-way message.
template <class Net, class Run>
double pingpong(Net& net, long round_trips, Run run) {
  auto there = net.template channel<long>("there");
  auto back = net.template channel<long>("back");
  long misses = 0;
  net.spawn("ping", [](auto out, auto in, long n, long* misses) {
    for (long i = 0; i < n; ++i) {
      out.send(i);
      *misses += in.recv() != i;
    }
  }, there.writer(), back.reader(), round_trips, &misses);
  net.spawn("pong", [](auto in, auto out, long n) {
    for (long i = 0; i < n; ++i) out.send(in.recv());
  }, there.reader(), back.writer(), round_trips);
  const double ns = csp_bench::ns_per_op(2 * round_trips, run);
  csp_bench::expect(misses, 0, "pingpong: values that came back changed");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::flags f("pingpong: two processes on two OS threads, rendezvous there and back");
  const long& ours_trips = f.size("--n", 100'000, 5'000, "round trips of ours");
  const long& peer_trips = f.size("--n-peer", 10'000, 200, "round trips of the condvar peer");
  if (int rc = f.parse(argc, argv); rc >= 0) return rc;

  csp_bench::suite s("pingpong", "ns per one-way message");
  s.contender("ours thread", [&] {
    csp::network net("pingpong");
    return pingpong(net, ours_trips, [&] { csp::run(net, {.backend = "thread", .threads = 1}); });
  });
  s.contender("condvar thread", [&] {
    csp_bench::thread_net net;
    return pingpong(net, peer_trips, [&] { net.run(); });
  });
  s.compare("ours thread", "condvar thread", 0.2);
  return s.run(f);
}
