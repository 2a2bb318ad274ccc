// Conformance: alternation (DESIGN.md section 2, "Alternation").
#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

enum class mode { select, pri_select, fair_select };

// One select over `guards`, in the given mode (fair_select through `a`).
template <class... G>
std::size_t select_in(mode m, csp::alt& a, G&&... guards) {
  switch (m) {
    case mode::select: return csp::select(std::forward<G>(guards)...);
    case mode::pri_select: return csp::pri_select(std::forward<G>(guards)...);
    case mode::fair_select: return a.fair_select(std::forward<G>(guards)...);
  }
  return 0;
}

// §2 Alternation: "Exactly one guard fires, and its communication happens inside the select;
// none is lost or done twice." Three channels of different flavors, two writers each; two
// readers alt over all three (one with select, one with fair_select, then pri_select) until
// every channel has ended. Each value is received once, through its own channel's guard, and
// the index a select returns is the guard whose handler ran.
TEST_P(conformance, alt_fires_exactly_one_guard_and_performs_its_communication) {
  constexpr int per_writer = 600;
  for (mode second : {mode::fair_select, mode::pri_select}) {
    csp::network net;
    std::array<csp::channel<int>, 3> ch{net.channel<int>("a"), net.channel<int>("b", csp::buffered(2)),
                                        net.channel<int>("c", csp::unbounded())};
    for (int k = 0; k < 3; ++k) {
      net.spawn_n(2, "writer" + std::to_string(k), [k](csp::replica me, csp::writer<int> out) {
        for (int s = 0; s < per_writer; ++s) out.send(k * 1'000'000 + static_cast<int>(me.index) * 10'000 + s);
      }, ch[k].writer());
    }
    std::array<std::vector<std::pair<int, int>>, 2> got;  // (guard, value)
    std::array<int, 2> mismatches{0, 0};
    CSP_SHARED(got, mismatches);
    auto reader = [&](csp::replica me, csp::reader<int> a, csp::reader<int> b, csp::reader<int> c) {
      const mode m = me.index == 0 ? mode::select : second;
      std::array<bool, 3> open{true, true, true};
      csp::alt alt;
      int last = -1;
      auto on = [&](int guard) {
        return [&, guard](int v) {
          last = guard;
          got[me.index].emplace_back(guard, v);
        };
      };
      while (open[0] || open[1] || open[2]) {
        try {
          last = -1;
          const std::size_t f = select_in(m, alt, csp::input(a, on(0)).when(open[0]),
                                          csp::input(b, on(1)).when(open[1]),
                                          csp::input(c, on(2)).when(open[2]));
          if (static_cast<int>(f) != last) ++mismatches[me.index];
        } catch (const csp::retired& e) {
          open.at(e.guard()) = false;
        }
      }
    };
    net.spawn_n(2, "reader", reader, ch[0].reader(), ch[1].reader(), ch[2].reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(mismatches[0], 0);
    EXPECT_EQ(mismatches[1], 0);
    std::vector<int> all;
    for (auto& g : got) {
      for (auto [guard, v] : g) {
        EXPECT_EQ(guard, v / 1'000'000) << "value " << v << " came through another channel's guard";
        all.push_back(v);
      }
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a value was received twice";
    EXPECT_EQ(all.size(), static_cast<std::size_t>(3 * 2 * per_writer)) << "a value was lost";
  }
}

// §2 Alternation: "output guards (send when a reader is ready)". One writer alts over two
// output guards; each value goes out exactly once, on whichever channel has a reader.
TEST_P(conformance, alt_output_guards_send_when_a_reader_is_ready) {
  constexpr int n = 2000;
  csp::network net;
  auto x = net.channel<int>("x");
  auto y = net.channel<int>("y");
  std::vector<int> got_x, got_y;
  int mismatches = 0;
  CSP_SHARED(got_x, got_y, mismatches);
  place_on_mpi({{"reader_*", {1}}});
  net.spawn("writer", [&](csp::writer<int> x, csp::writer<int> y) {
    csp::alt alt;
    for (int v = 0; v < n; ++v) {
      int fired = -1;
      const std::size_t f = alt.fair_select(csp::output(x, v, [&] { fired = 0; }),
                                            csp::output(y, v, [&] { fired = 1; }));
      if (static_cast<int>(f) != fired) ++mismatches;
    }
  }, x.writer(), y.writer());
  net.spawn("reader_x", [&](csp::reader<int> in) { for (int v : in) got_x.push_back(v); }, x.reader());
  net.spawn("reader_y", [&](csp::reader<int> in) { for (int v : in) got_y.push_back(v); }, y.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(std::is_sorted(got_x.begin(), got_x.end()));
  EXPECT_TRUE(std::is_sorted(got_y.begin(), got_y.end()));
  std::vector<int> all = got_x;
  all.insert(all.end(), got_y.begin(), got_y.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

// §2 Alternation: output guards against input guards: both sides of a rendezvous alt, so
// the channel must match two alts; each exchange happens exactly once.
TEST_P(conformance, alt_output_guards_meet_input_guards) {
  constexpr int n = 2000;
  csp::network net;
  auto x = net.channel<int>("x");
  auto y = net.channel<int>("y");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("sender", [](csp::writer<int> x, csp::writer<int> y) {
    for (int v = 0; v < n; ++v) csp::select(csp::output(x, v), csp::output(y, v));
  }, x.writer(), y.writer());
  net.spawn("receiver", [&got](csp::reader<int> x, csp::reader<int> y) {
    std::array<bool, 2> open{true, true};
    csp::alt alt;
    while (open[0] || open[1]) {
      try {
        int v = -1;
        alt.fair_select(csp::input(x, v).when(open[0]), csp::input(y, v).when(open[1]));
        got.push_back(v);
      } catch (const csp::retired& e) {
        open.at(e.guard()) = false;
      }
    }
  }, x.reader(), y.reader());
  EXPECT_EQ(run(net), 0);
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(got, expected);  // one sender: the exchanges happen in its order
}

// §2 Alternation: input and output guards in one select: a chain of one-place buffers, each
// alting between taking a value (when empty) and passing it on (when full).
TEST_P(conformance, alt_input_and_output_guards_in_one_select) {
  constexpr int n = 1000, stages = 4;
  csp::network net;
  std::vector<csp::channel<int>> links;
  for (int i = 0; i <= stages; ++i) links.push_back(net.channel<int>("link" + std::to_string(i)));
  net.spawn("source", [](csp::writer<int> out) { for (int v = 0; v < n; ++v) out.send(v); },
            links[0].writer());
  for (int i = 0; i < stages; ++i) {
    net.spawn("buffer" + std::to_string(i), [](csp::reader<int> in, csp::writer<int> out) {
      int held = 0;
      bool full = false, open = true;
      csp::alt alt;
      while (open || full) {
        try {
          int v = 0;
          if (alt.fair_select(csp::input(in, v).when(open && !full),
                              csp::output(out, held).when(full)) == 0) {
            held = v;
            full = true;
          } else {
            full = false;
          }
        } catch (const csp::retired&) {
          open = false;
        }
      }
    }, links[i].reader(), links[i + 1].writer());
  }
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("sink", [&got](csp::reader<int> in) { for (int v : in) got.push_back(v); },
            links[stages].reader());
  EXPECT_EQ(run(net), 0);
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(got, expected);
}

// §2 Alternation: "skip ... each with an optional boolean precondition"; pri_select with
// skip, when nothing is ready, fires skip. Data cannot be ready: its writer waits for `go`,
// which the reader sends after the select.
TEST_P(conformance, alt_skip_fires_when_nothing_is_ready) {
  csp::network net;
  auto data = net.channel<int>("data");
  auto go = net.channel<int>("go");
  std::size_t fired = 99;
  int later = 0;
  CSP_SHARED(fired, later);
  net.spawn("writer", [](csp::writer<int> data, csp::reader<int> go) {
    go.recv();
    data.send(7);
  }, data.writer(), go.reader());
  net.spawn("reader", [&](csp::reader<int> data, csp::writer<int> go) {
    int v = 0;
    fired = csp::pri_select(csp::input(data, v), csp::skip());
    go.send(0);
    later = data.recv();
  }, data.reader(), go.writer());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(later, 7);
}

// §2 Alternation: "timeout": fires when nothing comes (arranged as above).
TEST_P(conformance, alt_timeout_fires_when_nothing_comes) {
  csp::network net;
  auto data = net.channel<int>("data");
  auto go = net.channel<int>("go");
  std::size_t fired = 99;
  bool action = false;
  CSP_SHARED(fired, action);
  net.spawn("writer", [](csp::writer<int> data, csp::reader<int> go) {
    go.recv();
    data.send(7);
  }, data.writer(), go.reader());
  net.spawn("reader", [&](csp::reader<int> data, csp::writer<int> go) {
    int v = 0;
    fired = csp::select(csp::input(data, v), csp::timeout(5ms, [&] { action = true; }));
    go.send(0);
    data.recv();
  }, data.reader(), go.writer());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(fired, 1u);
  EXPECT_TRUE(action);
}

// §2 Alternation: a ready guard wins over a timeout that has not passed.
TEST_P(conformance, alt_ready_guard_beats_a_distant_timeout) {
  csp::network net;
  auto data = net.channel<int>("data");
  std::vector<std::size_t> fired;
  CSP_SHARED(fired);
  net.spawn("writer", [](csp::writer<int> data) { for (int i = 0; i < 100; ++i) data.send(i); },
            data.writer());
  net.spawn("reader", [&](csp::reader<int> data) {
    for (int i = 0; i < 100; ++i) {
      int v = -1;
      fired.push_back(csp::select(csp::timeout(1h), csp::input(data, v)));
    }
  }, data.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(std::count(fired.begin(), fired.end(), 1u), 100);
}

// §2 Alternation: "pri_select takes the first ready guard in order". Readiness is arranged
// with buffered channels filled before the selects; the filler keeps its ends until the
// chooser is done (an input whose writers all retired is ready too: with end-of-stream).
TEST_P(conformance, alt_pri_select_takes_the_first_ready_guard) {
  csp::network net;
  std::array<csp::channel<int>, 3> ch{net.channel<int>("a", csp::buffered(3)),
                                      net.channel<int>("b", csp::buffered(3)),
                                      net.channel<int>("c", csp::buffered(3))};
  auto go = net.channel<int>("go");
  auto done = net.channel<int>("done");
  std::vector<std::size_t> order;
  std::size_t skip_first = 99, disabled_first = 99;
  CSP_SHARED(order, skip_first, disabled_first);
  net.spawn("filler", [](csp::writer<int> a, csp::writer<int> b, csp::writer<int> c, csp::writer<int> go,
                         csp::reader<int> done) {
    for (int i = 0; i < 3; ++i) {
      c.send(i);
      b.send(i);
      a.send(i);
    }
    go.send(0);
    done.recv();
  }, ch[0].writer(), ch[1].writer(), ch[2].writer(), go.writer(), done.reader());
  net.spawn("chooser", [&](csp::reader<int> a, csp::reader<int> b, csp::reader<int> c, csp::reader<int> go,
                           csp::writer<int> done) {
    go.recv();
    int v = 0;
    skip_first = csp::pri_select(csp::skip(), csp::input(a, v));
    disabled_first = csp::pri_select(csp::input(a, v).when(false), csp::input(b, v), csp::input(c, v));
    for (int i = 0; i < 8; ++i) order.push_back(csp::pri_select(csp::input(a, v), csp::input(b, v), csp::input(c, v)));
    done.send(0);
  }, ch[0].reader(), ch[1].reader(), ch[2].reader(), go.reader(), done.writer());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(skip_first, 0u);
  EXPECT_EQ(disabled_first, 1u);
  EXPECT_THAT(order, ElementsAre(0, 0, 0, 1, 1, 2, 2, 2));
}

// §2 Alternation: "fair_select rotates so that no ready guard starves". Two inputs kept
// ready (filled before the selects begin): each fires close to half of the rounds.
TEST_P(conformance, alt_fair_select_does_not_starve_a_ready_guard) {
  constexpr int rounds = 2000;
  csp::network net;
  auto a = net.channel<int>("a", csp::unbounded());
  auto b = net.channel<int>("b", csp::unbounded());
  auto filled = net.channel<int>("filled");
  std::array<int, 2> count{0, 0};
  CSP_SHARED(count);
  net.spawn_n(2, "filler", [](csp::replica me, csp::writer<int> a, csp::writer<int> b, csp::writer<int> filled) {
    auto& out = me.index == 0 ? a : b;
    for (int i = 0; i < rounds; ++i) out.send(i);
    filled.send(0);
  }, a.writer(), b.writer(), filled.writer());
  net.spawn("chooser", [&](csp::reader<int> a, csp::reader<int> b, csp::reader<int> filled) {
    filled.recv();
    filled.recv();
    csp::alt alt;
    for (int i = 0; i < rounds; ++i) {
      int v = 0;
      ++count.at(alt.fair_select(csp::input(a, v), csp::input(b, v)));
    }
  }, a.reader(), b.reader(), filled.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_GE(count[0], rounds * 40 / 100);
  EXPECT_GE(count[1], rounds * 40 / 100);
}

// alt.hpp, fair_select: "no guard that stays ready is passed over more than n-1 times in a
// row" (the rotation that makes §2's "no ready guard starves" hold).
TEST_P(conformance, alt_fair_select_passes_a_ready_guard_over_at_most_n_minus_1_times) {
  constexpr int rounds = 300;
  csp::network net;
  std::array<csp::channel<int>, 3> ch{net.channel<int>("a", csp::unbounded()),
                                      net.channel<int>("b", csp::unbounded()),
                                      net.channel<int>("c", csp::unbounded())};
  std::vector<std::size_t> fired;
  CSP_SHARED(fired);
  net.spawn("self", [&](csp::writer<int> aw, csp::writer<int> bw, csp::writer<int> cw,
                        csp::reader<int> a, csp::reader<int> b, csp::reader<int> c) {
    for (int i = 0; i < rounds; ++i) {
      aw.send(i);
      bw.send(i);
      cw.send(i);
    }
    csp::alt alt;
    for (int i = 0; i < rounds; ++i) {
      int v = 0;
      fired.push_back(alt.fair_select(csp::input(a, v), csp::input(b, v), csp::input(c, v)));
    }
  }, ch[0].writer(), ch[1].writer(), ch[2].writer(), ch[0].reader(), ch[1].reader(), ch[2].reader());
  EXPECT_EQ(run(net), 0);
  std::array<int, 3> missed{0, 0, 0};
  for (std::size_t f : fired) {
    for (std::size_t g = 0; g < 3; ++g) {
      missed[g] = g == f ? 0 : missed[g] + 1;
      ASSERT_LE(missed[g], 2) << "guard " << g << " passed over 3 times in a row";
    }
  }
}

// alt.hpp, select: "starts at a random guard": with two guards always ready, both fire.
TEST_P(conformance, alt_select_chooses_among_ready_guards) {
  constexpr int rounds = 1000;
  csp::network net;
  auto a = net.channel<int>("a", csp::unbounded());
  auto b = net.channel<int>("b", csp::unbounded());
  std::array<int, 2> count{0, 0};
  CSP_SHARED(count);
  net.spawn("self", [&](csp::writer<int> aw, csp::writer<int> bw, csp::reader<int> a, csp::reader<int> b) {
    for (int i = 0; i < rounds; ++i) {
      aw.send(i);
      bw.send(i);
    }
    for (int i = 0; i < rounds; ++i) {
      int v = 0;
      ++count.at(csp::select(csp::input(a, v), csp::input(b, v)));
    }
  }, a.writer(), b.writer(), a.reader(), b.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_GE(count[0], rounds / 5);
  EXPECT_GE(count[1], rounds / 5);
}

// §2 Termination + alt.hpp: an output guard on a channel whose readers all retired throws
// csp::retired, with guard() naming the guard, so the process can disable it and go on.
TEST_P(conformance, alt_output_guard_on_a_retired_channel_throws_retired_with_its_index) {
  csp::network net;
  auto idle = net.channel<int>("idle");
  auto dead = net.channel<int>("dead");
  auto done = net.channel<int>("done");
  std::size_t guard = 99;
  std::string channel;
  CSP_SHARED(guard, channel);
  net.spawn("quitter", [](csp::reader<int> dead, csp::writer<int> done) {
    dead.retire();
    done.send(0);
  }, dead.reader(), done.writer());
  net.spawn("alter", [&](csp::writer<int> /*idle*/, csp::reader<int> idle, csp::writer<int> dead,
                         csp::reader<int> done) {
    done.recv();
    int v = 0;
    try {
      csp::pri_select(csp::input(idle, v), csp::output(dead, 5));
    } catch (const csp::retired& e) {
      guard = e.guard();
      channel = e.channel();
    }
  }, idle.writer(), idle.reader(), dead.writer(), done.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(guard, 1u);
  EXPECT_EQ(channel, "dead");
}

// Same, for an output guard whose reader retires while the alt waits.
TEST_P(conformance, alt_waiting_output_guard_sees_its_readers_retire) {
  csp::network net;
  auto idle = net.channel<int>("idle");
  auto dead = net.channel<int>("dead");
  std::size_t guard = 99;
  CSP_SHARED(guard);
  net.spawn("quitter", [](csp::reader<int> dead) { dead.retire(); }, dead.reader());
  net.spawn("alter", [&](csp::writer<int> /*idle*/, csp::reader<int> idle, csp::writer<int> dead) {
    int v = 0;
    try {
      csp::pri_select(csp::input(idle, v), csp::output(dead, 5));
    } catch (const csp::retired& e) {
      guard = e.guard();
    }
  }, idle.writer(), idle.reader(), dead.writer());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(guard, 1u);
}

// §2 Termination: "recv throws csp::retired" at end-of-stream; in an alt the input guard
// throws it with its index.
TEST_P(conformance, alt_input_guard_at_end_of_stream_throws_retired_with_its_index) {
  csp::network net;
  auto idle = net.channel<int>("idle");
  auto ended = net.channel<int>("ended", csp::buffered(2));
  std::vector<int> got;
  std::size_t guard = 99;
  CSP_SHARED(got, guard);
  net.spawn("writer", [](csp::writer<int> out) { out.send(1); out.send(2); }, ended.writer());
  net.spawn("alter", [&](csp::writer<int> /*idle*/, csp::reader<int> idle, csp::reader<int> ended) {
    try {
      for (;;) {
        int v = 0;
        csp::pri_select(csp::input(idle, v), csp::input(ended, v));
        got.push_back(v);
      }
    } catch (const csp::retired& e) {
      guard = e.guard();
    }
  }, idle.writer(), idle.reader(), ended.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(1, 2));
  EXPECT_EQ(guard, 1u);
}

// alt.hpp: select with every guard disabled by its precondition throws (inside a run too).
TEST_P(conformance, alt_with_every_guard_disabled_throws) {
  csp::network net;
  auto c = net.channel<int>("c");
  bool threw = false;
  CSP_SHARED(threw);
  net.spawn("w", [](csp::writer<int>) {}, c.writer());
  net.spawn("alter", [&](csp::reader<int> in) {
    int v = 0;
    try {
      csp::pri_select(csp::input(in, v).when(false), csp::timeout(1ms).when(false));
    } catch (const csp::error&) {
      threw = true;
    }
  }, c.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_TRUE(threw);
}

// §2 Alternation inside a run: csp::sleep_for is a select with one timeout guard, and a
// process on a timer is not deadlocked ("none waits on a timer").
TEST_P(conformance, alt_sleep_for_returns) {
  csp::network net;
  std::array<bool, 3> woke{false, false, false};
  CSP_SHARED(woke);
  net.spawn_n(3, "sleeper", [&woke](csp::replica me) {
    csp::sleep_for(2ms);
    woke.at(me.index) = true;
  });
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(woke, ElementsAre(true, true, true));
}

}  // namespace
