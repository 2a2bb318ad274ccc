// Data parallelism inside one process: csp::parallel_for splits an index range over the
// backend's worker threads where the backend has a pool for it (tbb: tbb::parallel_for in an
// isolated region of the run's arena), and runs it on the calling process everywhere else
// (thread, fiber, and outside any run).
//
//   // a pure stage: square a batch of values in place
//   csp::parallel_for(batch.size(), [&](std::size_t i) { batch[i] *= batch[i]; });
//
// The body must be pure with respect to the network: no channel operation, no alt, no
// sub-network inside it (it may run on threads that are not a process). It may throw; the
// first exception reaches the caller after the other chunks have stopped or finished.
#pragma once

#include <cstddef>
#include <type_traits>

namespace csp {

namespace detail {
/// [begin, end) chunks of [0, n), at least `grain` indices each (except the last), given to
/// `chunk(context, begin, end)`; by the current process's backend, or on the caller.
void parallel_chunks(std::size_t n, std::size_t grain, void (*chunk)(void*, std::size_t, std::size_t),
                     void* context);
}  // namespace detail

/// Calls body(i) for every i in [0, n), possibly in parallel; returns when all calls have
/// returned. `grain`: the fewest indices handed to one thread at a time (1: let the backend
/// choose). Example: `csp::parallel_for(rows, [&](std::size_t y) { render_row(y); });`
template <class Body>
  requires std::is_invocable_v<const Body&, std::size_t>
void parallel_for(std::size_t n, const Body& body, std::size_t grain = 1) {
  detail::parallel_chunks(n, grain,
                          [](void* b, std::size_t begin, std::size_t end) {
                            const Body& f = *static_cast<const Body*>(b);
                            for (std::size_t i = begin; i < end; ++i) f(i);
                          },
                          const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace csp
