// One send or receive on one channel, blocking or not: the single-guard case of the guard
// protocol (channels/channel_core.hpp), without the alt's enable/abort round.
#pragma once

#include <channels/channel_core.hpp>
#include <csp/detail/runtime.hpp>

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
  detail::remote_port* port = c.remote();
  const status s = port == nullptr ? c.attempt(e, /*enlist=*/true) : port->attempt(e, /*enlist=*/true);
  if (s != status::would_block) return s;
  wait(w, nullptr);
  return w.result;
}

/// Completes `e` on `c` only if that needs no waiting.
inline status try_operate(channels::channel_core& c, wait_entry& e) {
  waiter w;  // never linked: it only identifies this operation to claim_partner
  e.owner = &w;
  e.channel = &c;
  if (detail::remote_port* port = c.remote()) return port->try_attempt(e);
  return c.attempt(e, /*enlist=*/false);
}

}  // namespace csp::detail
