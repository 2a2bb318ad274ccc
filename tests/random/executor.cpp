// Runs a generated network. The `actor` below interprets one process's script under rule A of
// generator.hpp (with rule B, it makes acyclic networks deadlock-free): a process that waits
// without a timer accepts input on every reader end it still has open.
#include "random/executor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <utility>

namespace csp_random {
namespace {

using readers = std::vector<csp::reader<token>>;
using writers = std::vector<csp::writer<token>>;

struct context {
  const network_spec& spec;
  std::vector<proc_log>& logs;
  // The event clock: failures take a number from it as they escape a body, so that the checks
  // know which came first. seq_cst: one total order of failures across threads.
  std::atomic<std::uint64_t> clock{0};
};

void note_failure(context& ctx, proc_log& log, ending how, const char* what) {
  log.end = how;
  log.end_seq = ++ctx.clock;
  log.what = what;
}

// Runs `body` as the body of the process whose log is `log`: marks entry and exit (exit in a
// destructor, so that it is marked however the body leaves) and notes how it ended. Every
// exception goes on to the runtime unchanged.
template <class F>
void guarded(context& ctx, proc_log& log, F&& body) {
  struct presence {
    proc_log& l;
    ~presence() { l.exited = true; }
  } mark{log};
  log.entered = true;
  try {
    body();
    log.end = ending::returned;
  } catch (const csp::poisoned&) {
    log.end = ending::closed;
    throw;
  } catch (const csp::retired&) {
    log.end = ending::closed;
    throw;
  } catch (const injected_failure& e) {
    note_failure(ctx, log, ending::injected, e.what());
    throw;
  } catch (const csp::process_error& e) {
    note_failure(ctx, log, ending::nested, e.what());
    throw;
  } catch (const std::exception& e) {
    note_failure(ctx, log, ending::unexpected, e.what());
    throw;
  } catch (...) {
    note_failure(ctx, log, ending::unexpected, "an exception that is not a std::exception");
    throw;
  }
}

template <class... G>
std::size_t dispatch(select_kind k, csp::alt& a, G&&... g) {
  switch (k) {
    case select_kind::pri: return csp::pri_select(std::forward<G>(g)...);
    case select_kind::random: return csp::select(std::forward<G>(g)...);
    case select_kind::fair: break;
  }
  return a.fair_select(std::forward<G>(g)...);
}

/// One select: which guards take part, and how it is made.
struct select_request {
  select_kind kind = select_kind::pri;
  std::array<bool, max_ends> in{}, out{};
  extra_guard extra = extra_guard::none;
  std::uint32_t timeout_us = 0;
  bool outputs_first = false;
};

class actor {
 public:
  actor(context& ctx, const process_spec& p, std::size_t slot, readers ins, writers outs)
      : ctx_(ctx), p_(p), log_(ctx.logs[slot]), writer_id_(static_cast<std::uint32_t>(slot)),
        ins_(std::move(ins)), outs_(std::move(outs)), in_state_(ins_.size(), state::open),
        out_state_(outs_.size(), state::open) {}

  void run() {
    for (const step& st : p_.script) perform(st);
    drain();
  }

 private:
  // open; retired: by this process (never used again: an operation on it would throw
  // csp::retired for this end, which is not end-of-stream); closed: end-of-stream, no readers
  // left, or poisoned.
  enum class state : std::uint8_t { open, retired, closed };

  bool escape() const noexcept { return p_.policy == on_closed::escape; }
  std::uint32_t in_channel(std::size_t r) const { return static_cast<std::uint32_t>(p_.reads[r]); }
  std::uint32_t out_channel(std::size_t w) const { return static_cast<std::uint32_t>(p_.writes[w]); }
  const csp::flavor& out_flavor(std::size_t w) const { return ctx_.spec.channels[p_.writes[w]].flavor; }
  std::size_t open_inputs() const {
    return static_cast<std::size_t>(std::count(in_state_.begin(), in_state_.end(), state::open));
  }

  token next_token(std::size_t w) const { return token(tag{out_channel(w), writer_id_, seq_}); }
  void sent(std::size_t w) {
    log_.sent.push_back({out_channel(w), seq_});
    ++seq_;
  }
  void received(std::size_t r, const token& t) { log_.got.push_back({in_channel(r), t.get()}); }

  // A reader end met end-of-stream (poisoned = false) or poison.
  void input_closed(std::size_t r, bool poisoned) {
    in_state_[r] = state::closed;
    if (!poisoned) log_.eos.push_back(in_channel(r));
  }
  void output_failed(std::size_t w) {
    out_state_[w] = state::closed;
    ++log_.failed_sends;
  }

  void perform(const step& st) {
    switch (st.kind) {
      case op::send:
        for (int k = 0; k < st.count && out_state_[st.end] == state::open; ++k) send_one(st.end);
        break;
      case op::recv:
        for (int k = 0; k < st.count && open_inputs() > 0; ++k) recv_one(st.end);
        break;
      case op::try_send: try_send(st.end); break;
      case op::try_recv: try_recv(st.end); break;
      case op::alt: alt_step(st.alt); break;
      case op::retire: retire(st); break;
      case op::poison:
        ++log_.faults[static_cast<std::size_t>(fault::poison)];
        if (st.reader) {
          ins_[st.end].poison();
        } else {
          outs_[st.end].poison();
        }
        break;
      case op::fail:
        ++log_.faults[static_cast<std::size_t>(fault::fail)];
        throw injected_failure(log_.name);
    }
  }

  void retire(const step& st) {
    if (ctx_.spec.level == tier::faults) {
      ++log_.faults[static_cast<std::size_t>(fault::retire)];
    } else {
      ++log_.retires;
    }
    auto& s = st.reader ? in_state_[st.end] : out_state_[st.end];
    if (s == state::retired) return;
    s = state::retired;
    if (st.reader) {
      ins_[st.end].retire();
    } else {
      outs_[st.end].retire();
    }
  }

  // A plain send where that cannot wait for good: the channel never makes a writer wait, or
  // this process has no open input to accept meanwhile. Otherwise a select of the output with
  // every open input, again until the output fires or fails.
  void send_one(std::size_t w) {
    while (out_state_[w] == state::open) {
      if (never_waits(out_flavor(w)) || open_inputs() == 0) {
        try {
          outs_[w].send(next_token(w));
          sent(w);
        } catch (const csp::channel_error&) {
          output_failed(w);
          if (escape()) throw;
        }
        return;
      }
      select_request rq{.kind = p_.drain_kind};
      rq.out[w] = true;
      for (std::size_t r = 0; r < ins_.size(); ++r) rq.in[r] = in_state_[r] == state::open;
      if (select(rq) == fired::output) return;
    }
  }

  // A plain recv when `r` is the only open input; otherwise a select over every open input.
  void recv_one(std::size_t r) {
    if (in_state_[r] == state::open && open_inputs() == 1) {
      try {
        token t = ins_[r].recv();
        received(r, t);
      } catch (const csp::poisoned&) {
        input_closed(r, true);
        if (escape()) throw;
      } catch (const csp::retired&) {
        input_closed(r, false);
        if (escape()) throw;
      }
      return;
    }
    select_request rq{.kind = p_.drain_kind};
    for (std::size_t i = 0; i < ins_.size(); ++i) rq.in[i] = in_state_[i] == state::open;
    select(rq);
  }

  void try_send(std::size_t w) {
    if (out_state_[w] != state::open) return;
    token t = next_token(w);
    const tag before = t.get();
    const csp::status s = outs_[w].try_send(std::move(t));
    if (s == csp::status::ok) {
      sent(w);
      return;
    }
    if (!t || t.get().seq != before.seq || t.get().channel != before.channel) {
      log_.handback = "try_send on " + ctx_.spec.channels[p_.writes[w]].name + " returned " +
                      csp::to_string(s) + " but did not hand the value back";
    }
    if (s == csp::status::would_block) {
      ++log_.refused;
    } else {
      output_failed(w);
    }
  }

  void try_recv(std::size_t r) {
    if (in_state_[r] != state::open) return;
    token t;
    const csp::status s = ins_[r].try_recv(t);
    if (s == csp::status::ok) {
      received(r, t);
    } else if (s != csp::status::would_block) {
      input_closed(r, s == csp::status::poisoned);
    }
  }

  void alt_step(const alt_spec& a) {
    select_request rq{.kind = a.kind, .extra = a.extra, .timeout_us = a.timeout_us, .outputs_first = a.outputs_first};
    bool any = a.extra != extra_guard::none;
    for (std::size_t r = 0; r < ins_.size(); ++r) {
      // With no skip or timeout the select may wait: every open input takes part then.
      rq.in[r] = in_state_[r] == state::open && (a.in_when[r] || a.extra == extra_guard::none);
      any |= rq.in[r];
    }
    for (std::size_t w = 0; w < outs_.size(); ++w) {
      rq.out[w] = out_state_[w] == state::open && a.offer[w];
      any |= rq.out[w];
    }
    if (any) select(rq);  // with every guard disabled, select would be a misuse
  }

  // After the script: retire every writer end, then receive until every input has ended.
  void drain() {
    for (std::size_t w = 0; w < outs_.size(); ++w) {
      if (out_state_[w] != state::retired) {
        out_state_[w] = state::retired;
        outs_[w].retire();
      }
    }
    while (open_inputs() > 0) {
      if (open_inputs() == 1) {
        const auto r = static_cast<std::size_t>(
            std::find(in_state_.begin(), in_state_.end(), state::open) - in_state_.begin());
        try {
          for (token& t : ins_[r]) received(r, t);
          input_closed(r, false);
        } catch (const csp::poisoned&) {
          input_closed(r, true);
          if (escape()) throw;
        }
        continue;
      }
      select_request rq{.kind = p_.drain_kind};
      for (std::size_t i = 0; i < ins_.size(); ++i) rq.in[i] = in_state_[i] == state::open;
      select(rq);
    }
  }

  enum class fired { input, output, extra, none };

  // One select over max_ends input guards, max_ends output guards and a skip/timeout guard;
  // the guards of ends this process does not hold take part with .when(false) on empty ends.
  // Records what fired. An input or output that has ended or is poisoned closes that end.
  fired select(const select_request& rq) {
    std::array<token, max_ends> got;
    auto in = [&](std::size_t i) {
      return csp::input(i < ins_.size() ? ins_[i] : no_reader_, got[i]).when(rq.in[i]);
    };
    auto out = [&](std::size_t i) {
      return csp::output(i < outs_.size() ? outs_[i] : no_writer_, rq.out[i] ? next_token(i) : token{})
          .when(rq.out[i]);
    };
    auto extra = [&] {
      auto g = rq.extra == extra_guard::timeout ? csp::timeout(std::chrono::microseconds(rq.timeout_us)) : csp::skip();
      return std::move(g).when(rq.extra != extra_guard::none);
    };
    // Guard index -> (inputs first) 0..3 inputs, 4..7 outputs, 8 extra; or outputs first.
    auto decode = [&](std::size_t f) -> std::pair<fired, std::size_t> {
      if (f >= 2 * max_ends) return {fired::extra, 0};
      const bool first_half = f < max_ends;
      const std::size_t i = f % max_ends;
      return {first_half != rq.outputs_first ? fired::input : fired::output, i};
    };
    try {
      const std::size_t f =
          rq.outputs_first
              ? dispatch(rq.kind, alt_, out(0), out(1), out(2), out(3), in(0), in(1), in(2), in(3), extra())
              : dispatch(rq.kind, alt_, in(0), in(1), in(2), in(3), out(0), out(1), out(2), out(3), extra());
      const auto [what, i] = decode(f);
      if (what == fired::input) received(i, got[i]);
      if (what == fired::output) sent(i);
      if (what == fired::extra) ++(rq.extra == extra_guard::timeout ? log_.timeouts : log_.skips);
      return what;
    } catch (const csp::channel_error& e) {
      if (e.guard() == csp::channel_error::npos) {
        // The run is shutting down (a timed select ended by an abort): every channel is
        // poisoned, so the next operations will say so.
        if (escape()) throw;
        return fired::none;
      }
      const bool poisoned = dynamic_cast<const csp::poisoned*>(&e) != nullptr;
      const auto [what, i] = decode(e.guard());
      if (what == fired::input) input_closed(i, poisoned);
      if (what == fired::output) output_failed(i);
      if (escape()) throw;
      return fired::none;
    }
  }

  context& ctx_;
  const process_spec& p_;
  proc_log& log_;
  std::uint32_t writer_id_;
  std::uint32_t seq_ = 0;
  readers ins_;
  writers outs_;
  std::vector<state> in_state_, out_state_;
  csp::reader<token> no_reader_;
  csp::writer<token> no_writer_;
  csp::alt alt_;
};

void run_script(context& ctx, const process_spec& p, std::size_t slot, readers ins, writers outs) {
  guarded(ctx, ctx.logs[slot], [&] { actor(ctx, p, slot, std::move(ins), std::move(outs)).run(); });
}

// Inside a sub-network: sends the spec's values, then ends (its end retires).
void run_source(context& ctx, const process_spec& p, std::size_t pi, csp::writer<token> out) {
  proc_log& log = ctx.logs[slot_of(pi, source)];
  guarded(ctx, log, [&] {
    const auto writer = static_cast<std::uint32_t>(slot_of(pi, source));
    for (std::uint32_t i = 0; i < p.sub.values; ++i) {
      try {
        out.send(token(tag{inner_channel(ctx.spec, pi), writer, i}));
      } catch (const csp::channel_error&) {
        ++log.failed_sends;
        throw;
      }
      log.sent.push_back({inner_channel(ctx.spec, pi), i});
    }
  });
}

// Inside a sub-network: drains to end-of-stream, or after sink_after values retires or throws.
void run_sink(context& ctx, const process_spec& p, std::size_t pi, csp::reader<token> in) {
  proc_log& log = ctx.logs[slot_of(pi, sink)];
  guarded(ctx, log, [&] {
    const std::uint32_t c = inner_channel(ctx.spec, pi);
    if (p.sub.sink == sub_spec::sink_end::drain) {
      for (token& t : in) log.got.push_back({c, t.get()});
      log.eos.push_back(c);
      return;
    }
    try {
      for (std::uint32_t i = 0; i < p.sub.sink_after; ++i) {
        token t = in.recv();
        log.got.push_back({c, t.get()});
      }
    } catch (const csp::retired&) {
      log.eos.push_back(c);
    }
    if (p.sub.sink == sub_spec::sink_end::retire) {
      ++log.faults[static_cast<std::size_t>(fault::sink_retire)];
      in.retire();
      return;
    }
    ++log.faults[static_cast<std::size_t>(fault::sink_fail)];
    throw injected_failure(log.name);
  });
}

// A process that runs its script inside a sub-network of its own (csp::run inside a body),
// beside a source and a sink. Its ends move into the script process: the host holds none while
// it waits for the sub-network, so the deadlock-freedom rule still holds.
void run_host(context& ctx, const process_spec& p, std::size_t pi, readers ins, writers outs) {
  proc_log& log = ctx.logs[slot_of(pi, self)];
  guarded(ctx, log, [&] {
    csp::network sub(p.name + ".sub");
    auto inner = sub.channel<token>(p.name + ".inner", p.sub.flavor);
    struct snapshot_at_exit {  // however run(sub) ends
      proc_log& l;
      const csp::channel<token>& c;
      ~snapshot_at_exit() { l.inner = c.core()->snapshot(); }
    } snap{log, inner};
    sub.spawn(csp::process(p.name + ".script",
                           [&ctx, &p, pi](readers i, writers o) {
                             run_script(ctx, p, slot_of(pi, script), std::move(i), std::move(o));
                           },
                           std::move(ins), std::move(outs))
                  .propagate_poison(p.propagate_poison));
    sub.spawn(p.name + ".source", [&ctx, &p, pi](csp::writer<token> o) { run_source(ctx, p, pi, std::move(o)); },
              inner.writer());
    sub.spawn(p.name + ".sink", [&ctx, &p, pi](csp::reader<token> i) { run_sink(ctx, p, pi, std::move(i)); },
              inner.reader());
    csp::run(sub);
  });
}

}  // namespace

run_result execute(const network_spec& spec, const csp::config& cfg) {
  run_result res;
  res.logs.resize(spec.processes.size() * roles);
  for (std::size_t pi = 0; pi < spec.processes.size(); ++pi) {
    const process_spec& p = spec.processes[pi];
    auto& self_log = res.logs[slot_of(pi, self)];
    self_log.name = p.name;
    self_log.used = true;
    if (p.in_subnetwork) {
      for (auto [r, suffix] : {std::pair{script, ".script"}, {source, ".source"}, {sink, ".sink"}}) {
        res.logs[slot_of(pi, r)].name = p.name + suffix;
        res.logs[slot_of(pi, r)].used = true;
      }
    }
  }
  const long tokens_before = token::live();
  {
    context ctx{.spec = spec, .logs = res.logs};
    csp::network net("random-" + std::to_string(spec.seed));
    std::vector<csp::channel<token>> chans;
    for (const auto& c : spec.channels) chans.push_back(net.channel<token>(c.name, c.flavor));
    for (std::size_t pi = 0; pi < spec.processes.size(); ++pi) {
      const process_spec& p = spec.processes[pi];
      readers ins;
      writers outs;
      for (std::size_t c : p.reads) ins.push_back(chans[c].reader());
      for (std::size_t c : p.writes) outs.push_back(chans[c].writer());
      std::function<void(readers, writers)> body;
      if (p.in_subnetwork) {
        body = [&ctx, &p, pi](readers i, writers o) { run_host(ctx, p, pi, std::move(i), std::move(o)); };
      } else {
        body = [&ctx, &p, pi](readers i, writers o) { run_script(ctx, p, slot_of(pi, self), std::move(i), std::move(o)); };
      }
      net.spawn(csp::process(p.name, std::move(body), std::move(ins), std::move(outs)).propagate_poison(p.propagate_poison));
    }
    try {
      csp::run(net, cfg);
    } catch (const csp::process_error& e) {
      res.result = run_result::outcome::process_error;
      res.what = e.what();
      res.error = std::current_exception();
    } catch (const csp::deadlock& e) {
      res.result = run_result::outcome::deadlock;
      res.what = e.what();
    } catch (const std::exception& e) {
      res.result = run_result::outcome::other;
      res.what = e.what();
    }
    for (const auto& c : chans) res.channels.push_back(c.core()->snapshot());
  }
  res.leaked_tokens = token::live() - tokens_before;
  return res;
}

}  // namespace csp_random
