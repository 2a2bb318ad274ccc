// Stress: random alternation among many processes, on every built backend configuration.
// Every value sent must be received exactly once (DESIGN.md section 2, "Alternation": "none
// is lost or done twice"; "Nothing is lost"), and values from one writer through one channel
// with a single reader arrive in the order sent.
//
// Seeded with std::mt19937; the seed is printed. Reproduce a failure with
//   CSP_STRESS_SEED=<seed> ./csp_stress_tests --gtest_filter='*<case>*'
// Channels are drawn among the lossless flavors (rendezvous, bounded(1..8), unbounded);
// selects among select, pri_select, fair_select, pri_select with skip, select with a timeout,
// plus try_send / try_recv / send between selects.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "support/backends.hpp"

namespace {

using namespace std::chrono_literals;
using value = std::uint64_t;  // writer id << 32 | sequence number
constexpr std::size_t ends_per_process = 4;

value make_value(std::size_t writer, std::size_t seq) { return (value{writer} << 32) | seq; }
std::size_t writer_of(value v) { return static_cast<std::size_t>(v >> 32); }
std::size_t seq_of(value v) { return static_cast<std::size_t>(v & 0xffff'ffffu); }

unsigned test_seed() {
  if (const char* s = std::getenv("CSP_STRESS_SEED")) return static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

csp::flavor random_flavor(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0: return csp::rendezvous();
    case 1: return csp::buffered(1 + rng() % 8);
    default: return csp::unbounded();
  }
}

// For each of `procs` processes, ends_per_process distinct channels out of `n`, such that
// every channel goes to at least one process (channel c to process c % procs first).
std::vector<std::array<std::size_t, ends_per_process>> assign(std::mt19937& rng, std::size_t procs, std::size_t n) {
  std::vector<std::vector<std::size_t>> lists(procs);
  for (std::size_t c = 0; c < n; ++c) lists[c % procs].push_back(c);
  std::vector<std::array<std::size_t, ends_per_process>> out;
  for (auto& l : lists) {
    while (l.size() < ends_per_process) {
      const std::size_t c = rng() % n;
      if (std::find(l.begin(), l.end(), c) == l.end()) l.push_back(c);
    }
    std::array<std::size_t, ends_per_process> a{};
    std::copy_n(l.begin(), ends_per_process, a.begin());
    out.push_back(a);
  }
  return out;
}

// One select over `guards`, its kind drawn at random. Returns the fired index or npos for
// the skip / timeout guard added by some kinds.
template <class... G>
std::size_t random_select(std::mt19937& rng, csp::alt& alt, G&&... guards) {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  switch (rng() % 5) {
    case 0: return csp::select(guards...);
    case 1: return csp::pri_select(guards...);
    case 2: return alt.fair_select(guards...);
    case 3: {
      const std::size_t f = csp::pri_select(guards..., csp::skip());
      return f == sizeof...(G) ? none : f;
    }
    default: {
      const std::size_t f = csp::select(guards..., csp::timeout(std::chrono::microseconds(rng() % 200)));
      return f == sizeof...(G) ? none : f;
    }
  }
}

struct received {
  std::size_t channel;
  value v;
};

// How many random networks each case runs (all drawn from one seed).
constexpr int rounds = 80;

class stress : public ::testing::TestWithParam<csp::config> {
 protected:
  /// The seed of this case, printed (and recorded in the XML output) for reproduction.
  unsigned announce_seed() {
    const unsigned seed = test_seed();
    std::cout << "[   SEED   ] CSP_STRESS_SEED=" << seed << " (" << csp_test::describe(GetParam()) << ")\n";
    RecordProperty("seed", std::to_string(seed));
    return seed;
  }
};

// W writers, each holding writer ends of 4 random channels, send their values through random
// selects over 4 output guards (or a plain send / try_send on one); R readers, each holding
// reader ends of 4 random channels, receive through random selects over 4 input guards (or
// try_recv), until every one of their channels has ended.
void random_output_and_input_alts(const csp::config& cfg, std::mt19937& rng) {
  constexpr std::size_t writers = 8, readers = 6, channels = 10, per_writer = 1500;

  csp::network net("stress");
  std::vector<csp::channel<value>> ch;
  for (std::size_t i = 0; i < channels; ++i) ch.push_back(net.channel<value>("c" + std::to_string(i), random_flavor(rng)));
  static_assert(channels <= 2 * readers && channels <= 2 * writers, "room for every channel");
  const auto reader_channels = assign(rng, readers, channels);
  const auto writer_channels = assign(rng, writers, channels);
  std::vector<std::size_t> readers_of(channels, 0);
  for (const auto& rc : reader_channels) {
    for (std::size_t c : rc) ++readers_of[c];
  }

  std::vector<std::vector<received>> got(readers);
  for (std::size_t w = 0; w < writers; ++w) {
    const auto& cs = writer_channels[w];
    std::array<csp::writer<value>, ends_per_process> outs{ch[cs[0]].writer(), ch[cs[1]].writer(),
                                                          ch[cs[2]].writer(), ch[cs[3]].writer()};
    net.spawn("writer" + std::to_string(w), [w, s = rng()](std::array<csp::writer<value>, ends_per_process> o) {
      std::mt19937 rng(s);
      csp::alt alt;
      for (std::size_t seq = 0; seq < per_writer;) {
        const value v = make_value(w, seq);
        switch (rng() % 8) {
          case 0:
            o[rng() % ends_per_process].send(v);
            ++seq;
            break;
          case 1:
            if (o[rng() % ends_per_process].try_send(v) == csp::status::ok) ++seq;
            break;
          default:
            if (random_select(rng, alt, csp::output(o[0], v), csp::output(o[1], v), csp::output(o[2], v),
                              csp::output(o[3], v)) < ends_per_process) {
              ++seq;
            }
        }
      }
    }, std::move(outs));
  }
  for (std::size_t r = 0; r < readers; ++r) {
    const auto cs = reader_channels[r];
    std::array<csp::reader<value>, ends_per_process> ins{ch[cs[0]].reader(), ch[cs[1]].reader(),
                                                         ch[cs[2]].reader(), ch[cs[3]].reader()};
    net.spawn("reader" + std::to_string(r), [cs, s = rng(), &out = got[r]](std::array<csp::reader<value>, ends_per_process> in) {
      std::mt19937 rng(s);
      csp::alt alt;
      std::array<bool, ends_per_process> open{true, true, true, true};
      while (std::find(open.begin(), open.end(), true) != open.end()) {
        if (rng() % 6 == 0) {
          const std::size_t i = rng() % ends_per_process;
          if (!open[i]) continue;
          value v = 0;
          const csp::status st = in[i].try_recv(v);
          if (st == csp::status::ok) out.push_back({cs[i], v});
          if (st == csp::status::retired) open[i] = false;
          ASSERT_NE(st, csp::status::poisoned);
          continue;
        }
        try {
          std::size_t which = 0;
          value v = 0;
          auto on = [&](std::size_t i) { return [&, i](value x) { which = i; v = x; }; };
          const std::size_t f = random_select(rng, alt, csp::input(in[0], on(0)).when(open[0]),
                                              csp::input(in[1], on(1)).when(open[1]),
                                              csp::input(in[2], on(2)).when(open[2]),
                                              csp::input(in[3], on(3)).when(open[3]));
          if (f < ends_per_process) {
            ASSERT_EQ(f, which);
            out.push_back({cs[f], v});
          }
        } catch (const csp::retired& e) {
          open.at(e.guard()) = false;
        }
      }
    }, std::move(ins));
  }
  ch.clear();

  ASSERT_EQ(csp::run(net, cfg), 0);

  std::vector<std::vector<int>> seen(writers, std::vector<int>(per_writer, 0));
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> next_seq;  // (channel, writer)
  std::size_t order_violations = 0;
  for (std::size_t r = 0; r < readers; ++r) {
    for (const received& x : got[r]) {
      const std::size_t w = writer_of(x.v), s = seq_of(x.v);
      ASSERT_LT(w, writers);
      ASSERT_LT(s, per_writer);
      ++seen[w][s];
      if (readers_of[x.channel] == 1) {
        auto& next = next_seq[{x.channel, w}];
        if (s < next) ++order_violations;
        next = s + 1;
      }
    }
  }
  for (std::size_t w = 0; w < writers; ++w) {
    for (std::size_t s = 0; s < per_writer; ++s) {
      ASSERT_EQ(seen[w][s], 1) << "value " << s << " of writer " << w << " received " << seen[w][s] << " times";
    }
  }
  EXPECT_EQ(order_violations, 0u);
}

// Layers of relays between sources and sinks, any-to-any channels between layers. Each relay
// holds at most one value and alts between taking one (input guards, when empty) and passing
// it on (output guards, when full): alts meet alts on both sides of every channel.
void relays_alting_over_inputs_and_outputs(const csp::config& cfg, std::mt19937& rng) {
  constexpr std::size_t sources = 4, per_source = 1000, layers = 3, width = 4, sinks = 3;

  csp::network net("relays");
  // stage k's channels: k = 0 between sources and the first relays, k = layers before sinks.
  std::vector<std::vector<csp::channel<value>>> stage(layers + 1);
  for (std::size_t k = 0; k <= layers; ++k) {
    for (std::size_t i = 0; i < 3; ++i) {
      stage[k].push_back(net.channel<value>("s" + std::to_string(k) + "c" + std::to_string(i), random_flavor(rng)));
    }
  }
  auto two_of = [&](std::size_t first) {
    const std::size_t a = first % 3, b = (a + 1 + rng() % 2) % 3;
    return std::array<std::size_t, 2>{a, b};
  };
  for (std::size_t s = 0; s < sources; ++s) {
    net.spawn("source" + std::to_string(s), [s](csp::writer<value> out) {
      for (std::size_t i = 0; i < per_source; ++i) out.send(make_value(s, i));
    }, stage[0][s % 3].writer());
  }
  for (std::size_t k = 0; k < layers; ++k) {
    for (std::size_t r = 0; r < width; ++r) {
      const auto i = two_of(r), o = two_of(r + k);
      net.spawn("relay" + std::to_string(k) + "_" + std::to_string(r),
                [s = rng()](csp::reader<value> in0, csp::reader<value> in1, csp::writer<value> out0, csp::writer<value> out1) {
                  std::mt19937 rng(s);
                  csp::alt alt;
                  std::optional<value> held;
                  std::array<bool, 2> open{true, true};
                  while (open[0] || open[1] || held) {
                    try {
                      value v = 0;
                      const bool full = held.has_value();
                      const value h = held.value_or(0);
                      const std::size_t f = random_select(
                          rng, alt, csp::input(in0, v).when(open[0] && !full), csp::input(in1, v).when(open[1] && !full),
                          csp::output(out0, h).when(full), csp::output(out1, h).when(full));
                      if (f < 2) {
                        held = v;
                      } else if (f < 4) {
                        held.reset();
                      }
                    } catch (const csp::retired& e) {
                      open.at(e.guard()) = false;
                    }
                  }
                },
                stage[k][i[0]].reader(), stage[k][i[1]].reader(), stage[k + 1][o[0]].writer(), stage[k + 1][o[1]].writer());
    }
  }
  std::vector<std::vector<value>> got(sinks);
  got.reserve(sinks + 3 * (layers + 1));  // the extra sinks below hold references into it
  for (std::size_t s = 0; s < sinks; ++s) {
    net.spawn("sink" + std::to_string(s), [&out = got[s]](csp::reader<value> in) {
      for (value v : in) out.push_back(v);
    }, stage[layers][s % 3].reader());
  }
  // Any channel left without a reader or writer would be a check() error: give it one.
  for (std::size_t k = 0; k <= layers; ++k) {
    for (auto& c : stage[k]) {
      const auto n = c.core()->snapshot();
      if (n.writers == 0) net.spawn("idle_writer_" + c.name(), [](csp::writer<value>) {}, c.writer());
      if (n.readers == 0) {
        net.spawn("extra_sink_" + c.name(), [&out = got.emplace_back()](csp::reader<value> in) {
          for (value v : in) out.push_back(v);
        }, c.reader());
      }
    }
  }
  stage.clear();

  ASSERT_EQ(csp::run(net, cfg), 0);

  std::vector<std::vector<int>> seen(sources, std::vector<int>(per_source, 0));
  for (auto& g : got) {
    for (value v : g) {
      ASSERT_LT(writer_of(v), sources);
      ASSERT_LT(seq_of(v), per_source);
      ++seen[writer_of(v)][seq_of(v)];
    }
  }
  for (std::size_t s = 0; s < sources; ++s) {
    for (std::size_t i = 0; i < per_source; ++i) {
      ASSERT_EQ(seen[s][i], 1) << "value " << i << " of source " << s;
    }
  }
}

TEST_P(stress, random_output_and_input_alts_deliver_every_value_exactly_once) {
  const unsigned seed = announce_seed();
  SCOPED_TRACE("CSP_STRESS_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int r = 0; r < rounds && !HasFatalFailure(); ++r) {
    SCOPED_TRACE("round " + std::to_string(r));
    random_output_and_input_alts(GetParam(), rng);
  }
}

TEST_P(stress, relays_alting_over_inputs_and_outputs_lose_nothing) {
  const unsigned seed = announce_seed();
  SCOPED_TRACE("CSP_STRESS_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int r = 0; r < rounds && !HasFatalFailure(); ++r) {
    SCOPED_TRACE("round " + std::to_string(r));
    relays_alting_over_inputs_and_outputs(GetParam(), rng);
  }
}

INSTANTIATE_TEST_SUITE_P(backends, stress, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);

}  // namespace
