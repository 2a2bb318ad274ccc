// Conformance: channels (DESIGN.md section 2, "Channels" and "Nothing is lost").
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

using ::testing::ElementsAre;

// The flavors whose values all reach a reader (overwriting drops by design).
std::vector<csp::flavor> lossless_flavors() {
  return {csp::rendezvous(), csp::buffered(1), csp::buffered(8), csp::unbounded()};
}

std::string flavor_name(csp::flavor f) {
  return csp::channel<int>::make("x", f).core()->flavor();
}

// §2 Channels: "A rendezvous send returns only when a reader has taken the value."
// `w` sends on c, then on d; `r` receives on d first, then on c. With a true rendezvous each
// waits for the other: a deadlock. A send that returned before the value was taken would let
// both finish.
TEST_P(conformance, channels_rendezvous_send_waits_until_the_value_is_taken) {
  csp::network net;
  auto c = net.channel<int>("c");
  auto d = net.channel<int>("d");
  net.spawn("w", [](csp::writer<int> c, csp::writer<int> d) { c.send(1); d.send(2); },
            c.writer(), d.writer());
  net.spawn("r", [](csp::reader<int> c, csp::reader<int> d) { d.recv(); c.recv(); },
            c.reader(), d.reader());
  EXPECT_THROW(run(net), csp::deadlock);
}

// Control for the case above: with room for one value the same network finishes.
TEST_P(conformance, channels_buffered_send_does_not_wait_for_the_reader) {
  csp::network net;
  auto c = net.channel<int>("c", csp::buffered(1));
  auto d = net.channel<int>("d");
  int got = 0;
  CSP_SHARED(got);
  net.spawn("w", [](csp::writer<int> c, csp::writer<int> d) { c.send(1); d.send(2); },
            c.writer(), d.writer());
  net.spawn("r", [&got](csp::reader<int> c, csp::reader<int> d) { got = d.recv() + c.recv(); },
            c.reader(), d.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(got, 3);
}

// §2 Channels: "A rendezvous send returns only when a reader has taken the value."
// The reader counts its recv calls before each one and its receptions after; when send(i)
// returns, recv number i+1 must have begun and i receptions must be complete.
TEST_P(conformance, channels_rendezvous_send_returns_only_after_the_matching_recv_began) {
  if (skip_on_mpi("the writer reads the counters the reader updates, through shared memory")) return;
  constexpr int n = 2000;
  std::atomic<int> calls{0}, received{0};
  int violations = 0, out_of_order = 0;
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("writer", [&](csp::writer<int> out) {
    for (int i = 0; i < n; ++i) {
      out.send(i);
      if (calls.load() < i + 1 || received.load() < i) ++violations;
    }
  }, c.writer());
  net.spawn("reader", [&](csp::reader<int> in) {
    for (int i = 0; i < n; ++i) {
      calls.fetch_add(1);
      if (in.recv() != i) ++out_of_order;
      received.fetch_add(1);
    }
  }, c.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(violations, 0);
  EXPECT_EQ(out_of_order, 0);
}

// §2 Channels: flavors "bounded FIFO, unbounded FIFO": values from one writer arrive in the
// order sent, whatever the other writers do.
TEST_P(conformance, channels_fifo_order_per_writer_with_several_writers) {
  constexpr int writers = 4, per_writer = 500;
  for (csp::flavor f : lossless_flavors()) {
    SCOPED_TRACE(flavor_name(f));
    csp::network net;
    auto c = net.channel<std::pair<int, int>>("c", f);
    std::vector<std::pair<int, int>> got;
    CSP_SHARED(got);
    net.spawn_n(writers, "writer", [](csp::replica me, csp::writer<std::pair<int, int>> out) {
      for (int s = 0; s < per_writer; ++s) out.send({static_cast<int>(me.index), s});
      out.retire();
    }, c.writer());
    net.spawn("reader", [&got](csp::reader<std::pair<int, int>> in) {
      for (auto v : in) got.push_back(v);
    }, c.reader());
    EXPECT_EQ(run(net), 0);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(writers * per_writer));
    std::vector<int> next(writers, 0);
    for (auto [w, s] : got) {
      ASSERT_EQ(s, next[w]) << "writer " << w;
      ++next[w];
    }
  }
}

// §2 Channels: "any-to-any: any number of reader and writer ends"; "Nothing is lost": every
// value sent is received, exactly once.
TEST_P(conformance, channels_any_to_any_every_value_received_exactly_once) {
  constexpr int writers = 4, readers = 3, per_writer = 1000;
  for (csp::flavor f : lossless_flavors()) {
    SCOPED_TRACE(flavor_name(f));
    csp::network net;
    auto c = net.channel<int>("c", f);
    std::vector<std::vector<int>> got(readers);
    CSP_SHARED(got);
    net.spawn_n(writers, "writer", [](csp::replica me, csp::writer<int> out) {
      for (int s = 0; s < per_writer; ++s) out.send(static_cast<int>(me.index) * per_writer + s);
    }, c.writer());
    net.spawn_n(readers, "reader", [&got](csp::replica me, csp::reader<int> in) {
      for (int v : in) got[me.index].push_back(v);
    }, c.reader());
    EXPECT_EQ(run(net), 0);
    std::vector<int> all;
    for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected(writers * per_writer);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected);
  }
}

// The writer sends 0..n-1 on a channel of `flavor`, retires, and only then lets the reader
// start, which drains the channel into `got` to end-of-stream: what a writer can do before any
// reader has run.
void send_all_then_drain(csp::network& net, csp::flavor flavor, int n, std::vector<int>& got) {
  auto data = net.channel<int>("data", flavor);
  auto go = net.channel<int>("go");
  net.spawn("writer", [n](csp::writer<int> out, csp::writer<int> go) {
    for (int i = 0; i < n; ++i) out.send(i);
    out.retire();
    go.send(0);
  }, data.writer(), go.writer());
  net.spawn("reader", [&got](csp::reader<int> in, csp::reader<int> go) {
    go.recv();
    for (int v : in) got.push_back(v);
  }, data.reader(), go.reader());
}

// §2 Channels: bounded FIFO. A writer waits only when the buffer is full: it can put
// `capacity` values in before any reader runs (else this would deadlock), and not one more
// (the next case).
TEST_P(conformance, channels_bounded_writer_fills_the_buffer_without_waiting) {
  csp::network net;
  std::vector<int> got;
  CSP_SHARED(got);
  send_all_then_drain(net, csp::buffered(4), 4, got);
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(0, 1, 2, 3));
}

TEST_P(conformance, channels_bounded_writer_waits_when_the_buffer_is_full) {
  csp::network net;
  std::vector<int> got;
  send_all_then_drain(net, csp::buffered(4), 5, got);
  EXPECT_THROW(run(net), csp::deadlock);
}

// §2 Channels: unbounded FIFO: writers never wait.
TEST_P(conformance, channels_unbounded_writer_never_waits) {
  constexpr int n = 20'000;
  csp::network net;
  std::vector<int> got;
  CSP_SHARED(got);
  send_all_then_drain(net, csp::unbounded(), n, got);
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[i], i);
}

// §2 Channels: "overwriting (keeps the newest N)"; its writers never wait.
TEST_P(conformance, channels_overwriting_keeps_the_newest) {
  csp::network net;
  std::vector<int> got;
  CSP_SHARED(got);
  send_all_then_drain(net, csp::overwriting(3), 100, got);
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(97, 98, 99));
}

// §2 Channels: overwriting with a live reader: what arrives is in order and a subset of what
// was sent, and the newest value is never lost (the writer ends last).
TEST_P(conformance, channels_overwriting_with_a_concurrent_reader_delivers_in_order) {
  constexpr int n = 5000;
  csp::network net;
  auto data = net.channel<int>("data", csp::overwriting(2));
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("writer", [](csp::writer<int> out) {
    for (int i = 0; i < n; ++i) out.send(i);
  }, data.writer());
  net.spawn("reader", [&got](csp::reader<int> in) {
    for (int v : in) got.push_back(v);
  }, data.reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
  EXPECT_EQ(got.back(), n - 1);
}

// §2 Channels: values of any (nothrow-movable) type, moved through without copies.
TEST_P(conformance, channels_carry_move_only_values) {
  if (skip_on_mpi("std::unique_ptr has no codec: a pointer cannot cross ranks")) return;
  csp::network net;
  auto c = net.channel<std::unique_ptr<int>>("boxes");
  int sum = 0;
  net.spawn("writer", [](csp::writer<std::unique_ptr<int>> out) {
    for (int i = 1; i <= 10; ++i) out.send(std::make_unique<int>(i));
  }, c.writer());
  net.spawn("reader", [&sum](csp::reader<std::unique_ptr<int>> in) {
    for (auto& p : in) sum += *p;
  }, c.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(sum, 55);
}

// §2 Channels inside a run: try_send / try_recv never wait and hand a refused value back.
TEST_P(conformance, channels_try_operations_inside_a_run) {
  csp::network net;
  auto c = net.channel<std::string>("c", csp::buffered(1));
  auto go = net.channel<int>("go");
  std::vector<csp::status> seen;
  std::string kept;
  net.spawn("writer", [&](csp::writer<std::string> out, csp::writer<int> go) {
    seen.push_back(out.try_send(std::string("first")));
    std::string second = "second";
    seen.push_back(out.try_send(std::move(second)));
    kept = second;
    out.retire();
    go.send(0);
  }, c.writer(), go.writer());
  std::string got;
  csp::status after_end = csp::status::ok;
  CSP_SHARED(seen, kept, got, after_end);
  net.spawn("reader", [&](csp::reader<std::string> in, csp::reader<int> go) {
    go.recv();
    in.try_recv(got);
    std::string rest;
    after_end = in.try_recv(rest);
  }, c.reader(), go.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(seen, ElementsAre(csp::status::ok, csp::status::would_block));
  EXPECT_EQ(kept, "second");
  EXPECT_EQ(got, "first");
  EXPECT_EQ(after_end, csp::status::retired);
}

// §2 Nothing is lost: "every value sent is either received, or its sender gets an error",
// received once, whatever its size. Values of 64 KiB and more, which the mpi backend moves in
// place, by a message of their own, from the sender's storage into the receiver's
// (backends/mpi/README.md, "Large values"): three writers send vectors, a fourth long strings;
// one reader receives blocks plainly, the other alts over both channels. On mpi the two
// placements make every path of such a value cross ranks: an offer to the home (rank 0) from
// another rank and from its own, a completion of the plain reader on rank 1, and a claim that
// carries the value to the alt on rank 1.
TEST_P(conformance, channels_large_values_arrive_whole_and_exactly_once) {
  constexpr int writers = 3, per_writer = 4, texts = 3;
  auto block_of = [](int w, int s) {
    std::vector<std::uint32_t> b(16 * 1024 + 1000 * static_cast<std::size_t>(s) + static_cast<std::size_t>(w));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint32_t>(w * 1'000'000 + s * 1000) + i % 997;
    return b;
  };
  auto text_of = [](int s) {
    std::string t(70'000 + static_cast<std::size_t>(s), ' ');
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<char>('a' + (static_cast<std::size_t>(s) + i) % 26);
    return t;
  };
  for (int plain = 0; plain < 2; ++plain)
  for (csp::flavor f : lossless_flavors()) {
    SCOPED_TRACE(flavor_name(f) + ", the plain reader on rank " + std::to_string(plain));
    place_on_mpi({{"writer*", {0, 1}}, {"text_writer", {0}}, {"plain_reader", {plain}}, {"alt_reader", {1 - plain}}});
    csp::network net;
    auto c = net.channel<std::vector<std::uint32_t>>("blocks", f);
    auto d = net.channel<std::string>("texts", f);
    // Each reader's: w * 100 + s for a block, 10'000 + s for a text.
    std::array<std::vector<int>, 2> got;
    std::array<int, 2> damaged{0, 0};
    CSP_SHARED(got, damaged);
    net.spawn_n(writers, "writer", [&](csp::replica me, csp::writer<std::vector<std::uint32_t>> out) {
      for (int s = 0; s < per_writer; ++s) out.send(block_of(static_cast<int>(me.index), s));
    }, c.writer());
    net.spawn("text_writer", [&](csp::writer<std::string> out) {
      for (int s = 0; s < texts; ++s) out.send(text_of(s));
    }, d.writer());
    auto check_block = [&](int reader, const std::vector<std::uint32_t>& b) {
      const int w = static_cast<int>(b.at(0) / 1'000'000), s = static_cast<int>(b.at(0) % 1'000'000 / 1000);
      if (b != block_of(w, s)) ++damaged[reader];
      got[reader].push_back(w * 100 + s);
    };
    net.spawn("plain_reader", [&](csp::reader<std::vector<std::uint32_t>> in) {
      for (const auto& b : in) check_block(0, b);
    }, c.reader());
    net.spawn("alt_reader", [&](csp::reader<std::vector<std::uint32_t>> in, csp::reader<std::string> text) {
      bool blocks = true;  // until the writers have ended
      int seen = 0;        // texts: the text channel ends after the last (a guard on it would throw)
      while (blocks || seen < texts) {
        try {
          csp::select(csp::input(in, [&](const std::vector<std::uint32_t>& b) { check_block(1, b); }).when(blocks),
                      csp::input(text, [&](std::string t) {
            const int s = static_cast<int>(t.size()) - 70'000;
            if (s < 0 || t != text_of(s)) ++damaged[1];
            got[1].push_back(10'000 + s);
            ++seen;
          }).when(seen < texts));
        } catch (const csp::retired&) {
          blocks = false;
        }
      }
    }, c.reader(), d.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(damaged[0] + damaged[1], 0);
    std::vector<int> all = got[0];
    all.insert(all.end(), got[1].begin(), got[1].end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected;
    for (int w = 0; w < writers; ++w) {
      for (int s = 0; s < per_writer; ++s) expected.push_back(w * 100 + s);
    }
    for (int s = 0; s < texts; ++s) expected.push_back(10'000 + s);
    EXPECT_EQ(all, expected);
  }
}

}  // namespace
