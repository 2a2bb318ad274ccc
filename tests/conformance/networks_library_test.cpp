// The networks library (networks/*.hpp, docs/networks.md) on every backend: each component's
// output, checked exactly, and its termination rule (end-of-stream flows through; a retired
// reader downstream ends it; poison ends it), then the components composed.
//
// The one-in-one-out components run through three harnesses that share the shape
//   source --in--> [component] --out--> sink
// with hand-written sources and sinks (so that a fault in generator or collector shows in
// their own cases, not in every case).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ranges>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <networks/networks.hpp>

#include "conformance/conformance.hpp"

namespace {

namespace nw = csp::networks;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

std::vector<int> naturals(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

struct square {
  int operator()(const int& v) const { return v * v; }
};

/// Pure, with a cost that depends on the value: v % 13 rounds of a mixing loop. The result
/// carries the loop's checksum, so the loop cannot be optimised away and the test computes the
/// expected value with the same functor.
struct uneven_work {
  long operator()(const int& v) const {
    std::uint64_t h = static_cast<std::uint64_t>(v) + 1;
    for (int i = 0; i < (v % 13) * 1500; ++i) h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<long>(v) * 1000 + static_cast<long>(h % 1000);
  }
};

/// Builds the component under test between `in` and `out`.
using spawn_fn = std::function<void(csp::network&, csp::reader<int>, csp::writer<int>)>;

/// How the source ends after its values.
enum class source_end { retire, poison };

/// Sends `values` into the component, then retires (or poisons) its input; returns everything
/// that came out before end-of-stream (so a component that did not pass end-of-stream on
/// hangs, and shows as csp::deadlock).
std::vector<int> through(const csp::config& cfg, const std::vector<int>& values, const spawn_fn& spawn,
                         csp::flavor in_flavor = csp::rendezvous(), source_end end = source_end::retire) {
  csp::network net("through");
  auto in = net.channel<int>("in", in_flavor);
  auto out = net.channel<int>("out");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("source", [&values, end](csp::writer<int> w) {
    for (int v : values) w.send(v);
    if (end == source_end::poison) {
      w.poison();
    } else {
      w.retire();
    }
  }, in.writer());
  spawn(net, in.reader(), out.writer());
  net.spawn("sink", [&got](csp::reader<int> r) { for (int v : r) got.push_back(v); }, out.reader());
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  return got;
}

/// Sends 0, 1, 2, ... until told to stop; the sink takes `take` values and retires. Returns
/// what the sink took; `source_saw_retired` says whether the retire travelled back up.
std::vector<int> until_reader_retires(const csp::config& cfg, int take, const spawn_fn& spawn,
                                      bool& source_saw_retired) {
  csp::network net("reader-retires");
  auto in = net.channel<int>("in");
  auto out = net.channel<int>("out");
  std::vector<int> got;
  source_saw_retired = false;
  CSP_SHARED(got, source_saw_retired);
  net.spawn("source", [&source_saw_retired](csp::writer<int> w) {
    try {
      for (int v = 0;; ++v) w.send(v);
    } catch (const csp::retired&) {
      source_saw_retired = true;
    }
  }, in.writer());
  spawn(net, in.reader(), out.writer());
  net.spawn("sink", [&got, take](csp::reader<int> r) {
    for (int k = 0; k < take; ++k) got.push_back(r.recv());
    r.retire();
  }, out.reader());
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  return got;
}

/// Sends `values` (each taken by the component: rendezvous), then poisons `in`; returns what
/// came out before the component ended and `out` retired.
std::vector<int> until_poisoned(const csp::config& cfg, const std::vector<int>& values, const spawn_fn& spawn) {
  return through(cfg, values, spawn, csp::rendezvous(), source_end::poison);
}

/// A one-in-one-out component and what it must send for a given input.
struct component {
  const char* name;
  spawn_fn spawn;
  std::function<std::vector<int>(const std::vector<int>&)> expected;
  csp::flavor in_flavor = csp::rendezvous();
};

template <class Body>
spawn_fn spawn_of(const char* name, Body body) {
  return [name, body](csp::network& net, csp::reader<int> in, csp::writer<int> out) {
    net.spawn(name, body, std::move(in), std::move(out));
  };
}

std::vector<int> map_each(const std::vector<int>& in, int (*f)(int)) {
  std::vector<int> out;
  for (int v : in) out.push_back(f(v));
  return out;
}

std::vector<component> one_in_one_out() {
  return {
      {"identity", spawn_of("identity", nw::identity<int>), [](const std::vector<int>& in) { return in; }},
      {"prefix",
       [](csp::network& net, csp::reader<int> in, csp::writer<int> out) {
         net.spawn("prefix", nw::prefix<int>, -1, std::move(in), std::move(out));
       },
       [](const std::vector<int>& in) {
         std::vector<int> out{-1};
         out.insert(out.end(), in.begin(), in.end());
         return out;
       }},
      {"tail", spawn_of("tail", nw::tail<int>),
       [](const std::vector<int>& in) { return in.empty() ? in : std::vector<int>(in.begin() + 1, in.end()); }},
      {"successor", spawn_of("successor", nw::successor<int>),
       [](const std::vector<int>& in) { return map_each(in, [](int v) { return v + 1; }); }},
      {"pairs", spawn_of("pairs", nw::pairs<int>),
       [](const std::vector<int>& in) {
         std::vector<int> out;
         for (std::size_t i = 1; i < in.size(); ++i) out.push_back(in[i - 1] + in[i]);
         return out;
       }},
      {"map", spawn_of("map", nw::map(square{})),
       [](const std::vector<int>& in) { return map_each(in, [](int v) { return v * v; }); }},
      {"map batched", spawn_of("map", nw::map(square{}, {.batch = 16, .grain = 4})),
       [](const std::vector<int>& in) { return map_each(in, [](int v) { return v * v; }); },
       csp::buffered(64)},
      {"pipeline",
       [](csp::network& net, csp::reader<int> in, csp::writer<int> out) {
         nw::pipeline(net, "p", std::move(in), std::move(out), nw::successor<int>, square{});
       },
       [](const std::vector<int>& in) { return map_each(in, [](int v) { return (v + 1) * (v + 1); }); }},
      // A run of three maps, which pipeline fuses (its head also holds a writer of `out`).
      {"pipeline of fused maps",
       [](csp::network& net, csp::reader<int> in, csp::writer<int> out) {
         nw::pipeline(net, "m", std::move(in), std::move(out), nw::map(square{}), [](const int& v) { return v + 1; },
                      nw::map([](const int& v) { return -v; }, {.batch = 4}));
       },
       [](const std::vector<int>& in) { return map_each(in, [](int v) { return -(v * v + 1); }); }},
  };
}

// Each component's own rule (networks/plumbing.hpp, arith.hpp, stages.hpp, pipeline.hpp):
// what it sends for 0..n-1, exactly and in order, and "they end at end-of-stream on their
// input, retiring their outputs (so end-of-stream flows downstream)" — the sink's range-for
// ends after the last value. Also for an empty stream and a single value.
TEST_P(conformance, networks_one_in_one_out_components_send_exactly_their_output_then_end_of_stream) {
  for (const component& c : one_in_one_out()) {
    for (int n : {0, 1, 300}) {
      SCOPED_TRACE(std::string(c.name) + " of " + std::to_string(n) + " values");
      const std::vector<int> input = naturals(n);
      EXPECT_EQ(through(GetParam(), input, c.spawn, c.in_flavor), c.expected(input));
    }
  }
}

// §2 Termination: "When all readers have retired, writers get csp::retired" — each component
// ends when the reader downstream retires, and its input end retires on the way out, so the
// retire reaches the source. What the sink took before is exact.
TEST_P(conformance, networks_one_in_one_out_components_end_when_their_reader_retires) {
  for (const component& c : one_in_one_out()) {
    SCOPED_TRACE(c.name);
    bool source_saw_retired = false;
    const std::vector<int> expected = c.expected(naturals(20));
    EXPECT_THAT(until_reader_retires(GetParam(), 5, c.spawn, source_saw_retired),
                ElementsAreArray(expected.begin(), expected.begin() + 5));
    EXPECT_TRUE(source_saw_retired);
  }
}

// Each component's rule: "Poison is not caught: the process ends with it, and its ends retire
// as they are destroyed" — after poison on its input it has sent exactly what it sends for
// the values it took (all of them: rendezvous), and downstream sees end-of-stream.
TEST_P(conformance, networks_one_in_one_out_components_end_on_poison_and_retire_their_output) {
  for (const component& c : one_in_one_out()) {
    SCOPED_TRACE(c.name);
    const std::vector<int> input = naturals(40);
    EXPECT_EQ(until_poisoned(GetParam(), input, c.spawn), c.expected(input));
  }
}

// map's rule (stages.hpp): "Sends f(v) for every v, in input order", for an f whose result is
// of another type than its input; with batches, whatever the batches turn out to be.
TEST_P(conformance, networks_map_stage_changes_the_type_and_keeps_the_order) {
  for (std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    csp::network net("map");
    auto in = net.channel<int>("in", csp::buffered(32));
    auto out = net.channel<std::string>("out", csp::buffered(8));
    std::vector<std::string> got;
    CSP_SHARED(got);
    net.spawn("source", nw::generator(std::views::iota(0, 500)), in.writer());
    net.spawn("to_string", nw::map([](const int& v) { return std::to_string(v); }, {.batch = batch, .grain = 3}),
              in.reader(), out.writer());
    net.spawn("sink", nw::collector(got), out.reader());
    EXPECT_EQ(run(net), 0);
    ASSERT_EQ(got.size(), 500u);
    for (int i = 0; i < 500; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], std::to_string(i));
  }
}

/// Runs reduce(op, init, options) over `values`; returns what it sent (one value, or none).
template <class T, class F>
std::vector<T> reduced(const csp::config& cfg, const std::vector<T>& values, F op, T init,
                       nw::stage_options options) {
  csp::network net("reduce");
  auto in = net.channel<T>("in", csp::buffered(64));
  auto out = net.channel<T>("out");
  std::vector<T> got;
  CSP_SHARED(got);
  net.spawn("source", nw::generator(values), in.writer());
  net.spawn("reduce", nw::reduce(op, init, options), in.reader(), out.writer());
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  return got;
}

// reduce's rule (stages.hpp): "Folds every value into init ... and sends that one value at
// end-of-stream (init itself for an empty stream)"; batches folded in parallel chunks stay
// exact for an op that is associative but not commutative (string concatenation).
TEST_P(conformance, networks_reduce_sends_one_fold_at_end_of_stream) {
  std::vector<std::string> words;
  std::string joined = ">";
  for (int i = 0; i < 300; ++i) {
    words.push_back(std::to_string(i) + ",");
    joined += words.back();
  }
  const std::vector<long> numbers = {3, 1, 4, 1, 5, 9, 2, 6};
  for (std::size_t batch : {std::size_t{1}, std::size_t{5}, std::size_t{64}}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const nw::stage_options options{.batch = batch, .grain = 4};
    EXPECT_THAT(reduced(GetParam(), words, std::plus<std::string>{}, std::string(">"), options), ElementsAre(joined));
    EXPECT_THAT(reduced(GetParam(), numbers, std::plus<long>{}, 100L, options), ElementsAre(131L));
    EXPECT_THAT(reduced(GetParam(), std::vector<long>{}, std::plus<long>{}, 7L, options), ElementsAre(7L));
  }
}

// reduce's rule: "Poison ends it without sending"; and a reader that retired before the one
// send ends it with csp::retired (the run ends normally).
TEST_P(conformance, networks_reduce_ends_on_poison_without_sending_and_on_a_retired_reader) {
  const spawn_fn sum = spawn_of("sum", nw::reduce(std::plus<int>{}, 0));
  EXPECT_THAT(until_poisoned(GetParam(), naturals(10), sum), IsEmpty());

  csp::network net("reduce-reader-gone");
  auto in = net.channel<int>("in");
  auto out = net.channel<int>("out");
  net.spawn("source", nw::generator(std::views::iota(0, 50)), in.writer());
  sum(net, in.reader(), out.writer());
  net.spawn("gone", [](csp::reader<int> r) { r.retire(); }, out.reader());
  EXPECT_EQ(run(net), 0);
}

// plus's rule (arith.hpp): "Element by element: sends a0 + b0, a1 + b1, ... in whichever order
// they come (an alt), so it imposes no order on its producers" — one producer that always
// feeds b before a (over rendezvous channels) — and "Ends at end-of-stream on either input".
TEST_P(conformance, networks_plus_adds_element_by_element_and_ends_with_the_shorter_input) {
  csp::network net("plus");
  auto a = net.channel<int>("a"), b = net.channel<int>("b"), out = net.channel<int>("out");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("b-then-a", [](csp::writer<int> wa, csp::writer<int> wb) {
    for (int i = 0; i < 100; ++i) {
      wb.send(1000 * i);
      wa.send(i);
    }
    wb.retire();                             // b ends first: a's 101st value is never summed
    try { wa.send(-1); } catch (const csp::retired&) {}
  }, a.writer(), b.writer());
  net.spawn("plus", nw::plus<int>, a.reader(), b.reader(), out.writer());
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], 1001 * i);
}

// plus's termination: a retired reader ends it, and both its inputs retire; poison on an
// input ends it too, after the sums of the complete rounds, and `out` sees end-of-stream.
TEST_P(conformance, networks_plus_ends_when_its_reader_retires_and_on_poison) {
  place_on_mpi({{"a", {0}}, {"b", {0}}, {"plus", {1}}});
  for (bool poison : {false, true}) {
    SCOPED_TRACE(poison ? "poison on a" : "reader retires");
    csp::network net("plus");
    auto a = net.channel<int>("a"), b = net.channel<int>("b"), out = net.channel<int>("out");
    bool b_saw_retired = false;
    std::vector<int> sums;
    CSP_SHARED(b_saw_retired, sums);
    net.spawn("a", [poison](csp::writer<int> w) {
      for (int v = 0;; ++v) {
        if (poison && v == 5) return w.poison();
        w.send(v);
      }
    }, a.writer());
    net.spawn("b", [&b_saw_retired](csp::writer<int> w) {
      try {
        for (int v = 0;; ++v) w.send(v);
      } catch (const csp::retired&) {
        b_saw_retired = true;
      }
    }, b.writer());
    net.spawn("plus", nw::plus<int>, a.reader(), b.reader(), out.writer());
    net.spawn("sink", [&sums, poison](csp::reader<int> r) {
      if (poison) {
        for (int v : r) sums.push_back(v);
      } else {
        for (int k = 0; k < 3; ++k) sums.push_back(r.recv());
        r.retire();
      }
    }, out.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_TRUE(b_saw_retired);
    if (poison) {
      EXPECT_THAT(sums, ElementsAre(0, 2, 4, 6, 8));
    } else {
      EXPECT_THAT(sums, ElementsAre(0, 2, 4));
    }
  }
}

/// Which input a merged value came from, and its place in that input: value = 10000 * k + i.
int input_of(int v) { return v / 10000; }
int place_of(int v) { return v % 10000; }

// merge's rule (fan.hpp): "sends every value from every input to out ... Values from one input
// keep their order. Ends when every input has reached end-of-stream ... then retires out" —
// inputs of different lengths end at different times; every value arrives once, in its
// input's order, and the sink sees end-of-stream after the last.
TEST_P(conformance, networks_merge_delivers_every_value_in_input_order_then_end_of_stream) {
  const std::vector<int> lengths{150, 10, 0, 220};
  csp::network net("merge");
  auto out = net.channel<int>("out");
  std::vector<csp::reader<int>> ins;
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    auto c = net.channel<int>("in" + std::to_string(k));
    ins.push_back(c.reader());
    net.spawn("source" + std::to_string(k), [k, n = lengths[k]](csp::writer<int> w) {
      for (int i = 0; i < n; ++i) w.send(10000 * static_cast<int>(k) + i);
    }, c.writer());
  }
  net.spawn("merge", nw::merge<int>, std::move(ins), out.writer());
  std::vector<int> got;
  CSP_SHARED(got);
  place_on_mpi({{"source*", {0}}, {"merge", {1}}});
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(run(net), 0);
  std::vector<int> next(lengths.size(), 0);
  for (int v : got) {
    const auto k = static_cast<std::size_t>(input_of(v));
    ASSERT_LT(k, lengths.size());
    ASSERT_EQ(place_of(v), next[k]) << "input " << k << " out of order";
    ++next[k];
  }
  EXPECT_EQ(next, lengths);
}

// merge's rule: "each search starts after the input served last, so an input that stays ready
// is passed over at most ins.size() - 1 times in a row" (§2 Alternation: "fair_select rotates
// so that no ready guard starves"). The inputs are filled before merge starts (a sequence:
// fill, then merge), so each stays ready until it is drained: while W inputs still hold
// values, every W consecutive outputs hold one value of each. As each drains, its guard is
// disabled and the others go on.
TEST_P(conformance, networks_merge_is_fair_to_inputs_that_stay_ready) {
  const std::vector<int> lengths{60, 90, 120};
  csp::network net("merge-fair");
  std::vector<csp::reader<int>> ins;
  std::vector<csp::writer<int>> fills;
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    auto c = net.channel<int>("in" + std::to_string(k), csp::buffered(static_cast<std::size_t>(lengths[k])));
    ins.push_back(c.reader());
    fills.push_back(c.writer());
  }
  auto out = net.channel<int>("out");
  auto fill = [&lengths](std::vector<csp::writer<int>> ws) {  // never waits: each buffer holds all
    for (std::size_t k = 0; k < ws.size(); ++k) {
      for (int i = 0; i < lengths[k]; ++i) ws[k].send(10000 * static_cast<int>(k) + i);
    }
  };
  net.spawn(csp::sequence("fill-then-merge", csp::process("fill", fill, std::move(fills)),
                          csp::process("merge", nw::merge<int>, std::move(ins), out.writer())));
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(got.size(), 270u);
  std::vector<int> delivered(lengths.size(), 0);
  for (std::size_t p = 0; p < got.size(); ++p) {
    std::set<int> holding;  // inputs with values left before position p
    for (std::size_t k = 0; k < lengths.size(); ++k) {
      if (delivered[k] < lengths[k]) holding.insert(static_cast<int>(k));
    }
    std::set<int> window;
    for (std::size_t q = p; q < std::min(got.size(), p + holding.size()); ++q) window.insert(input_of(got[q]));
    ASSERT_EQ(window, holding) << "at output " << p;
    ++delivered[static_cast<std::size_t>(input_of(got[p]))];
  }
}

// merge's rule: "a retired reader on out ends it at once", and its inputs retire as it ends:
// every source sees csp::retired. §2 Termination: "When all readers have retired, writers get
// csp::retired".
TEST_P(conformance, networks_merge_ends_when_its_reader_retires) {
  csp::network net("merge-retire");
  std::vector<csp::reader<int>> ins;
  std::atomic<int> sources_retired{0};
  CSP_SHARED(sources_retired);
  place_on_mpi({{"source*", {0}}, {"merge", {1}}});
  for (int k = 0; k < 3; ++k) {
    auto c = net.channel<int>("in" + std::to_string(k));
    ins.push_back(c.reader());
    net.spawn("source" + std::to_string(k), [&sources_retired](csp::writer<int> w) {
      try {
        for (int v = 0;; ++v) w.send(v);
      } catch (const csp::retired&) {
        ++sources_retired;
      }
    }, c.writer());
  }
  auto out = net.channel<int>("out");
  net.spawn("merge", nw::merge<int>, std::move(ins), out.writer());
  net.spawn("sink", [](csp::reader<int> r) { for (int k = 0; k < 30; ++k) r.recv(); r.retire(); }, out.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(sources_retired.load(), 3);
}

// merge's rule: "poison is not caught: the process ends with it, and its ends retire" — poison
// on one input ends merge after it has passed on every value it took; `out` sees
// end-of-stream and the other input's writer sees csp::retired.
TEST_P(conformance, networks_merge_ends_on_poison_and_retires_its_other_ends) {
  csp::network net("merge-poison");
  auto a = net.channel<int>("a"), b = net.channel<int>("b"), out = net.channel<int>("out");
  bool b_saw_retired = false;
  net.spawn("a", [](csp::writer<int> w) { for (int i = 0; i < 5; ++i) w.send(i); w.poison(); }, a.writer());
  net.spawn("b", [&b_saw_retired](csp::writer<int> w) {
    try {
      for (int i = 0;; ++i) w.send(10000 + i);
    } catch (const csp::retired&) {
      b_saw_retired = true;
    }
  }, b.writer());
  net.spawn("merge", nw::merge<int>, std::vector{a.reader(), b.reader()}, out.writer());
  std::vector<int> from_a;
  CSP_SHARED(b_saw_retired, from_a);
  place_on_mpi({{"a", {0}}, {"b", {0}}, {"merge", {1}}});
  net.spawn("sink", [&from_a](csp::reader<int> r) {
    for (int v : r) if (input_of(v) == 0) from_a.push_back(v);
  }, out.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(from_a, ElementsAre(0, 1, 2, 3, 4));
  EXPECT_TRUE(b_saw_retired);
}

// deal's rule (fan.hpp): "value k goes to outs[k % outs.size()], so each output sees its share
// in input order. Ends at end-of-stream on in, retiring every output."
TEST_P(conformance, networks_deal_sends_value_k_to_output_k_mod_n_then_end_of_stream) {
  constexpr int n = 3, values = 200;
  csp::network net("deal");
  auto in = net.channel<int>("in");
  std::vector<csp::writer<int>> outs;
  std::vector<std::vector<int>> got(n);
  CSP_SHARED(got);
  place_on_mpi({{"sink*", {0}}, {"deal", {1}}});
  for (int j = 0; j < n; ++j) {
    auto c = net.channel<int>("out" + std::to_string(j));
    outs.push_back(c.writer());
    net.spawn("sink" + std::to_string(j), nw::collector(got[static_cast<std::size_t>(j)]), c.reader());
  }
  net.spawn("source", nw::generator(std::views::iota(0, values)), in.writer());
  net.spawn("deal", nw::deal<int>, in.reader(), std::move(outs));
  EXPECT_EQ(run(net), 0);
  for (int j = 0; j < n; ++j) {
    std::vector<int> expected;
    for (int v = j; v < values; v += n) expected.push_back(v);
    EXPECT_EQ(got[static_cast<std::size_t>(j)], expected) << "output " << j;
  }
}

// deal's rule: "a retired reader on any output ends it", retiring the others and its input;
// and poison on its input ends it after dealing every value it took.
TEST_P(conformance, networks_deal_ends_when_a_reader_retires_and_on_poison) {
  place_on_mpi({{"sink*", {0}}, {"deal", {1}}});
  for (bool poison : {false, true}) {
    SCOPED_TRACE(poison ? "poison on in" : "output 1's reader retires");
    csp::network net("deal");
    auto in = net.channel<int>("in");
    std::vector<csp::channel<int>> chans{net.channel<int>("out0"), net.channel<int>("out1"), net.channel<int>("out2")};
    std::vector<std::vector<int>> got(3);
    bool source_saw_retired = false;
    CSP_SHARED(got, source_saw_retired);
    net.spawn("source", [&source_saw_retired, poison](csp::writer<int> w) {
      try {
        for (int v = 0;; ++v) {
          if (poison && v == 10) return w.poison();
          w.send(v);
        }
      } catch (const csp::retired&) {
        source_saw_retired = true;
      }
    }, in.writer());
    net.spawn("deal", nw::deal<int>, in.reader(), std::vector{chans[0].writer(), chans[1].writer(), chans[2].writer()});
    net.spawn("sink0", nw::collector(got[0]), chans[0].reader());
    net.spawn("sink2", nw::collector(got[2]), chans[2].reader());
    net.spawn("sink1", [&got, poison](csp::reader<int> r) {
      if (poison) return nw::collector(got[1])(std::move(r));
      for (int k = 0; k < 2; ++k) got[1].push_back(r.recv());
      r.retire();
    }, chans[1].reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(source_saw_retired, !poison);
    if (poison) {
      EXPECT_THAT(got, ElementsAre(ElementsAre(0, 3, 6, 9), ElementsAre(1, 4, 7), ElementsAre(2, 5, 8)));
    } else {  // value 7 was for output 1, whose reader had gone
      EXPECT_THAT(got, ElementsAre(ElementsAre(0, 3, 6), ElementsAre(1, 4), ElementsAre(2, 5)));
    }
  }
}

// generator's rule (sources.hpp): "Sends the elements of range in order, then retires out";
// a callable's values until it is exhausted (std::optional) or `count` values.
TEST_P(conformance, networks_generator_sends_a_range_or_a_callable_then_retires) {
  const std::vector<int> kept{5, 3, 8};
  std::vector<int> from_lvalue, from_rvalue, from_view, squares, countdown;
  CSP_SHARED(from_lvalue, from_rvalue, from_view, squares, countdown);
  csp::network net("generators");
  auto c1 = net.channel<int>("c1"), c2 = net.channel<int>("c2"), c3 = net.channel<int>("c3"),
       c4 = net.channel<int>("c4"), c5 = net.channel<int>("c5");
  net.spawn("lvalue", nw::generator(kept), c1.writer());
  net.spawn("rvalue", nw::generator(std::vector<int>{1, 2}), c2.writer());
  net.spawn("view", nw::generator(std::views::iota(0, 6) | std::views::filter([](int v) { return v % 2 == 1; })),
            c3.writer());
  net.spawn("squares", nw::generator([k = 0]() mutable { ++k; return k * k; }, 5), c4.writer());
  net.spawn("countdown", nw::generator([k = 4]() mutable { return k > 0 ? std::optional<int>(k--) : std::nullopt; }),
            c5.writer());
  net.spawn("sink1", nw::collector(from_lvalue), c1.reader());
  net.spawn("sink2", nw::collector(from_rvalue), c2.reader());
  net.spawn("sink3", nw::collector(from_view), c3.reader());
  net.spawn("sink4", nw::collector(squares), c4.reader());
  net.spawn("sink5", nw::collector(countdown), c5.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(from_lvalue, ElementsAre(5, 3, 8));
  EXPECT_THAT(from_rvalue, ElementsAre(1, 2));
  EXPECT_THAT(from_view, ElementsAre(1, 3, 5));
  EXPECT_THAT(squares, ElementsAre(1, 4, 9, 16, 25));
  EXPECT_THAT(countdown, ElementsAre(4, 3, 2, 1));
}

// generator's rule: "a retired reader on out ends them"; "poison is not caught: they end with
// it" — an unlimited generator stops either way, and the run ends.
TEST_P(conformance, networks_generator_ends_when_its_reader_retires_and_on_poison) {
  for (bool poison : {false, true}) {
    SCOPED_TRACE(poison ? "reader poisons" : "reader retires");
    csp::network net("generator");
    auto c = net.channel<int>("c");
    std::vector<int> got;
    CSP_SHARED(got);
    net.spawn("naturals", nw::generator([k = 0]() mutable { return k++; }), c.writer());
    net.spawn("sink", [&got, poison](csp::reader<int> r) {
      for (int k = 0; k < 7; ++k) got.push_back(r.recv());
      poison ? r.poison() : r.retire();
    }, c.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_THAT(got, ElementsAre(0, 1, 2, 3, 4, 5, 6));
  }
}

// collector's rule (sinks.hpp): "Appends every value, in the order received, to into" (any
// container with insert at its end) or "Calls each(value) for every value"; "they end at
// end-of-stream".
TEST_P(conformance, networks_collector_gathers_every_value_in_order) {
  csp::network net("collectors");
  auto a = net.channel<int>("a"), b = net.channel<int>("b"), c = net.channel<int>("c");
  std::deque<int> into_deque;
  std::multiset<int> into_set;
  std::vector<int> seen;
  CSP_SHARED(into_deque, into_set, seen);
  net.spawn("a", nw::generator(std::vector<int>{3, 1, 2}), a.writer());
  net.spawn("b", nw::generator(std::vector<int>{3, 1, 3}), b.writer());
  net.spawn("c", nw::generator(std::views::iota(0, 100)), c.writer());
  net.spawn("deque", nw::collector(into_deque), a.reader());
  net.spawn("set", nw::collector(into_set), b.reader());
  net.spawn("each", nw::collector([&seen](int v) { seen.push_back(v); }), c.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(into_deque, ElementsAre(3, 1, 2));
  EXPECT_THAT(into_set, ElementsAre(1, 3, 3));
  EXPECT_EQ(seen, naturals(100));
}

// The sinks' rule: "poison is not caught: they end with it, keeping what they took before";
// black_hole takes every value until end-of-stream, so its writer never waits for long.
TEST_P(conformance, networks_sinks_end_at_end_of_stream_and_on_poison) {
  place_on_mpi({{"to-*", {0}}, {"hole", {1}}, {"collector", {1}}});
  for (bool poison : {false, true}) {
    SCOPED_TRACE(poison ? "poison" : "end-of-stream");
    csp::network net("sinks");
    auto a = net.channel<int>("a"), b = net.channel<int>("b");
    int sent_to_hole = 0;
    std::vector<int> kept;
    CSP_SHARED(sent_to_hole, kept);
    auto source = [poison](int n, int* sent) {
      return [poison, n, sent](csp::writer<int> w) {
        for (int v = 0; v < n; ++v) {
          w.send(v);
          if (sent != nullptr) ++*sent;
        }
        poison ? w.poison() : w.retire();
      };
    };
    net.spawn("to-hole", source(200, &sent_to_hole), a.writer());
    net.spawn("to-collector", source(5, nullptr), b.writer());
    net.spawn("hole", nw::black_hole<int>, a.reader());
    net.spawn("collector", nw::collector(kept), b.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(sent_to_hole, 200);
    EXPECT_THAT(kept, ElementsAre(0, 1, 2, 3, 4));
  }
}

// ticker's rule (sources.hpp): "Sends tick 0, 1, 2, ... with a pause of period before each:
// tick k is sent no earlier than period after tick k - 1 was taken ... Ends after count ticks,
// retiring out". A lower bound only (correctness); no upper bound on time. The reader stamps
// the clock before each recv (b) and after it (a): tick k was sent at least `period` after
// tick k - 1 was taken, which was after b[k-1], and taken before a[k]; so
// a[k] >= tick[k].at >= b[k-1] + period, and tick[k].at >= tick[k-1].at + period.
TEST_P(conformance, networks_ticker_sends_counted_ticks_no_sooner_than_its_period) {
  using clock = std::chrono::steady_clock;
  constexpr auto period = std::chrono::milliseconds(2);
  csp::network net("ticker");
  auto ticks = net.channel<nw::tick>("ticks");
  std::vector<nw::tick> got;
  std::vector<clock::time_point> before, after;
  CSP_SHARED(got, before, after);
  net.spawn("clock", nw::ticker(period, 6), ticks.writer());
  net.spawn("reader", [&](csp::reader<nw::tick> r) {
    for (;;) {
      before.push_back(clock::now());
      try {
        got.push_back(r.recv());
      } catch (const csp::retired&) {
        return;  // end-of-stream after the 6th tick
      }
      after.push_back(clock::now());
    }
  }, ticks.reader());
  EXPECT_EQ(run(net), 0);
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].index, k);
    EXPECT_LE(got[k].at, after[k]);
    if (k == 0) continue;
    EXPECT_GE(got[k].at - got[k - 1].at, period) << "tick " << k;
    EXPECT_GE(got[k].at - before[k - 1], period) << "tick " << k;
    EXPECT_GE(after[k] - before[k - 1], period) << "tick " << k;
  }
}

// ticker's rule: "Ends ... when the reader retires"; "poison is not caught: they end with it".
TEST_P(conformance, networks_ticker_ends_when_its_reader_retires_and_on_poison) {
  for (bool poison : {false, true}) {
    SCOPED_TRACE(poison ? "reader poisons" : "reader retires");
    csp::network net("ticker");
    auto ticks = net.channel<nw::tick>("ticks");
    std::vector<std::uint64_t> got;
    CSP_SHARED(got);
    net.spawn("clock", nw::ticker(std::chrono::milliseconds(1)), ticks.writer());
    net.spawn("reader", [&got, poison](csp::reader<nw::tick> r) {
      for (int k = 0; k < 3; ++k) got.push_back(r.recv().index);
      poison ? r.poison() : r.retire();
    }, ticks.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_THAT(got, ElementsAre(0u, 1u, 2u));
  }
}

// pipeline's rule (pipeline.hpp): stages "named after the pipeline (p[0], p[1], ...), joined
// by channels it makes and names (p[0]->p[1], ...)", each link carrying what the stage before
// it writes: here int -> int (a process body), int -> std::string (an element function),
// std::string -> std::size_t (a lambda process body), then a reduce stage.
TEST_P(conformance, networks_pipeline_chains_and_names_its_stages) {
  csp::network net("pipeline");
  auto in = net.channel<int>("in");
  auto out = net.channel<std::size_t>("out");
  std::vector<std::size_t> got;
  CSP_SHARED(got);
  net.spawn("source", nw::generator(std::views::iota(0, 120)), in.writer());
  nw::pipeline(net, "p", {.link = csp::buffered(4)}, in.reader(), out.writer(),
               nw::successor<int>,
               [](const int& v) { return std::string(static_cast<std::size_t>(v), 'x'); },
               [](csp::reader<std::string> r, csp::writer<std::size_t> w) { for (std::string& s : r) w.send(s.size()); },
               nw::reduce(std::plus<std::size_t>{}, std::size_t{0}, {.batch = 16, .grain = 4}));
  net.spawn("sink", nw::collector(got), out.reader());
  std::vector<std::string> names;
  for (const auto& c : net.channels()) names.push_back(c->name());
  EXPECT_THAT(names, ElementsAre("in", "out", "p[0]->p[1]", "p[1]->p[2]", "p[2]->p[3]"));
  EXPECT_EQ(net.process_count(), 6u);
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(std::size_t{120 * 121 / 2}));
}

// pipeline's fusion rule (pipeline.hpp): a run of maps followed by a reduce is spawned "named
// as in an unfused chain" (the channel after the run is made first, so the order differs),
// its head holding a second writer of the reduce's output. §2
// Termination: "When all writers of a channel have retired, readers ... see end-of-stream" —
// the sink gets the one fold, then end-of-stream once both writers of `r[2]->r[3]` retired;
// §2 "Nothing is lost": the fold counts every value.
TEST_P(conformance, networks_pipeline_fuses_maps_into_a_reduce_with_the_same_names_and_one_result) {
  csp::network net("fused");
  auto in = net.channel<int>("in");
  auto out = net.channel<int>("out");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("source", nw::generator(std::views::iota(0, 200)), in.writer());
  nw::pipeline(net, "r", {.link = csp::buffered(4)}, in.reader(), out.writer(), nw::map(square{}),
               [](const int& v) { return v + 1; }, nw::reduce(std::plus<int>{}, 0, {.batch = 16, .grain = 4}),
               [](const int& v) { return -v; });
  net.spawn("sink", nw::collector(got), out.reader());
  std::vector<std::string> names;
  for (const auto& c : net.channels()) names.push_back(c->name());
  EXPECT_THAT(names, UnorderedElementsAre("in", "out", "r[0]->r[1]", "r[1]->r[2]", "r[2]->r[3]"));
  EXPECT_EQ(net.process_count(), 6u);
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(-(199 * 200 * 399 / 6 + 200)));  // -(sum of v * v + 1 for v < 200)
}

/// source --> farm --> sink, the source sending 0..n-1 and then retiring or poisoning.
std::vector<long> farmed(const csp::config& cfg, int n, std::size_t workers, nw::farm_order order, bool poison,
                         csp::flavor in_flavor = csp::rendezvous(), std::size_t batch = 1) {
  csp::network net("farm");
  auto in = net.channel<int>("in", in_flavor);
  auto out = net.channel<long>("out");
  std::vector<long> got;
  CSP_SHARED(got);
  net.spawn("source", [n, poison](csp::writer<int> w) {
    for (int v = 0; v < n; ++v) w.send(v);
    poison ? w.poison() : w.retire();
  }, in.writer());
  nw::farm(net, "f", workers, nw::map(uneven_work{}, {.batch = batch, .grain = 2}), in.reader(), out.writer(), order);
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  return got;
}

std::vector<long> uneven_results(int n) {
  std::vector<long> r;
  for (int v = 0; v < n; ++v) r.push_back(uneven_work{}(v));
  return r;
}

// farm's rule (farm.hpp), ordered: results leave in input order although the work per value
// varies (v % 13 rounds) and workers finish out of order; every value taken is delivered,
// then `out` retires after the last result (the sink's range-for ends). With batches too.
TEST_P(conformance, networks_ordered_farm_delivers_in_input_order) {
  EXPECT_EQ(farmed(GetParam(), 400, 4, nw::farm_order::ordered, false), uneven_results(400));
  EXPECT_EQ(farmed(GetParam(), 400, 3, nw::farm_order::ordered, false, csp::buffered(64), 8), uneven_results(400));
  EXPECT_EQ(farmed(GetParam(), 0, 2, nw::farm_order::ordered, false), uneven_results(0));
}

// farm's rule, unordered: results leave as they complete; the multiset of results is exact,
// and `out` retires after the last.
TEST_P(conformance, networks_unordered_farm_delivers_every_result_once) {
  EXPECT_THAT(farmed(GetParam(), 400, 4, nw::farm_order::unordered, false), UnorderedElementsAreArray(uneven_results(400)));
  EXPECT_THAT(farmed(GetParam(), 400, 3, nw::farm_order::unordered, false, csp::buffered(64), 8),
              UnorderedElementsAreArray(uneven_results(400)));
}

// farm's rule: "poison on in drains the farm (every value taken is delivered, then out sees
// end-of-stream)": the source's 60 values were all taken (rendezvous) before its poison.
TEST_P(conformance, networks_farm_drains_on_poison_at_its_input) {
  EXPECT_EQ(farmed(GetParam(), 60, 4, nw::farm_order::ordered, true), uneven_results(60));
  EXPECT_THAT(farmed(GetParam(), 60, 4, nw::farm_order::unordered, true), UnorderedElementsAreArray(uneven_results(60)));
}

// farm's rule: "A retired reader on out ends the harvester or the workers, and that retire
// travels back until in retires", and "poison on out retires in": either way the source,
// sending for ever, sees csp::retired, and the run ends.
TEST_P(conformance, networks_farm_shuts_down_when_its_reader_retires_or_poisons) {
  for (nw::farm_order order : {nw::farm_order::ordered, nw::farm_order::unordered}) {
    for (bool poison : {false, true}) {
      SCOPED_TRACE(std::string(order == nw::farm_order::ordered ? "ordered" : "unordered") +
                   (poison ? ", reader poisons" : ", reader retires"));
      csp::network net("farm");
      auto in = net.channel<int>("in");
      auto out = net.channel<long>("out");
      bool source_saw_retired = false;
      std::vector<long> got;
      CSP_SHARED(source_saw_retired, got);
      net.spawn("source", [&source_saw_retired](csp::writer<int> w) {
        try {
          for (int v = 0;; ++v) w.send(v);
        } catch (const csp::retired&) {
          source_saw_retired = true;
        }
      }, in.writer());
      nw::farm(net, "f", 3, uneven_work{}, in.reader(), out.writer(), order);
      net.spawn("sink", [&got, poison](csp::reader<long> r) {
        for (int k = 0; k < 20; ++k) got.push_back(r.recv());
        poison ? r.poison() : r.retire();
      }, out.reader());
      EXPECT_EQ(run(net), 0);
      EXPECT_TRUE(source_saw_retired);
      ASSERT_EQ(got.size(), 20u);
      if (order == nw::farm_order::ordered) {
        EXPECT_EQ(got, uneven_results(20));
      }
    }
  }
}

// The ordered farm's harvester (farm.hpp): "sends them on in sequence order, holding back
// those that overtake an earlier one" — fed results in a scrambled order, deterministically.
TEST_P(conformance, networks_farm_harvester_reorders_results_that_overtake) {
  csp::network net("harvester");
  auto results = net.channel<nw::sequenced<int>>("results");
  auto out = net.channel<int>("out");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("workers", [](csp::writer<nw::sequenced<int>> w) {
    for (std::uint64_t seq : {3, 1, 0, 2, 7, 5, 6, 4, 8}) w.send({seq, static_cast<int>(seq) * 10});
  }, results.writer());
  net.spawn("harvester", nw::detail::harvester<int, int>, results.reader(), out.writer());
  net.spawn("sink", nw::collector(got), out.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(0, 10, 20, 30, 40, 50, 60, 70, 80));
}

// farm: "Throws csp::network_error for workers == 0" — a farm that could never compute.
TEST_P(conformance, networks_farm_without_workers_is_a_network_error) {
  csp::network net("farm");
  auto in = net.channel<int>("in");
  auto out = net.channel<long>("out");
  EXPECT_THROW(nw::farm(net, "f", 0, uneven_work{}, in.reader(), out.writer()), csp::network_error);
}

// Composition (DESIGN.md §1, "Composition as in PyCSP"; §2 Termination): the components
// compose, and end-of-stream flows through all of them:
//
//   generator --> pipeline "prep" (successor, map(square)) --> farm "work" (3, ordered) --+
//                                                                                         +--> merge --> collector
//   generator (negative numbers) ------------------------------------------------------- +
//
// Each branch's values arrive complete and in order; the run ends by itself.
TEST_P(conformance, networks_compose_generator_pipeline_farm_merge_collector) {
  constexpr int n = 150;
  csp::network net("composed");
  auto numbers = net.channel<int>("numbers"), prepared = net.channel<int>("prepared", csp::buffered(16));
  auto worked = net.channel<long>("worked"), others = net.channel<long>("others"), all = net.channel<long>("all");
  net.spawn("numbers", nw::generator(std::views::iota(0, n)), numbers.writer());
  nw::pipeline(net, "prep", numbers.reader(), prepared.writer(), nw::successor<int>, nw::map(square{}));
  nw::farm(net, "work", 3, uneven_work{}, prepared.reader(), worked.writer(), nw::farm_order::ordered);
  net.spawn("others", nw::generator([k = 0L]() mutable { return --k; }, 40), others.writer());
  net.spawn("merge", nw::merge<long>, std::vector{worked.reader(), others.reader()}, all.writer());
  std::vector<long> worked_seen, others_seen;
  CSP_SHARED(worked_seen, others_seen);
  place_on_mpi({{"merge", {0}}, {"others", {1}}, {"collector", {1}}});
  net.spawn("collector", nw::collector([&](long v) { (v >= 0 ? worked_seen : others_seen).push_back(v); }), all.reader());
  EXPECT_EQ(run(net), 0);
  std::vector<long> expected_worked, expected_others;
  for (int v = 0; v < n; ++v) expected_worked.push_back(uneven_work{}((v + 1) * (v + 1)));
  for (long k = -1; k >= -40; --k) expected_others.push_back(k);
  EXPECT_EQ(worked_seen, expected_worked);
  EXPECT_EQ(others_seen, expected_others);
}

}  // namespace
