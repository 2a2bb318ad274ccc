// The plumbing of networks/plumbing.hpp, on every backend: the components compose into the
// classic commstime ring, and each keeps its termination rule.
#include <atomic>
#include <vector>

#include <networks/plumbing.hpp>

#include "conformance/conformance.hpp"

namespace {

namespace nw = csp::networks;

// §2 Channels: "A rendezvous send returns only when a reader has taken the value" — the
// commstime ring (prefix, delta, successor) hands each value on in order, so the consumer
// sees 0, 1, 2, ... exactly.
TEST_P(conformance, networks_commstime_ring_delivers_the_naturals_in_order) {
  constexpr long n = 2000;
  csp::network net("commstime");
  auto a = net.channel<long>("a"), b = net.channel<long>("b"), c = net.channel<long>("c"),
       d = net.channel<long>("d");
  std::vector<long> seen;
  CSP_SHARED(seen);
  place_on_mpi({{"consumer", {0}}});  // on 2 ranks a ring of three keeps one link on one rank
  net.spawn("prefix", nw::prefix<long>, 0L, c.reader(), a.writer());
  net.spawn("delta", nw::delta<long>, a.reader(), std::vector{b.writer(), d.writer()});
  net.spawn("successor", nw::successor<long>, b.reader(), c.writer());
  net.spawn("consumer", [&seen](csp::reader<long> in) {
    for (long i = 0; i < n; ++i) seen.push_back(in.recv());
    in.poison();  // the ring has no end of its own: poison stops it
  }, d.reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], i);
}

// §2 Termination: "When all writers of a channel have retired, readers drain what is
// buffered and then see end-of-stream" — end-of-stream flows through a chain of identity
// stages, every value first.
TEST_P(conformance, networks_identity_chain_passes_end_of_stream_after_every_value) {
  csp::network net("chain");
  constexpr int stages = 20, values = 100;
  std::vector<csp::channel<int>> links;
  for (int i = 0; i <= stages; ++i) links.push_back(net.channel<int>("link" + std::to_string(i), csp::buffered(4)));
  net.spawn("source", [](csp::writer<int> out) { for (int v = 0; v < values; ++v) out.send(v); }, links[0].writer());
  for (int i = 0; i < stages; ++i) {
    net.spawn("identity[" + std::to_string(i) + "]", nw::identity<int>, links[i].reader(), links[i + 1].writer());
  }
  long sum = 0;
  int count = 0;
  CSP_SHARED(sum, count);
  net.spawn("sink", [&](csp::reader<int> in) { for (int v : in) { sum += v; ++count; } }, links[stages].reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(count, values);
  EXPECT_EQ(sum, values * (values - 1) / 2);
}

// §2 Termination: "When all readers have retired, writers get csp::retired" — delta ends
// when a downstream reader leaves, and retires its input on the way out.
TEST_P(conformance, networks_delta_ends_when_a_reader_retires) {
  csp::network net("delta");
  auto in = net.channel<int>("in"), left = net.channel<int>("left"), right = net.channel<int>("right");
  std::atomic<bool> source_saw_retired{false};
  CSP_SHARED(source_saw_retired);
  place_on_mpi({{"left", {0}}, {"right", {0}}});
  net.spawn("source", [&](csp::writer<int> out) {
    try {
      for (int v = 0;; ++v) out.send(v);
    } catch (const csp::retired&) {
      source_saw_retired = true;
    }
  }, in.writer());
  net.spawn("delta", nw::delta<int>, in.reader(), std::vector{left.writer(), right.writer()});
  net.spawn("left", [](csp::reader<int> r) { for (int k = 0; k < 3; ++k) r.recv(); }, left.reader());
  net.spawn("right", [](csp::reader<int> r) { for (int v : r) (void)v; }, right.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_TRUE(source_saw_retired);
}

}  // namespace
