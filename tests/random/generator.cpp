// Drawing a random network (generator.hpp has the termination scheme this must keep).
#include "random/generator.hpp"

#include <algorithm>
#include <random>
#include <sstream>
#include <utility>

namespace csp_random {
namespace {

class dice {
 public:
  // The tier is mixed into the seed, so that the two tiers draw different networks from one
  // seed while a (seed, tier) pair always draws the same one.
  dice(std::uint64_t seed, tier level) {
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                      static_cast<std::uint32_t>(level)};
    rng_.seed(seq);
  }
  /// 0 .. n-1
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool chance(unsigned percent) { return rng_() % 100 < percent; }

 private:
  std::mt19937_64 rng_;
};

csp::flavor random_flavor(dice& d) {
  switch (d.below(10)) {
    case 0: case 1: case 2: return csp::rendezvous();
    case 3: case 4: case 5: return csp::buffered(1 + d.below(8));
    case 6: case 7: return csp::unbounded();
    default: return csp::overwriting(1 + d.below(4));
  }
}

// prefix + n, without operator+(const char*, std::string&&), which trips GCC 12's -Wrestrict.
std::string numbered(const char* prefix, std::size_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

bool holds(const std::vector<std::size_t>& ends, std::size_t c) {
  return std::find(ends.begin(), ends.end(), c) != ends.end();
}

// A process among [lo, hi) to take one more end of channel `c` on the reader or writer side:
// it has room on that side and does not hold that side of c yet. Returns procs.size() when
// none can. (In an acyclic network the ranges keep writers before readers, rule B.)
std::size_t pick_holder(dice& d, std::vector<process_spec>& procs, std::size_t c, bool reader,
                        std::size_t lo, std::size_t hi) {
  std::vector<std::size_t> fit;
  for (std::size_t p = lo; p < hi; ++p) {
    const auto& same = reader ? procs[p].reads : procs[p].writes;
    if (same.size() < max_ends && !holds(same, c)) fit.push_back(p);
  }
  return fit.empty() ? procs.size() : fit[d.below(fit.size())];
}

// Hands out the ends of channel `c`: one writer and one reader, then up to two more of each
// (any-to-any). Acyclic: writers among p0 .. p(k-1), readers among pk .. for a random cut k.
// False if no process had room for a first end (the channel is then left out).
bool place_channel(dice& d, std::vector<process_spec>& ps, std::size_t c, bool acyclic) {
  const std::size_t n = ps.size();
  for (int attempt = 0; attempt < 32; ++attempt) {
    const std::size_t cut = acyclic ? 1 + d.below(n - 1) : n;
    const std::size_t w_hi = cut, r_lo = acyclic ? cut : 0;
    const std::size_t w = pick_holder(d, ps, c, false, 0, w_hi);
    const std::size_t r = pick_holder(d, ps, c, true, r_lo, n);
    if (w == n || r == n) continue;
    ps[w].writes.push_back(c);
    ps[r].reads.push_back(c);
    for (bool reader : {false, true}) {
      for (std::size_t extra = d.below(3); extra > 0; --extra) {
        const std::size_t p = reader ? pick_holder(d, ps, c, true, r_lo, n) : pick_holder(d, ps, c, false, 0, w_hi);
        if (p == n) break;
        (reader ? ps[p].reads : ps[p].writes).push_back(c);
      }
    }
    return true;
  }
  return false;
}

alt_spec random_alt(dice& d, const process_spec& p) {
  alt_spec a;
  a.kind = static_cast<select_kind>(d.below(3));
  bool any_offer = false;
  for (std::size_t i = 0; i < p.reads.size(); ++i) a.in_when[i] = d.chance(75);
  for (std::size_t i = 0; i < p.writes.size(); ++i) any_offer |= a.offer[i] = d.chance(50);
  switch (d.below(4)) {
    case 2: a.extra = extra_guard::skip; break;
    case 3: a.extra = extra_guard::timeout; break;
    default: a.extra = extra_guard::none;
  }
  a.timeout_us = static_cast<std::uint32_t>(d.below(200));
  // A select with no guard at all would be a misuse (csp::error), not a test.
  if (p.reads.empty() && !any_offer && a.extra == extra_guard::none) a.extra = extra_guard::skip;
  a.outputs_first = d.chance(50);
  return a;
}

std::vector<step> random_script(dice& d, const process_spec& p) {
  std::vector<step> s;
  const bool w = !p.writes.empty(), r = !p.reads.empty();
  if (!w && !r) return s;
  const std::size_t length = d.below(33);
  while (s.size() < length) {
    step st;
    const std::size_t roll = d.below(100);
    if (roll < 25 && w) {
      st = {.kind = op::send, .end = static_cast<std::uint8_t>(d.below(p.writes.size())),
            .count = static_cast<std::uint8_t>(1 + d.below(8))};
    } else if (roll < 35 && w) {
      st = {.kind = op::try_send, .end = static_cast<std::uint8_t>(d.below(p.writes.size()))};
    } else if (roll < 55 && r) {
      st = {.kind = op::recv, .end = static_cast<std::uint8_t>(d.below(p.reads.size())),
            .count = static_cast<std::uint8_t>(1 + d.below(8))};
    } else if (roll < 65 && r) {
      st = {.kind = op::try_recv, .end = static_cast<std::uint8_t>(d.below(p.reads.size()))};
    } else {
      st = {.kind = op::alt, .alt = random_alt(d, p)};
    }
    s.push_back(st);
  }
  return s;
}

// Plain tier: some writer ends retire as soon as the script is done with them (budget, then
// retire), so that readers see end-of-stream while other processes still run.
void retire_after_last_use(dice& d, process_spec& p) {
  std::vector<std::pair<std::size_t, std::size_t>> at;  // (insert position, writer end)
  for (std::size_t i = 0; i < p.writes.size(); ++i) {
    if (!d.chance(40)) continue;
    std::size_t pos = 0;
    for (std::size_t k = 0; k < p.script.size(); ++k) {
      const step& st = p.script[k];
      const bool uses = ((st.kind == op::send || st.kind == op::try_send) && st.end == i) ||
                        (st.kind == op::alt && st.alt.offer[i]);
      if (uses) pos = k + 1;
    }
    at.emplace_back(pos, i);
  }
  std::sort(at.begin(), at.end(), std::greater<>());
  for (auto [pos, i] : at) {
    p.script.insert(p.script.begin() + static_cast<std::ptrdiff_t>(pos),
                    step{.kind = op::retire, .end = static_cast<std::uint8_t>(i)});
  }
}

// A fault step on a random end (poison, retire) or none (fail), at a random place.
void insert_fault(dice& d, process_spec& p, op kind) {
  step st{.kind = kind};
  if (kind != op::fail) {
    if (p.reads.empty() && p.writes.empty()) return;
    st.reader = p.writes.empty() || (!p.reads.empty() && d.chance(50));
    st.end = static_cast<std::uint8_t>(d.below(st.reader ? p.reads.size() : p.writes.size()));
  }
  p.script.insert(p.script.begin() + static_cast<std::ptrdiff_t>(d.below(p.script.size() + 1)), st);
}

// How the faults of one network are spread: each profile makes an outcome class common.
enum class fault_profile { poison_and_retire_only, one_failure, several_failures, anything };

void add_faults(dice& d, std::vector<process_spec>& procs) {
  const auto profile = static_cast<fault_profile>(d.below(4));
  for (auto& p : procs) {
    if (d.chance(25)) insert_fault(d, p, op::poison);
    if (d.chance(25)) insert_fault(d, p, op::retire);
    if ((profile == fault_profile::several_failures && d.chance(30)) ||
        (profile == fault_profile::anything && d.chance(15))) {
      insert_fault(d, p, op::fail);
    }
    p.policy = d.chance(50) ? on_closed::escape : on_closed::carry_on;
    p.propagate_poison = d.chance(30);
    if (p.in_subnetwork && profile != fault_profile::poison_and_retire_only &&
        profile != fault_profile::one_failure) {
      switch (d.below(4)) {
        case 0: p.sub.sink = sub_spec::sink_end::retire; break;
        case 1: p.sub.sink = sub_spec::sink_end::fail; break;
        default: p.sub.sink = sub_spec::sink_end::drain;
      }
    } else if (p.in_subnetwork && d.chance(25)) {
      p.sub.sink = sub_spec::sink_end::retire;
    }
    p.sub.sink_after = static_cast<std::uint32_t>(d.below(p.sub.values + 1));
  }
  if (profile == fault_profile::one_failure) insert_fault(d, procs[d.below(procs.size())], op::fail);
}

const char* to_string(select_kind k) {
  switch (k) {
    case select_kind::pri: return "pri_select";
    case select_kind::random: return "select";
    case select_kind::fair: return "fair_select";
  }
  return "?";
}

}  // namespace

bool never_waits(const csp::flavor& f) noexcept {
  return f.k == csp::flavor::kind::unbounded || f.k == csp::flavor::kind::overwriting;
}

std::string describe(const csp::flavor& f) {
  switch (f.k) {
    case csp::flavor::kind::rendezvous: return "rendezvous";
    case csp::flavor::kind::bounded: return "bounded(" + std::to_string(f.capacity) + ")";
    case csp::flavor::kind::unbounded: return "unbounded";
    case csp::flavor::kind::overwriting: return "overwriting(" + std::to_string(f.capacity) + ")";
  }
  return "?";
}

const char* to_string(tier t) noexcept { return t == tier::plain ? "plain" : "faults"; }

network_spec generate(std::uint64_t seed, tier level) {
  dice d(seed, level);
  network_spec net{.seed = seed, .level = level};
  net.acyclic = d.chance(75);
  const std::size_t procs = 2 + d.below(11);
  const std::size_t chans = 1 + d.below(8);
  for (std::size_t p = 0; p < procs; ++p) net.processes.push_back({.name = numbered("p", p)});

  auto& ps = net.processes;
  std::vector<channel_spec> placed;
  for (std::size_t c = 0; c < chans; ++c) {
    const csp::flavor f = random_flavor(d);
    if (place_channel(d, ps, placed.size(), net.acyclic)) placed.push_back({numbered("c", placed.size()), f});
  }
  net.channels = std::move(placed);
  for (auto& p : ps) {
    // Shuffled, so that the end of a channel sits at a random guard position in the alts.
    std::shuffle(p.reads.begin(), p.reads.end(), std::mt19937_64(d.below(1u << 30)));
    std::shuffle(p.writes.begin(), p.writes.end(), std::mt19937_64(d.below(1u << 30)));
    p.script = random_script(d, p);
    p.drain_kind = static_cast<select_kind>(d.below(3));
    p.in_subnetwork = d.chance(20);
    p.sub.flavor = random_flavor(d);
    p.sub.values = static_cast<std::uint32_t>(d.below(21));
    if (level == tier::plain) retire_after_last_use(d, p);
  }
  if (level == tier::faults) add_faults(d, ps);
  return net;
}

std::string dump(const network_spec& spec) {
  std::ostringstream o;
  o << "network seed=" << spec.seed << " tier=" << to_string(spec.level) << (spec.acyclic ? " acyclic" : " cyclic")
    << ": " << spec.channels.size()
    << " channels, " << spec.processes.size() << " processes\n";
  for (const auto& c : spec.channels) o << "  channel " << c.name << "  " << describe(c.flavor) << '\n';
  for (const auto& p : spec.processes) {
    auto chan = [&](bool reader, std::size_t end) -> const std::string& {
      return spec.channels[reader ? p.reads[end] : p.writes[end]].name;
    };
    o << "  process " << p.name << "  reads";
    for (std::size_t i = 0; i < p.reads.size(); ++i) o << ' ' << chan(true, i);
    o << "  writes";
    for (std::size_t i = 0; i < p.writes.size(); ++i) o << ' ' << chan(false, i);
    o << "  on poisoned/retired: " << (p.policy == on_closed::escape ? "let it escape" : "carry on");
    if (p.propagate_poison) o << "  propagate_poison";
    o << '\n';
    if (p.in_subnetwork) {
      o << "    runs as " << p.name << ".script in sub-network " << p.name << ".sub, beside " << p.name
        << ".source --" << p.name << ".inner " << describe(p.sub.flavor) << "--> " << p.name << ".sink; source sends "
        << p.sub.values << ", sink ";
      switch (p.sub.sink) {
        case sub_spec::sink_end::drain: o << "drains to end-of-stream\n"; break;
        case sub_spec::sink_end::retire: o << "retires after " << p.sub.sink_after << "\n"; break;
        case sub_spec::sink_end::fail: o << "throws after " << p.sub.sink_after << "\n"; break;
      }
    }
    for (std::size_t k = 0; k < p.script.size(); ++k) {
      const step& st = p.script[k];
      o << "    " << k << ": ";
      switch (st.kind) {
        case op::send: o << "send " << chan(false, st.end) << " x" << int(st.count); break;
        case op::try_send: o << "try_send " << chan(false, st.end); break;
        case op::recv: o << "recv " << chan(true, st.end) << " x" << int(st.count); break;
        case op::try_recv: o << "try_recv " << chan(true, st.end); break;
        case op::retire: o << "retire " << (st.reader ? "reader " : "writer ") << chan(st.reader, st.end); break;
        case op::poison: o << "poison " << chan(st.reader, st.end) << " (fault)"; break;
        case op::fail: o << "throw injected_failure (fault)"; break;
        case op::alt: {
          const alt_spec& a = st.alt;
          o << to_string(a.kind) << ' ' << (a.outputs_first ? "outputs first:" : "inputs first:");
          for (std::size_t i = 0; i < p.reads.size(); ++i) {
            o << " in " << chan(true, i) << (a.in_when[i] ? "" : " when(false)");
          }
          for (std::size_t i = 0; i < p.writes.size(); ++i) {
            if (a.offer[i]) o << " out " << chan(false, i);
          }
          if (a.extra == extra_guard::skip) o << " skip";
          if (a.extra == extra_guard::timeout) o << " timeout " << a.timeout_us << "us";
          if (a.extra == extra_guard::none) o << "  (may wait: every open input enabled)";
          break;
        }
      }
      o << '\n';
    }
    o << "    then: retire writer ends, drain reader ends to end-of-stream (" << to_string(p.drain_kind) << ")\n";
  }
  return o.str();
}

}  // namespace csp_random
