// The cuda backend: stages (networks/stages.hpp) on an NVIDIA GPU, every other process on host
// fibers. See README.md beside this file.
#pragma once

#include <memory>

#include <csp/config.hpp>
#include <csp/detail/backend.hpp>

namespace csp::cuda {

/// Looks for a usable GPU. Without one: throws csp::config_error when cfg.cuda.require_device,
/// else says so on stderr (once per program) and the backend's stages run on the host.
std::unique_ptr<detail::backend> make_backend(const config& cfg);

}  // namespace csp::cuda
