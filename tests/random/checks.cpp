// The invariants of checks.hpp, over the logs of one run.
#include "random/checks.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

namespace csp_random {
namespace {

bool is_failure(ending e) { return e == ending::injected || e == ending::nested || e == ending::unexpected; }

const char* to_string(ending e) {
  switch (e) {
    case ending::not_started: return "never started";
    case ending::returned: return "returned";
    case ending::closed: return "let csp::poisoned/csp::retired escape";
    case ending::injected: return "threw its injected failure";
    case ending::nested: return "let its sub-network's process_error escape";
    case ending::unexpected: return "let an unexpected exception escape";
  }
  return "?";
}

/// A channel as the checks see it: the network's channels, then each host's inner channel.
struct channel_view {
  std::string name;
  csp::flavor flavor;
  std::size_t writer_ends = 0;  // processes holding a writer end
  const csp::channels::channel_core::counts* counts = nullptr;
};

class checker {
 public:
  checker(const network_spec& spec, const run_result& run, const csp::config& cfg)
      : spec_(spec), run_(run), cfg_(cfg) {}

  verdict operator()() {
    describe_channels();
    presence();
    outcome();
    values();
    out_.counts.networks = 1;
    out_.counts.cyclic = spec_.acyclic ? 0 : 1;
    if (run_.leaked_tokens != 0) {
      fail() << run_.leaked_tokens << " token(s) still alive after the network was destroyed: values leaked";
    }
    for (const auto& l : run_.logs) {
      if (!l.handback.empty()) fail() << l.name << ": " << l.handback;
    }
    return std::move(out_);
  }

 private:
  // fail() << ... adds one violation, the sentence written into it.
  class sentence {
   public:
    explicit sentence(std::vector<std::string>& into) : into_(into) {}
    sentence(const sentence&) = delete;
    ~sentence() { into_.push_back(text_.str()); }
    template <class T>
    sentence& operator<<(const T& v) {
      text_ << v;
      return *this;
    }

   private:
    std::vector<std::string>& into_;
    std::ostringstream text_;
  };
  sentence fail() { return sentence(out_.violations); }

  void describe_channels() {
    for (std::size_t c = 0; c < spec_.channels.size(); ++c) {
      channel_view v{spec_.channels[c].name, spec_.channels[c].flavor};
      for (const auto& p : spec_.processes) v.writer_ends += std::count(p.writes.begin(), p.writes.end(), c);
      if (c < run_.channels.size()) v.counts = &run_.channels[c];
      chans_.push_back(v);
    }
    for (std::size_t pi = 0; pi < spec_.processes.size(); ++pi) {
      const process_spec& p = spec_.processes[pi];
      channel_view v{p.name + ".inner", p.sub.flavor, 1};
      const auto& host = run_.logs[slot_of(pi, self)];
      if (p.in_subnetwork) {
        if (host.inner) {
          v.counts = &*host.inner;
        } else if (host.entered) {
          fail() << p.name << " ran a sub-network but did not record its channel";
        }
      }
      chans_.push_back(v);
    }
  }

  void presence() {
    for (const auto& l : run_.logs) {
      if (!l.used) continue;
      if (!l.entered) fail() << "process " << l.name << " never started";
      if (l.entered && !l.exited) fail() << "process " << l.name << " started but never exited";
      if (l.entered) ++out_.counts.processes;
      if (l.end == ending::unexpected) fail() << "process " << l.name << " let an unexpected exception escape: " << l.what;
      if (strict() && l.entered && l.end != ending::returned) {
        fail() << "plain tier: process " << l.name << " " << to_string(l.end) << (l.what.empty() ? "" : ": ") << l.what;
      }
      if (strict() && l.failed_sends != 0) {
        fail() << "plain tier: " << l.failed_sends << " send(s) of " << l.name
               << " failed, though no reader retires before end-of-stream";
      }
      out_.counts.failed_sends += l.failed_sends;
      out_.counts.refused += l.refused;
      out_.counts.timeouts += l.timeouts;
      out_.counts.skips += l.skips;
      out_.counts.retires += l.retires;
      for (std::size_t k = 0; k < fault_kinds; ++k) out_.counts.faults[k] += l.faults[k];
    }
  }

  // Plain tier, and the run ended cleanly: nothing excuses a failed send or a missing value.
  bool strict() const { return spec_.level == tier::plain && run_.result == run_result::outcome::clean; }

  bool on_fiber_1() const { return cfg_.backend == "fiber" && cfg_.threads == 1; }

  // Among `slots`, those whose body let a failure escape, the first (by event clock) first.
  std::vector<std::size_t> failed_among(const std::vector<std::size_t>& slots) const {
    std::vector<std::size_t> f;
    for (std::size_t s : slots) {
      if (run_.logs[s].used && is_failure(run_.logs[s].end)) f.push_back(s);
    }
    std::sort(f.begin(), f.end(), [&](std::size_t a, std::size_t b) { return run_.logs[a].end_seq < run_.logs[b].end_seq; });
    return f;
  }

  std::string names(const std::vector<std::size_t>& slots) const {
    std::string s;
    for (std::size_t x : slots) s += (s.empty() ? "" : ", ") + run_.logs[x].name;
    return s;
  }

  // `e`, thrown by the run of a network whose processes are `slots`, names a process that
  // failed, the only one if only one did, the first on fiber_1; its cause goes on down to the
  // process that threw. Returns the slot of that innermost process, or npos.
  std::size_t check_named(const csp::process_error& e, const std::vector<std::size_t>& slots, int depth) {
    const auto failed = failed_among(slots);
    auto it = std::find_if(failed.begin(), failed.end(), [&](std::size_t s) { return run_.logs[s].name == e.process(); });
    if (it == failed.end()) {
      fail() << "process_error names '" << e.process() << "', which did not fail (failed: " << names(failed) << ")";
      return npos;
    }
    if (failed.size() == 1 && *it != failed.front()) fail() << "only " << names(failed) << " failed, but '" << e.process() << "' is named";
    if (on_fiber_1() && *it != failed.front()) {
      fail() << "fiber_1: '" << run_.logs[failed.front()].name << "' failed first, but '" << e.process() << "' is named (failed, in order: "
             << names(failed) << ")";
    }
    const std::string prefix = "process '" + e.process() + "' failed: ";
    if (std::string(e.what()).rfind(prefix, 0) != 0) fail() << "process_error reads \"" << e.what() << "\", not \"" << prefix << "...\"";
    const proc_log& named = run_.logs[*it];
    try {
      e.rethrow_cause();
    } catch (const injected_failure& f) {
      if (named.end != ending::injected || f.process() != named.name) {
        fail() << "the cause of '" << named.name << "''s failure is the injected failure of " << f.process();
      }
      return *it;
    } catch (const csp::process_error& inner) {
      const std::size_t pi = *it / roles;
      if (named.end != ending::nested || depth > 0) {
        fail() << "the cause of '" << named.name << "''s failure is a process_error: " << inner.what();
        return npos;
      }
      return check_named(inner, {slot_of(pi, script), slot_of(pi, source), slot_of(pi, sink)}, depth + 1);
    } catch (const std::exception& x) {
      fail() << "the cause of '" << named.name << "''s failure is unexpected: " << x.what();
    }
    return npos;
  }

  void outcome() {
    using outcome = run_result::outcome;
    switch (run_.result) {
      case outcome::clean: ++out_.counts.clean; break;
      case outcome::process_error: ++out_.counts.process_errors; break;
      case outcome::deadlock:
        ++out_.counts.deadlocks;
        if (spec_.acyclic) {
          fail() << "run threw csp::deadlock in an acyclic network, which cannot deadlock:\n" << run_.what;
        } else {
          deadlock_report();
        }
        break;
      case outcome::other: fail() << "run threw something unexpected: " << run_.what; break;
    }
    if (spec_.level == tier::plain && run_.result == outcome::process_error) {
      fail() << "plain tier: run threw csp::process_error: " << run_.what;
    }

    // A host fails exactly when its sub-network did.
    for (std::size_t pi = 0; pi < spec_.processes.size(); ++pi) {
      if (!spec_.processes[pi].in_subnetwork) continue;
      const auto inner = failed_among({slot_of(pi, script), slot_of(pi, source), slot_of(pi, sink)});
      const proc_log& host = run_.logs[slot_of(pi, self)];
      if (!inner.empty() && host.end != ending::nested) {
        fail() << names(inner) << " failed in " << spec_.processes[pi].name << "'s sub-network, but " << host.name << " "
               << to_string(host.end);
      }
      if (inner.empty() && host.end == ending::nested) {
        fail() << host.name << " reports a failed sub-network, but none of its processes failed: " << host.what;
      }
    }

    std::vector<std::size_t> top;
    for (std::size_t pi = 0; pi < spec_.processes.size(); ++pi) top.push_back(slot_of(pi, self));
    const auto failed = failed_among(top);
    if (failed.empty() && run_.result == outcome::process_error) {
      fail() << "run threw csp::process_error though no process let a failure escape: " << run_.what;
    }
    if (!failed.empty() && run_.result == outcome::clean) {
      fail() << names(failed) << " failed, but run did not throw csp::process_error";
    }
    if (run_.result != outcome::process_error) return;
    try {
      std::rethrow_exception(run_.error);
    } catch (const csp::process_error& e) {
      const std::size_t innermost = check_named(e, top, 0);
      std::vector<std::size_t> threw;
      for (std::size_t s = 0; s < run_.logs.size(); ++s) {
        if (run_.logs[s].used && run_.logs[s].end == ending::injected) threw.push_back(s);
      }
      if (threw.size() == 1 && innermost != threw.front()) {
        fail() << "only " << run_.logs[threw.front()].name << " threw, but the failure reported is: " << e.what();
      }
    }
  }

  // A deadlock report (cyclic networks): its first line, and every process it lists as blocked
  // is one of this network's.
  void deadlock_report() {
    const std::string& r = run_.what;
    if (r.rfind("deadlock: ", 0) != 0) fail() << "a deadlock report should start with \"deadlock: \":\n" << r;
    std::istringstream lines(r);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line) && line.rfind("  '", 0) == 0) {
      const std::string name = line.substr(3, line.find('\'', 3) - 3);
      const bool known = std::any_of(run_.logs.begin(), run_.logs.end(), [&](const proc_log& l) { return l.used && l.name == name; });
      if (!known) fail() << "the deadlock report lists '" << name << "', no process of this network:\n" << r;
    }
  }

  void values() {
    // Values sent ok, per (channel, writer slot), in the order sent (seq increasing).
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint32_t>> sent;
    for (std::size_t s = 0; s < run_.logs.size(); ++s) {
      for (const sent_rec& r : run_.logs[s].sent) sent[{r.channel, static_cast<std::uint32_t>(s)}].push_back(r.seq);
      out_.counts.sent += run_.logs[s].sent.size();
    }
    // Times each of those was received, same indexing.
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<int>> times;
    for (const auto& [key, seqs] : sent) times[key].assign(seqs.size(), 0);
    std::vector<std::uint64_t> delivered(chans_.size(), 0);
    std::vector<bool> eos(chans_.size(), false);

    for (const auto& l : run_.logs) {
      for (std::uint32_t c : l.eos) eos.at(c) = true;
      std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> next;  // (channel, writer) -> least next seq
      for (const recv_rec& r : l.got) {
        ++out_.counts.received;
        ++delivered.at(r.channel);
        const tag& v = r.value;
        auto what = [&] {  // only when a violation needs it
          std::ostringstream o;
          o << "value " << v.seq << " of writer ";
          if (v.writer < run_.logs.size()) {
            o << run_.logs[v.writer].name;
          } else {
            o << '#' << v.writer;
          }
          return o.str();
        };
        if (v.channel != r.channel) {
          fail() << l.name << " received on " << chans_[r.channel].name << " a " << what() << " sent to channel #" << v.channel;
          ++out_.counts.lost;
          continue;
        }
        auto it = sent.find({v.channel, v.writer});
        const auto pos = it == sent.end() ? 0 : std::lower_bound(it->second.begin(), it->second.end(), v.seq) - it->second.begin();
        if (it == sent.end() || pos == static_cast<std::ptrdiff_t>(it->second.size()) || it->second[pos] != v.seq) {
          fail() << l.name << " received on " << chans_[r.channel].name << " a " << what() << " that was never sent ok";
          ++out_.counts.lost;
          continue;
        }
        if (++times[{v.channel, v.writer}][pos] == 2) {
          fail() << chans_[r.channel].name << ": " << what() << " received twice (second time by " << l.name << ")";
          ++out_.counts.lost;
        }
        auto& n = next[{v.channel, v.writer}];
        if (v.seq < n) fail() << l.name << " received on " << chans_[r.channel].name << " " << what() << " after a later one of that writer";
        n = std::max(n, v.seq + 1);
      }
    }

    for (std::size_t c = 0; c < chans_.size(); ++c) {
      const channel_view& ch = chans_[c];
      if (ch.counts != nullptr && ch.counts->messages != delivered[c]) {
        fail() << ch.name << " delivered " << ch.counts->messages << " values, its readers recorded " << delivered[c];
      }
      const bool used = c < spec_.channels.size() || spec_.processes[c - spec_.channels.size()].in_subnetwork;
      if (strict() && used && !eos[c]) fail() << "plain tier: no reader of " << ch.name << " saw end-of-stream";
    }

    std::vector<std::uint64_t> missing(chans_.size(), 0);
    for (const auto& [key, seqs] : sent) {
      const auto [c, w] = key;
      const auto& t = times[key];
      const channel_view& ch = chans_.at(c);
      const auto kind = ch.flavor.k;
      const std::string who = ch.name + ", writer " + run_.logs[w].name;
      std::size_t unreceived = 0, last_received = 0;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == 0) {
          ++unreceived;
        } else {
          last_received = i + 1;
        }
      }
      if (kind == csp::flavor::kind::overwriting) {
        std::size_t kept_yet_lost = 0;
        if (eos[c] && ch.writer_ends == 1) {
          const std::size_t keep = std::min<std::size_t>(ch.flavor.capacity, t.size());
          for (std::size_t i = t.size() - keep; i < t.size(); ++i) {
            if (t[i] == 0) {
              fail() << who << ": value " << seqs[i] << " is among its last " << keep
                     << " and end-of-stream was seen, yet it was never received (nothing could overwrite it)";
              ++kept_yet_lost;
            }
          }
        }
        out_.counts.lost += kept_yet_lost;
        missing[c] += unreceived - kept_yet_lost;  // overwritten
        continue;
      }
      if (kind == csp::flavor::kind::rendezvous && unreceived > 0) {
        fail() << who << ": " << unreceived << " value(s) sent ok on a rendezvous channel never received (first: "
               << seqs[std::find(t.begin(), t.end(), 0) - t.begin()] << ")";
        out_.counts.lost += unreceived;
        continue;
      }
      // FIFO: what was never received is the tail of what was sent.
      const std::size_t holes = static_cast<std::size_t>(std::count(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(last_received), 0));
      if (holes > 0) {
        fail() << who << ": " << holes << " value(s) never received though later ones were (first: "
               << seqs[std::find(t.begin(), t.end(), 0) - t.begin()] << ")";
        out_.counts.lost += holes;
      }
      missing[c] += unreceived - holes;  // the tail: stranded in the buffer, if allowed below
    }
    for (std::size_t c = 0; c < chans_.size(); ++c) {
      const channel_view& ch = chans_[c];
      if (missing[c] == 0) continue;
      switch (ch.flavor.k) {
        case csp::flavor::kind::overwriting: out_.counts.overwritten += missing[c]; break;
        case csp::flavor::kind::rendezvous: break;  // never: counted as lost above
        case csp::flavor::kind::bounded:
        case csp::flavor::kind::unbounded: {
          const bool over_capacity = ch.flavor.k == csp::flavor::kind::bounded && missing[c] > ch.flavor.capacity;
          if (eos[c] || over_capacity) {
            fail() << ch.name << " (" << describe(ch.flavor) << "): " << missing[c] << " value(s) sent ok never received"
                   << (eos[c] ? ", though a reader saw end-of-stream (the buffer was drained)" : ", more than its capacity");
            out_.counts.lost += missing[c];
          } else {
            out_.counts.stranded += missing[c];
          }
        }
      }
    }
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  const network_spec& spec_;
  const run_result& run_;
  const csp::config& cfg_;
  std::vector<channel_view> chans_;
  verdict out_;
};

}  // namespace

figures& figures::operator+=(const figures& o) {
  networks += o.networks;
  cyclic += o.cyclic;
  processes += o.processes;
  sent += o.sent;
  received += o.received;
  overwritten += o.overwritten;
  stranded += o.stranded;
  lost += o.lost;
  failed_sends += o.failed_sends;
  refused += o.refused;
  timeouts += o.timeouts;
  skips += o.skips;
  retires += o.retires;
  for (std::size_t k = 0; k < fault_kinds; ++k) faults[k] += o.faults[k];
  clean += o.clean;
  process_errors += o.process_errors;
  deadlocks += o.deadlocks;
  return *this;
}

verdict check(const network_spec& spec, const run_result& run, const csp::config& cfg) {
  return checker(spec, run, cfg)();
}

}  // namespace csp_random
