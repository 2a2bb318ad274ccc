// The tbb backend: every process is a oneTBB task in a task_arena of --csp-threads workers; a
// process that blocks suspends its task, freeing the worker. See README.md beside this file.
#pragma once

#include <memory>

#include <csp/detail/backend.hpp>

namespace csp::tbb {

/// `threads` worker threads in the run's arena (1 to 1024); the thread that calls run() waits
/// outside it.
std::unique_ptr<detail::backend> make_backend(int threads);

}  // namespace csp::tbb
