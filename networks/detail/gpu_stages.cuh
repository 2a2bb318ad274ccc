// Stages on the GPU: how map_stage and reduce_stage (networks/stages.hpp) run when nvcc compiled
// the program and the run offers a GPU (the cuda backend with a usable device). Included by
// stages.hpp in translation units that nvcc compiles, and nowhere else.
//
//   in --> [gather a batch into a pinned buffer] --H2D--> [kernel] --D2H--> [send in order] --> out
//          (slot k of S, each on its own stream: while slot k's results are sent, slots
//           k+1 .. k+S-1 are being copied and computed)
//
// Invariants
//   G1  Every value taken from `in` is computed and its result sent (map) or folded (reduce)
//       before the stage next waits on `in` with nothing on the GPU: the stage blocks in recv()
//       only when no slot is in flight. With slots in flight it only polls (try_recv) and, when
//       nothing is there, finishes the oldest slot. So a network whose producer waits for a
//       result before sending more cannot deadlock here, as it could not on the host.
//   G2  Slots finish in the order they were launched, and each slot's results are sent in
//       index order: results leave in input order.
//   G3  At most `streams` slots are in flight; a slot is refilled only after it finished.
//   G4  A slot's pinned buffers are written by the host only while the slot is not in flight,
//       and read by the host only after its event completed.
//   G5  Every CUDA error becomes a csp::device_error naming the call; the slots' destructors
//       wait for their streams before freeing memory, so an exception (device_error, poison,
//       a retired reader) never frees memory a copy or kernel still uses.
//   G6  Waiting for a slot polls its event and calls detail::gpu_pause() between polls: other
//       processes on the same thread run meanwhile; the stage counts as running (it is not in
//       a channel wait), so the deadlock detector does not mistake it for blocked.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/detail/gpu.hpp>
#include <csp/device.hpp>
#include <csp/ends.hpp>
#include <csp/errors.hpp>
#include <csp/status.hpp>

namespace csp::networks::gpu {

/// Throws csp::device_error for a failed CUDA call `call`.
inline void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) {
    throw csp::device_error(call, static_cast<int>(e), cudaGetErrorName(e), cudaGetErrorString(e));
  }
}

/// Where a buffer lives: page-locked host memory (copies from and to it run asynchronously),
/// or device memory.
enum class memory { pinned, device };

/// `count` values of T (at least one) in `Where`.
template <class T, memory Where>
class buffer {
 public:
  explicit buffer(std::size_t count) {
    const std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(T);
    if constexpr (Where == memory::pinned) {
      check(cudaMallocHost(&p_, bytes), "cudaMallocHost");
    } else {
      check(cudaMalloc(&p_, bytes), "cudaMalloc");
    }
  }
  ~buffer() {
    if constexpr (Where == memory::pinned) {
      cudaFreeHost(p_);
    } else {
      cudaFree(p_);
    }
  }
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  T* get() const noexcept { return p_; }
  T& operator[](std::size_t i) const noexcept { return p_[i]; }

 private:
  T* p_ = nullptr;
};

/// A stream and the event that marks the end of the work last queued on it.
class stream {
 public:
  stream() {
    check(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    if (cudaError_t e = cudaEventCreateWithFlags(&done_, cudaEventDisableTiming); e != cudaSuccess) {
      cudaStreamDestroy(s_);
      check(e, "cudaEventCreateWithFlags");
    }
  }
  ~stream() {  // G5: nothing queued on it may outlive the buffers it uses
    cudaStreamSynchronize(s_);
    cudaEventDestroy(done_);
    cudaStreamDestroy(s_);
  }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  cudaStream_t get() const noexcept { return s_; }

  /// Marks the end of what is queued so far.
  void mark() { check(cudaEventRecord(done_, s_), "cudaEventRecord"); }
  /// Waits for the mark, letting other processes run between polls (G6).
  void wait() const {
    for (;;) {
      const cudaError_t e = cudaEventQuery(done_);
      if (e == cudaSuccess) return;
      if (e != cudaErrorNotReady) check(e, "cudaEventQuery");
      csp::detail::gpu_pause();
    }
  }

 private:
  cudaStream_t s_ = nullptr;
  cudaEvent_t done_ = nullptr;
};

/// Threads per block of every kernel here.
inline constexpr unsigned block_threads = 256;

/// Blocks for a grid-stride loop over n elements: enough to fill any current GPU, no more.
inline unsigned grid_for(std::size_t n) {
  const std::size_t blocks = (n + block_threads - 1) / block_threads;
  return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, 4096));
}

template <class F, class In, class Out>
__global__ void map_kernel(F f, const In* in, Out* out, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    out[i] = f(in[i]);
  }
}

/// Folds in[0..n) into one partial per block, in order: block b folds its contiguous chunk,
/// each thread a contiguous part of it, and the threads' results are combined pairwise,
/// neighbour with neighbour, so that only associativity is needed (not commutativity).
template <class F, class Pre, class In, class T>
__global__ void reduce_kernel(F op, Pre pre, const In* in, std::size_t n, std::size_t per_block, T* partial) {
  extern __shared__ unsigned char shared[];
  T* value = reinterpret_cast<T*>(shared);
  bool* valid = reinterpret_cast<bool*>(shared + sizeof(T) * block_threads);
  const unsigned t = threadIdx.x;
  const std::size_t begin = static_cast<std::size_t>(blockIdx.x) * per_block;
  const std::size_t end = begin + per_block < n ? begin + per_block : n;
  const std::size_t per_thread = (per_block + block_threads - 1) / block_threads;
  const std::size_t mine = begin + t * per_thread;
  const std::size_t mine_end = mine + per_thread < end ? mine + per_thread : end;
  valid[t] = mine < mine_end;
  if (valid[t]) {
    T acc = static_cast<T>(pre(in[mine]));
    for (std::size_t i = mine + 1; i < mine_end; ++i) acc = op(acc, static_cast<T>(pre(in[i])));
    value[t] = acc;
  }
  __syncthreads();
  for (unsigned step = 1; step < block_threads; step *= 2) {
    if (t % (2 * step) == 0 && valid[t + step]) {
      value[t] = valid[t] ? op(value[t], value[t + step]) : value[t + step];
      valid[t] = true;
    }
    __syncthreads();
  }
  if (t == 0) partial[blockIdx.x] = value[0];
}

/// The values of one batch and what the GPU made of them: pinned and device buffers, and the
/// stream the batch's copies and kernel are queued on.
template <class In, class Res>
struct slot {
  slot(std::size_t batch, std::size_t results)
      : in_host(batch), res_host(results), in_device(batch), res_device(results) {}
  buffer<In, memory::pinned> in_host;
  buffer<Res, memory::pinned> res_host;
  buffer<In, memory::device> in_device;
  buffer<Res, memory::device> res_device;
  stream work;
  std::size_t count = 0;    // values in in_host
  std::size_t results = 0;  // values in res_host once finished
};

/// Streams batches from `in` through `streams` slots (the invariants at the top of this file).
/// launch(slot) queues the batch's copies and kernel on slot.work and sets slot.results;
/// finish(slot) uses the results, once the GPU is done with them.
template <class In, class Res, class Launch, class Finish>
void stream_batches(reader<In>& in, const csp::detail::gpu_offer& gpu, std::size_t results_per_batch,
                    Launch&& launch, Finish&& finish) {
  const std::size_t batch = std::max<std::size_t>(gpu.batch, 1);
  const std::size_t count = static_cast<std::size_t>(std::max(gpu.streams, 1));
  std::vector<std::unique_ptr<slot<In, Res>>> slots;  // made when the first value arrives
  std::size_t oldest = 0, in_flight = 0;
  auto finish_oldest = [&] {  // G2
    slot<In, Res>& s = *slots[oldest];
    s.work.wait();
    finish(s);
    oldest = (oldest + 1) % count;
    --in_flight;
  };
  In v{};
  for (;;) {
    if (in_flight == 0) {  // G1: nothing on the GPU, so the stage may wait
      try {
        v = in.recv();
      } catch (const csp::retired&) {
        break;  // end-of-stream
      }
    } else {
      const status got = in.try_recv(v);
      if (got == status::would_block) {
        finish_oldest();
        continue;
      }
      if (got == status::retired) break;
      if (got == status::poisoned) (void)in.recv();  // throws csp::poisoned
    }
    if (slots.empty()) {  // a stage that never gets a value (a fused run's inner map) needs none
      check(cudaSetDevice(gpu.device), "cudaSetDevice");
      for (std::size_t i = 0; i < count; ++i) slots.push_back(std::make_unique<slot<In, Res>>(batch, results_per_batch));
    }
    slot<In, Res>& s = *slots[(oldest + in_flight) % count];  // free: in_flight < count (G3)
    s.count = 0;
    s.in_host[s.count++] = v;
    while (s.count < batch && in.try_recv(v) == status::ok) s.in_host[s.count++] = v;
    launch(s);
    s.work.mark();
    ++in_flight;
    if (in_flight == count) finish_oldest();
  }
  while (in_flight > 0) finish_oldest();
}

/// A batch stage on the GPU: launch(device_batch) queues the kernels that compute a batch's
/// results on the batch's stream; out receives them in input order.
template <class Launch, class In, class Out, class Sent>
void batch(const Launch& launch, reader<In>& in, writer<Sent>& out, const csp::detail::gpu_offer& gpu,
           const char* what) {
  const std::size_t batch = std::max<std::size_t>(gpu.batch, 1);
  stream_batches<In, Out>(
      in, gpu, batch,
      [&](slot<In, Out>& s) {
        const cudaStream_t st = s.work.get();
        check(cudaMemcpyAsync(s.in_device.get(), s.in_host.get(), s.count * sizeof(In), cudaMemcpyHostToDevice, st),
              "cudaMemcpyAsync (to the device)");
        launch(csp::device_batch<In, Out>{s.in_device.get(), s.res_device.get(), s.count, st});
        check(cudaGetLastError(), what);
        check(cudaMemcpyAsync(s.res_host.get(), s.res_device.get(), s.count * sizeof(Out), cudaMemcpyDeviceToHost, st),
              "cudaMemcpyAsync (to the host)");
        s.results = s.count;
      },
      [&](slot<In, Out>& s) {
        for (std::size_t i = 0; i < s.results; ++i) out.send(static_cast<Sent>(s.res_host[i]));
      });
}

/// map_stage on the GPU: out receives f(v) for every v of in, in order; a batch stage whose
/// launcher runs map_kernel.
template <class F, class In, class Out, class Sent>
void map(const F& f, reader<In>& in, writer<Sent>& out, const csp::detail::gpu_offer& gpu) {
  auto launch = [&f](const csp::device_batch<In, Out>& b) {
    map_kernel<<<grid_for(b.n), block_threads, 0, static_cast<cudaStream_t>(b.stream)>>>(f, b.in, b.out, b.n);
  };
  batch<decltype(launch), In, Out>(launch, in, out, gpu, "map kernel launch");
}

/// Blocks, and values per block, for a reduction over n values.
inline unsigned reduce_blocks(std::size_t n) {
  return static_cast<unsigned>(std::clamp<std::size_t>((n + 4 * block_threads - 1) / (4 * block_threads), 1, 1024));
}

/// reduce_stage on the GPU: pre(v) for every value v folded into `acc` in order (each batch
/// into one partial per block on the GPU, the partials into acc on the host). `pre` is the
/// identity, or the maps fused into the reduction (networks/pipeline.hpp).
template <class F, class Pre, class In, class T>
void reduce(const F& op, const Pre& pre, reader<In>& in, T& acc, const csp::detail::gpu_offer& gpu) {
  const std::size_t batch = std::max<std::size_t>(gpu.batch, 1);
  stream_batches<In, T>(
      in, gpu, reduce_blocks(batch),
      [&](slot<In, T>& s) {
        const cudaStream_t st = s.work.get();
        const unsigned blocks = reduce_blocks(s.count);
        const std::size_t per_block = (s.count + blocks - 1) / blocks;
        const unsigned used = static_cast<unsigned>((s.count + per_block - 1) / per_block);
        check(cudaMemcpyAsync(s.in_device.get(), s.in_host.get(), s.count * sizeof(In), cudaMemcpyHostToDevice, st),
              "cudaMemcpyAsync (to the device)");
        reduce_kernel<<<used, block_threads, block_threads * (sizeof(T) + sizeof(bool)), st>>>(
            op, pre, s.in_device.get(), s.count, per_block, s.res_device.get());
        check(cudaGetLastError(), "reduce kernel launch");
        check(cudaMemcpyAsync(s.res_host.get(), s.res_device.get(), used * sizeof(T), cudaMemcpyDeviceToHost, st),
              "cudaMemcpyAsync (to the host)");
        s.results = used;
      },
      [&](slot<In, T>& s) {
        for (std::size_t i = 0; i < s.results; ++i) acc = op(acc, s.res_host[i]);
      });
}

}  // namespace csp::networks::gpu
