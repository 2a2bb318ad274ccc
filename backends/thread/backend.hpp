// The thread backend: one OS thread per process. The reference backend: simple, always
// built, and the one the sanitizers run hardest. See README.md beside this file.
#pragma once

#include <memory>

#include <csp/detail/backend.hpp>

namespace csp::thread {

std::unique_ptr<detail::backend> make_backend();

}  // namespace csp::thread
