// csp::parallel_for (csp/parallel.hpp) inside a process, on every backend: each index exactly
// once, an exception reaches the caller, and the process is itself again afterwards (on tbb the
// caller's worker may run other work while it waits for the chunks).
#include <atomic>
#include <stdexcept>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

// csp/parallel.hpp: "Calls body(i) for every i in [0, n) ... returns when all calls have
// returned" — every index once, and all of them before parallel_for returns.
TEST_P(conformance, parallel_for_calls_every_index_once_before_it_returns) {
  constexpr std::size_t n = 10'000;
  std::vector<std::atomic<int>> calls(n);
  std::size_t seen_after = 0;
  CSP_SHARED(calls, seen_after);
  csp::network net("parallel");
  net.spawn("stage", [&] {
    csp::parallel_for(n, [&](std::size_t i) { calls[i].fetch_add(1, std::memory_order_relaxed); }, 64);
    for (auto& c : calls) seen_after += static_cast<std::size_t>(c.load(std::memory_order_relaxed));
  });
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(seen_after, n);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(calls[i].load(), 1) << "index " << i;
}

// csp/parallel.hpp: "It may throw; the first exception reaches the caller" — and §2
// Termination: "A process that throws anything else poisons the network; run ... rethrows the
// first error, naming the process".
TEST_P(conformance, parallel_for_passes_an_exception_to_its_caller) {
  csp::network net("parallel");
  bool caught = false;
  CSP_SHARED(caught);
  net.spawn("catcher", [&] {
    try {
      csp::parallel_for(1000, [](std::size_t i) { if (i == 500) throw std::runtime_error("chunk 500"); });
    } catch (const std::runtime_error& e) {
      caught = std::string(e.what()) == "chunk 500";
    }
  });
  net.spawn("thrower", [] { csp::parallel_for(100, [](std::size_t) { throw std::logic_error("bad stage"); }); });
  const std::string what = what_of<csp::process_error>([&] { run(net); });
  EXPECT_TRUE(caught);
  EXPECT_THAT(what, ::testing::HasSubstr("thrower"));
  EXPECT_THAT(what, ::testing::HasSubstr("bad stage"));
}

// §2 Channels: "A rendezvous send returns only when a reader has taken the value" — stages that
// compute with parallel_for between communications keep communicating correctly, while other
// processes block and wake around them (on tbb, the waiting worker may run their resumptions).
TEST_P(conformance, parallel_for_between_communications_keeps_each_process_itself) {
  constexpr int stages = 4, values = 200;
  csp::network net("parallel pipeline");
  std::vector<csp::channel<long>> links;
  for (int i = 0; i <= stages; ++i) links.push_back(net.channel<long>("link" + std::to_string(i)));
  net.spawn("source", [](csp::writer<long> out) { for (long v = 0; v < values; ++v) out.send(v); out.retire(); },
            links[0].writer());
  for (int s = 0; s < stages; ++s) {
    net.spawn("stage" + std::to_string(s), [](csp::reader<long> in, csp::writer<long> out) {
      for (long v : in) {
        std::vector<long> parts(64);
        csp::parallel_for(parts.size(), [&](std::size_t i) { parts[i] = v + static_cast<long>(i % 2); });
        long sum = 0;
        for (long p : parts) sum += p;
        out.send(sum / 64);  // v + 0.5, rounded down: v
      }
      out.retire();
    }, links[s].reader(), links[s + 1].writer());
  }
  std::vector<long> got;
  CSP_SHARED(got);
  net.spawn("sink", [&](csp::reader<long> in) { for (long v : in) got.push_back(v); }, links[stages].reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(values));
  for (int v = 0; v < values; ++v) ASSERT_EQ(got[static_cast<std::size_t>(v)], v);
}

}  // namespace
