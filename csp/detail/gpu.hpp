// What a stage compiled for the GPU (networks/detail/gpu_stages.cuh) asks of the run it is in,
// without CUDA headers: whether the run offers a GPU, and a way to let other processes run
// while it waits for its GPU work. Implemented in src/runtime.cpp.
#pragma once

#include <string_view>

#include <csp/detail/backend.hpp>

namespace csp::detail {

/// The GPU the current process's run offers its stages (the cuda backend with a usable
/// device), or null: another backend, no device, or a thread outside any run.
const gpu_offer* gpu_here() noexcept;

/// Lets the other processes on this thread run for a moment (backend::pause()).
void gpu_pause() noexcept;

/// The run offers a GPU, but the current stage runs on the host: says so on stderr, once per
/// stage and run, naming the stage and `why` ("its program was not compiled with nvcc").
void stage_on_host(std::string_view why);

}  // namespace csp::detail
