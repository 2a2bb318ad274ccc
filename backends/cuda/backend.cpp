// The cuda backend: the processes of a run are fibers, as on the fiber backend (whose backend
// this one wraps and forwards to), and the run offers its stages a GPU (backend::gpu()). The
// stages themselves decide, in code nvcc compiled into the program, to run on it
// (networks/detail/gpu_stages.cuh); this file only finds the device, says when there is none,
// and lets a stage waiting for its GPU work yield its thread to the other fibers.
//
// Finding the device: cudaGetDeviceCount, then device 0's properties. Any CUDA error there
// (no driver, a driver older than the runtime, no device) means no usable GPU; its name and
// text are what the one-line message and the require_device error quote.
#include <backends/cuda/backend.hpp>

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <boost/fiber/operations.hpp>

#include <atomic>
#include <cstdio>
#include <string>

#include <backends/fiber/backend.hpp>
#include <csp/errors.hpp>

namespace csp::cuda {
namespace {

/// The GPU found, or why there is none.
struct probe {
  bool usable = false;
  std::string what;  // the device's name, or why there is no usable one
};

probe find_device() {
  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    return {false, fmt::format("cudaGetDeviceCount: {}: {}", cudaGetErrorName(e), cudaGetErrorString(e))};
  }
  if (count == 0) return {false, "cudaGetDeviceCount: no CUDA device"};
  cudaDeviceProp props{};
  if (const cudaError_t e = cudaGetDeviceProperties(&props, 0); e != cudaSuccess) {
    return {false, fmt::format("cudaGetDeviceProperties: {}: {}", cudaGetErrorName(e), cudaGetErrorString(e))};
  }
  return {true, fmt::format("{} (compute capability {}.{}, {} MiB)", props.name, props.major, props.minor,
                            props.totalGlobalMem >> 20)};
}

class backend final : public detail::backend {
 public:
  backend(const config& cfg, probe found) : host_(fiber::make_backend(cfg.threads)), found_(std::move(found)) {
    offer_.device = 0;
    offer_.batch = cfg.cuda.batch;
    offer_.streams = cfg.cuda.streams;
  }

  const char* name() const noexcept override { return "cuda"; }
  void run(detail::runtime& rt, detail::group& g) override { host_->run(rt, g); }
  void start(detail::runtime& rt, detail::group& g) override { host_->start(rt, g); }
  void parallel_chunks(std::size_t n, std::size_t grain, void (*chunk)(void*, std::size_t, std::size_t),
                       void* context) override {
    host_->parallel_chunks(n, grain, chunk, context);
  }
  const detail::gpu_offer* gpu() const noexcept override { return found_.usable ? &offer_ : nullptr; }
  void pause() noexcept override { boost::this_fiber::yield(); }
  std::string where() const override {
    return host_->where() + (found_.usable ? ", GPU 0: " + found_.what : ", no usable GPU: stages on the host");
  }

 private:
  std::unique_ptr<detail::backend> host_;
  probe found_;
  detail::gpu_offer offer_;
};

}  // namespace

std::unique_ptr<detail::backend> make_backend(const config& cfg) {
  probe found = find_device();
  if (!found.usable) {
    if (cfg.cuda.require_device) {
      throw config_error("cuda.require_device = true, and there is no usable GPU (" + found.what + ")");
    }
    static std::atomic<bool> said{false};
    if (!said.exchange(true)) {
      std::fprintf(stderr,
                   "csp: cuda: no usable GPU (%s); the stages run on the host "
                   "(cuda.require_device = true makes this an error)\n",
                   found.what.c_str());
    }
  }
  return std::make_unique<backend>(cfg, std::move(found));
}

}  // namespace csp::cuda
