// The fiber backend (the default): every process is a Boost.Fiber fiber, on one thread or on
// N threads sharing one ready queue. See README.md beside this file.
#pragma once

#include <memory>

#include <csp/detail/backend.hpp>

namespace csp::fiber {

/// `threads` worker threads (1: everything on one thread, no locks contended, no system call
/// per communication). `stack_size` bytes of stack per process.
std::unique_ptr<detail::backend> make_backend(int threads, std::size_t stack_size = 64 * 1024);

}  // namespace csp::fiber
