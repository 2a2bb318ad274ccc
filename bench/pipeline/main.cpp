// pipeline: a chain of bounded channels, timed per message.
//
//   source --a--> +1 --b--> +1 --c--> sink        a, b, c: bounded, capacity 128
//
// source sends 0, 1, 2, ...; each stage adds 1; sink checks that it sees 2, 3, 4, ...
// Every process handles a fixed count of messages (the peer has no termination protocol).
//
// Contenders, run in interleaved rounds:
//   ours fiber/1    csp::network on the fiber backend, 1 thread, csp::buffered(128)
//   boost fiber/1   Boost.Fiber buffered_channel<long>(128), 4 fibers on one thread
//                   (round_robin); Boost's capacity is a power of 2 and holds 127 values
#include <csp/csp.hpp>

#include "../common/harness.hpp"
#include "../common/peers.hpp"

namespace {

constexpr std::size_t capacity = 128;

/// Builds the pipeline in `net` (csp::network or a peer), runs it through `run`, checks the
/// values the sink saw; returns ns per message.
template <class Net, class Run>
double pipeline(Net& net, long messages, Run run) {
  auto a = net.template channel<long>("a", csp::buffered(capacity));
  auto b = net.template channel<long>("b", csp::buffered(capacity));
  auto c = net.template channel<long>("c", csp::buffered(capacity));
  long misses = 0;
  const auto add1 = [](auto in, auto out, long n) {
    for (long i = 0; i < n; ++i) out.send(in.recv() + 1);
  };
  net.spawn("source", [](auto out, long n) {
    for (long i = 0; i < n; ++i) out.send(i);
  }, a.writer(), messages);
  net.spawn("add1[0]", add1, a.reader(), b.writer(), messages);
  net.spawn("add1[1]", add1, b.reader(), c.writer(), messages);
  net.spawn("sink", [](auto in, long n, long* misses) {
    for (long i = 0; i < n; ++i) *misses += in.recv() != i + 2;
  }, c.reader(), messages, &misses);
  const double ns = csp_bench::ns_per_op(messages, run);
  csp_bench::expect(misses, 0, "pipeline: values the sink saw out of sequence");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::flags f("pipeline: source -> +1 -> +1 -> sink over bounded(128) channels");
  const long& messages = f.size("--n", 8'000'000, 20'000, "messages through the pipeline");
  if (int rc = f.parse(argc, argv); rc >= 0) return rc;

  csp_bench::suite s("pipeline", "ns per message");
  s.contender("ours fiber/1", [&] {
    csp::network net("pipeline");
    return pipeline(net, messages, [&] { csp::run(net, {.backend = "fiber", .threads = 1}); });
  });
  s.contender("boost fiber/1", [&] {
    csp_bench::fiber_net<boost::fibers::buffered_channel> net(1);
    return pipeline(net, messages, [&] { net.run(); });
  });
  s.compare("ours fiber/1", "boost fiber/1", 1.1);
  return s.run(f);
}
