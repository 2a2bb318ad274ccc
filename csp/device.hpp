// Code written once for the host and the GPU (DESIGN.md section 3, the cuda backend), and what a
// batch stage's kernel launcher is given (networks/stages.hpp, csp::networks::batch).
//
//   struct saxpy {
//     double a;
//     CSP_HOST_DEVICE double operator()(const xy& e) const { return a * e.x + e.y; }
//   };
//
// CSP_HOST_DEVICE marks a function that a stage (networks/stages.hpp) may call on the GPU:
// `__host__ __device__` when nvcc compiles the program (csp_add_executable does that when the
// cuda backend is built), nothing for a plain C++ compiler. CSP_DEVICE_CODE is 1 in a
// translation unit nvcc compiles, where the stages can run on a GPU, and 0 elsewhere.
#pragma once

#if defined(__CUDACC__)
#define CSP_HOST_DEVICE __host__ __device__
#define CSP_DEVICE_CODE 1
#else
#define CSP_HOST_DEVICE
#define CSP_DEVICE_CODE 0
#endif

#include <cstddef>

namespace csp {

/// What a batch stage's device launcher receives (csp::networks::batch): `n` input values and
/// room for `n` results, both in device memory, and the CUDA stream to queue its kernels on
/// (a cudaStream_t, as void* so that this header needs no CUDA header). Example:
/// `my_kernel<<<blocks, 256, 0, static_cast<cudaStream_t>(b.stream)>>>(b.in, b.out, b.n);`
template <class In, class Out>
struct device_batch {
  const In* in;
  Out* out;
  std::size_t n;
  void* stream;
};

}  // namespace csp
