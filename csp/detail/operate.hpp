// One send or receive on one channel, blocking or not: the single-guard case of the guard
// protocol (channels/channel_core.hpp), without the alt's enable/abort round.
#pragma once

#include <channels/channel_core.hpp>
#include <csp/detail/runtime.hpp>
#include <csp/detail/trace.hpp>

namespace csp::detail {

/// model/alt.pml: operate
/// Completes `e` on `c`, parking the current process until a partner, end-of-stream or poison
/// decides it. Returns ok, retired or poisoned.
inline status operate(channels::channel_core& c, wait_entry& e) {
  waiter w;
  w.proc = &current();
  w.counted = true;
  w.entries = {&e, 1};
  e.owner = &w;
  e.channel = &c;
  tracer* const traced = tracing(*w.proc);  // null unless --csp-trace
  if (traced != nullptr) w.began = clock::now();
  const clock::time_point began = w.began;  // wait() clears w.began
  detail::remote_port* port = c.remote();
  status s = port == nullptr ? c.attempt(e, /*enlist=*/true) : port->attempt(e, /*enlist=*/true);
  if (s == status::would_block) {
    wait(w, nullptr);
    s = w.result;
  }
  if (traced != nullptr && s == status::ok) traced->communicated(*w.proc, e, began, w.woke);
  return s;
}

/// Completes `e` on `c` only if that needs no waiting.
inline status try_operate(channels::channel_core& c, wait_entry& e) {
  waiter w;  // never linked: it only identifies this operation to claim_partner
  e.owner = &w;
  e.channel = &c;
  const process_state& self = current();
  tracer* const traced = tracing(self);
  const clock::time_point began = traced != nullptr ? clock::now() : clock::time_point{};
  detail::remote_port* port = c.remote();
  const status s = port != nullptr ? port->try_attempt(e) : c.attempt(e, /*enlist=*/false);
  if (traced != nullptr && s == status::ok) traced->communicated(self, e, began, {});
  return s;
}

}  // namespace csp::detail
