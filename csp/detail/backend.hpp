// What a backend provides (DESIGN.md section 3): where processes run and how they block.
// Channels and alt never see this interface; they see only `parker` (waiter.hpp).
#pragma once

#include <csp/detail/runtime.hpp>

namespace csp::detail {

class backend {
 public:
  virtual ~backend() = default;
  virtual const char* name() const noexcept = 0;

  /// Runs the top-level group `g` of `rt` to completion. The caller is not a process; it
  /// returns when every process of `g` (and of any sub-network they ran) has ended.
  virtual void run(runtime& rt, group& g) = 0;

  /// Starts the processes of a sub-network `g` from inside a running process. They run
  /// concurrently with the caller, which then waits on `g.join`.
  virtual void start(runtime& rt, group& g) = 0;
};

/// Runs one process's body on the calling thread or fiber: sets current(), turns its end into
/// the runtime's bookkeeping (errors, poison propagation, ended()). Backends call this.
void execute(process_state& p) noexcept;

}  // namespace csp::detail
