// Stages: processes declared as pure functions, not written as loops over channels.
//
//   in --> [map(f)] --> out          in --> [reduce(op, init)] --> out
//   in --> [batch(host, device)] --> out
//
//   struct square { int operator()(const int& v) const { return v * v; } };
//   net.spawn("square", csp::networks::map(square{}, {.batch = 256}), in.reader(), out.writer());
//   net.spawn("sum", csp::networks::reduce(std::plus<long>{}, 0L), in.reader(), total.writer());
//
// A stage is a named, inspectable object: map_stage<F> holds an element-wise functor F and its
// options, reduce_stage<F, T> an associative combining functor and an initial value,
// batch_stage<H, D> a function computing a whole batch on the host and a launcher of kernels
// computing the same on a GPU. The functors must be pure: no channel operation, no side
// effect, no state that one call leaves for the next (they may run on several threads at once,
// in any order). Because a stage says only *what* it computes, a backend can choose *where*:
// every backend runs it as an ordinary process that reads a batch and computes it with
// csp::parallel_for (on tbb, on TBB's pool), and the cuda backend runs it on a GPU (DESIGN.md
// section 3; "On a GPU" below), which is why stages are types and not lambdas wrapped in a
// process.
//
// Batching: a stage with batch = B waits for one value, then takes up to B - 1 more that are
// already available (try_recv: it never waits to fill a batch, so a batch adds no latency),
// computes the batch with csp::parallel_for in chunks of at least `grain` values (a batch of
// no more than `grain` values is one chunk, computed on the spot), and sends the results in
// input order. batch = 1 (the default) is one value at a time.
//
// On a GPU: where nvcc compiles the program (csp_add_executable, when the cuda backend is
// built) and the run is on the cuda backend with a usable device, a stage whose values are
// plain data (trivially copyable) runs on the GPU (networks/detail/gpu_stages.cuh): it batches
// up to cuda.batch values into pinned buffers, keeps up to cuda.streams batches in flight, and
// calls its functor in a kernel, so the functor's call operator must be CSP_HOST_DEVICE
// (csp/device.hpp). A functor that cannot run on a GPU says so with
// `template <> inline constexpr bool csp::networks::host_only<F> = true;`. Anywhere else a
// stage runs on the host as described above; on the cuda backend with a GPU it then says on
// stderr why it is not on the GPU.
//
// Termination rule: a stage ends at end-of-stream on `in`, after finishing the batch it holds,
// and retires `out`; a retired reader on `out` ends it (csp::retired from send); poison is not
// caught: it ends with it, and its ends retire as they are destroyed.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/detail/gpu.hpp>
#include <csp/device.hpp>
#include <csp/ends.hpp>
#include <csp/parallel.hpp>
#include <csp/status.hpp>
#if CSP_DEVICE_CODE
#include <networks/detail/gpu_stages.cuh>
#endif

namespace csp::networks {

/// An element-wise function from In: `Out f(const In&) const`, pure, Out a message type.
/// Example: `static_assert(csp::networks::element_function<square, int>);`
template <class F, class In>
concept element_function = message<In> && std::copy_constructible<F> &&
                           std::regular_invocable<const F&, const In&> &&
                           message<std::remove_cvref_t<std::invoke_result_t<const F&, const In&>>>;

/// What an element function F gives for an In: `element_result_t<square, int>` is int.
template <class F, class In>
using element_result_t = std::remove_cvref_t<std::invoke_result_t<const F&, const In&>>;

/// An associative combining function on T: `T op(const T&, const T&) const`, pure.
/// Example: `static_assert(csp::networks::combining_function<std::plus<long>, long>);`
template <class F, class T>
concept combining_function = message<T> && std::copy_constructible<T> && std::copy_constructible<F> &&
                             std::regular_invocable<const F&, const T&, const T&> &&
                             std::convertible_to<std::invoke_result_t<const F&, const T&, const T&>, T>;

/// True for a functor F that must not run on a GPU (its call operator is not CSP_HOST_DEVICE):
/// `template <> inline constexpr bool csp::networks::host_only<my_function> = true;`
template <class F>
inline constexpr bool host_only = false;

/// Whether a stage of F from In to Out can run on a GPU: F may, and the values are plain data.
template <class F, class In, class Out>
inline constexpr bool runs_on_gpu = !host_only<F> && std::is_trivially_copyable_v<In> &&
                                    std::is_default_constructible_v<In> && std::is_trivially_copyable_v<Out>;

/// How a stage runs on the host. Example: `csp::networks::map(f, {.batch = 256, .grain = 64})`.
struct stage_options {
  std::size_t batch = 1;   ///< most values taken and computed at once (at least 1)
  std::size_t grain = 64;  ///< fewest values one parallel_for task computes (at least 1)
};

namespace detail {

/// x itself: what a reduction applies to each value before folding it, when no map was fused
/// into it.
struct identity {
  template <class X>
  CSP_HOST_DEVICE const X& operator()(const X& x) const {
    return x;
  }
};

/// Whether the stage runs on the GPU that the run offers (see the top of this file); when the
/// run offers one and the stage cannot use it, says why on stderr.
template <bool Capable>
const csp::detail::gpu_offer* gpu_for_stage() {
  const csp::detail::gpu_offer* gpu = csp::detail::gpu_here();
  if (gpu == nullptr) return nullptr;
  if (!CSP_DEVICE_CODE) {
    csp::detail::stage_on_host("its program was not compiled by nvcc (build it with csp_add_executable)");
    return nullptr;
  }
  if (!Capable) {
    csp::detail::stage_on_host("its values are not plain data (trivially copyable), or its function is host_only");
    return nullptr;
  }
  return gpu;
}

/// The body of the first stage of a fused run (fused_head, fused_reduce_head): on the GPU the
/// run offers, on_gpu(offer) computes the whole run into `last`; anywhere else `last` retires
/// at once and `first` is the run's first map stage, from `in` to `link`.
template <bool Capable, class First, class In, class Link, class Last, class OnGpu>
void head_of_run(const First& first, reader<In>& in, writer<Link>& link, writer<Last>& last, OnGpu&& on_gpu) {
  if (const csp::detail::gpu_offer* offer = gpu_for_stage<Capable>(); offer != nullptr && Capable && CSP_DEVICE_CODE) {
    on_gpu(*offer);
    last.retire();
    return;
  }
  last.retire();
  first(std::move(in), std::move(link));
}

/// Calls compute(batch) for each batch read from `in` (see the top of this file) until
/// end-of-stream. `batch` is reused: cleared before each fill.
template <message In, class Compute>
void for_each_batch(reader<In>& in, std::size_t max, std::vector<In>& batch, Compute&& compute) {
  for (In& v : in) {  // `v` is also the slot try_recv fills: a moved-from In can be assigned
    batch.clear();
    batch.push_back(std::move(v));
    while (batch.size() < max && in.try_recv(v) == status::ok) batch.push_back(std::move(v));
    compute(batch);
  }
}

/// body(i) for every i in [0, n), in chunks of at least `grain` indices: on the caller when
/// they make one chunk (a batch of one value never enters a thread pool), else with
/// csp::parallel_for.
template <class Body>
void for_each_index(std::size_t n, std::size_t grain, const Body& body) {
  if (n <= grain) {
    for (std::size_t i = 0; i < n; ++i) body(i);
  } else {
    csp::parallel_for(n, body, grain);
  }
}

}  // namespace detail

///   in --> [map_stage(f)] --> out
/// Sends f(v) for every v, in input order, computing batches in parallel (see the top of this
/// file). A process body for any reader<In>, writer<Out> with element_function<F, In> and
/// f's result convertible to Out; anything else stops the build with a message naming them.
/// Example: `net.spawn("square", csp::networks::map_stage(square{}, {.batch = 64}), in.reader(), out.writer());`
template <class F>
class map_stage {
 public:
  using function_type = F;

  explicit map_stage(F f, stage_options options = {}) : f_(std::move(f)), options_(options) {}

  /// The element function and the options, for a backend that runs the stage elsewhere.
  /// Example: `auto s = csp::networks::map(square{}); s.function()(3);   // 9`
  const F& function() const noexcept { return f_; }
  const stage_options& options() const noexcept { return options_; }

  template <message In, message Out>
  void operator()(reader<In> in, writer<Out> out) const {
    static_assert(element_function<F, In>,
                  "csp::networks::map_stage<F>: F must be an element_function<F, In>, callable "
                  "as `Out f(const In&) const` on the stage's input type, returning a message");
    if constexpr (element_function<F, In>) {
      static_assert(std::convertible_to<element_result_t<F, In>, Out>,
                    "csp::networks::map_stage<F>: what F returns does not convert to the output "
                    "channel's type");
      using Result = element_result_t<F, In>;
      if (const csp::detail::gpu_offer* device = detail::gpu_for_stage<runs_on_gpu<F, In, Result>>()) {
#if CSP_DEVICE_CODE
        if constexpr (runs_on_gpu<F, In, Result>) {
          gpu::map<F, In, Result>(f_, in, out, *device);
          out.retire();
          return;
        }
#endif
      }
      std::vector<In> batch;
      std::vector<std::optional<Result>> results;
      detail::for_each_batch(in, std::max<std::size_t>(options_.batch, 1), batch, [&](std::vector<In>& b) {
        results.resize(b.size());
        detail::for_each_index(b.size(), std::max<std::size_t>(options_.grain, 1),
                               [&](std::size_t i) { results[i].emplace(f_(b[i])); });
        for (auto& r : results) out.send(std::move(*r));
        results.clear();
      });
      out.retire();
    }
  }

 private:
  F f_;
  stage_options options_;
};

///   in --> [reduce_stage(op, init)] --> out
/// Folds every value into init, op(...op(op(init, x0), x1)..., xn), and sends that one value at
/// end-of-stream (init itself for an empty stream), then retires `out`. A batch is folded in
/// chunks in parallel and the chunks' results folded in order, which is exact for an
/// associative op (commutativity is not needed). Poison ends it without sending.
/// Example: `net.spawn("sum", csp::networks::reduce_stage(std::plus<long>{}, 0L), in.reader(), total.writer());`
template <class F, class T>
  requires combining_function<F, T>
class reduce_stage {
 public:
  using function_type = F;
  using value_type = T;

  reduce_stage(F op, T init, stage_options options = {})
      : op_(std::move(op)), init_(std::move(init)), options_(options) {}

  /// The combining function, initial value and options, for a backend that runs them elsewhere.
  /// Example: `csp::networks::reduce(std::plus<long>{}, 0L).initial()   // 0`
  const F& function() const noexcept { return op_; }
  const T& initial() const noexcept { return init_; }
  const stage_options& options() const noexcept { return options_; }

  template <message In>
  void operator()(reader<In> in, writer<T> out) const {
    fold(in, out, nullptr);
  }

  /// The stage's body, for pipeline.hpp's fused runs: as operator(), except that when
  /// `fused_upstream` is set at end-of-stream (a fused_reduce_head computed this stage's result
  /// and sent it itself) it sends nothing.
  template <message In>
  void fold(reader<In>& in, writer<T>& out, const std::atomic<bool>* fused_upstream) const {
    static_assert(std::convertible_to<In, T>,
                  "csp::networks::reduce_stage<F, T>: the input channel's type does not convert to T");
    T acc = init_;
    auto finish = [&] {
      if (fused_upstream == nullptr || !fused_upstream->load(std::memory_order_acquire)) out.send(std::move(acc));
      out.retire();
    };
    if (const csp::detail::gpu_offer* device = detail::gpu_for_stage<runs_on_gpu<F, In, T>>()) {
#if CSP_DEVICE_CODE
      if constexpr (runs_on_gpu<F, In, T>) {
        gpu::reduce(op_, detail::identity{}, in, acc, *device);
        finish();
        return;
      }
#endif
    }
    const std::size_t grain = std::max<std::size_t>(options_.grain, 1);
    std::vector<In> batch;
    std::vector<std::optional<T>> partial;
    detail::for_each_batch(in, std::max<std::size_t>(options_.batch, 1), batch, [&](std::vector<In>& b) {
      const std::size_t chunks = (b.size() + grain - 1) / grain;
      partial.resize(chunks);
      detail::for_each_index(chunks, 1, [&](std::size_t c) {
        const std::size_t end = std::min(b.size(), (c + 1) * grain);
        T part = static_cast<T>(b[c * grain]);
        for (std::size_t i = c * grain + 1; i < end; ++i) part = op_(part, static_cast<T>(b[i]));
        partial[c].emplace(std::move(part));
      });
      for (auto& p : partial) acc = op_(acc, *p);
      partial.clear();
    });
    finish();
  }

 private:
  F op_;
  T init_;
  stage_options options_;
};

/// `first` then `second`, as one element function: what a fused run of map stages computes
/// (pipeline.hpp). Example: `csp::networks::then<square, halve>{square{}, halve{}}(6)   // 18`
template <class F, class G>
struct then {
  F first;
  G second;
  template <class X>
  CSP_HOST_DEVICE auto operator()(const X& x) const {
    return second(first(x));
  }
};
template <class F, class G>
inline constexpr bool host_only<then<F, G>> = host_only<F> || host_only<G>;

///   in --> [fused_head(first, run)] --link--> (the run's other map stages) --> last
///                                   \---------------------------------------/ (on a GPU)
/// The first map stage of a run of adjacent map stages in a pipeline (pipeline.hpp), holding
/// also a writer of the channel after the run (`last`) and the run's whole function `Run`.
/// On a GPU it computes the whole run in one kernel from `in` straight to `last`, and retires
/// `link` at once, so the run's other stages see end-of-stream and only pass it on: values
/// stay on the device between the run's maps. Anywhere else it retires `last` at once and is
/// the map stage `first`, from `in` to `link`.
template <class F, class Run>
class fused_head {
 public:
  fused_head(map_stage<F> first, Run run) : first_(std::move(first)), run_(std::move(run)) {}

  const map_stage<F>& first() const noexcept { return first_; }
  const Run& run() const noexcept { return run_; }

  template <message In, message Link, message Last>
  void operator()(reader<In> in, writer<Link> link, writer<Last> last) const {
    using Result = element_result_t<Run, In>;
    constexpr bool capable = runs_on_gpu<Run, In, Result>;
    detail::head_of_run<capable>(first_, in, link, last, [&](const csp::detail::gpu_offer& device) {
#if CSP_DEVICE_CODE
      if constexpr (capable) {
        link.retire();
        gpu::map<Run, In, Result>(run_, in, last, device);
      }
#endif
      (void)device;
    });
  }

 private:
  map_stage<F> first_;
  Run run_;
};

///   in --> [fused_reduce_head(first, run, reduce)] --link--> (the run's other maps) --> [tail] --> last
/// The first map stage of a run of adjacent map stages that a reduce stage follows, in a
/// pipeline: on a GPU it folds run(v) for every v straight into the reduction, on the GPU, and
/// sends the result on `last` (the reduce stage's output) itself, after setting `fused` and
/// retiring `link`: the run's other stages and the reduce stage (a fused_reduce_tail, which
/// then sends nothing) see end-of-stream and end. Anywhere else it retires `last` at once and
/// is the map stage `first`.
template <class F, class Run, class Op, class T>
class fused_reduce_head {
 public:
  fused_reduce_head(map_stage<F> first, Run run, reduce_stage<Op, T> reduce, std::shared_ptr<std::atomic<bool>> fused)
      : first_(std::move(first)), run_(std::move(run)), reduce_(std::move(reduce)), fused_(std::move(fused)) {}

  template <message In, message Link>
  void operator()(reader<In> in, writer<Link> link, writer<T> last) const {
    using Mapped = element_result_t<Run, In>;
    constexpr bool capable = runs_on_gpu<Run, In, Mapped> && !host_only<Op> && std::is_trivially_copyable_v<T> &&
                             std::convertible_to<Mapped, T>;
    detail::head_of_run<capable>(first_, in, link, last, [&](const csp::detail::gpu_offer& device) {
#if CSP_DEVICE_CODE
      if constexpr (capable) {
        fused_->store(true, std::memory_order_release);  // before the tail can see end-of-stream
        link.retire();
        T acc = reduce_.initial();
        gpu::reduce(reduce_.function(), run_, in, acc, device);
        last.send(std::move(acc));
      }
#endif
      (void)device;
    });
  }

 private:
  map_stage<F> first_;
  Run run_;
  reduce_stage<Op, T> reduce_;
  std::shared_ptr<std::atomic<bool>> fused_;
};

/// The reduce stage after a fused_reduce_head's run: the reduce stage, except that it sends
/// nothing when the head computed its result on the GPU.
template <class Op, class T>
class fused_reduce_tail {
 public:
  fused_reduce_tail(reduce_stage<Op, T> reduce, std::shared_ptr<std::atomic<bool>> fused)
      : reduce_(std::move(reduce)), fused_(std::move(fused)) {}

  template <message In>
  void operator()(reader<In> in, writer<T> out) const {
    reduce_.fold(in, out, fused_.get());
  }

 private:
  reduce_stage<Op, T> reduce_;
  std::shared_ptr<std::atomic<bool>> fused_;
};

///   in --> [batch_stage(host, device)] --> out
/// A stage that computes whole batches: `host(std::span<const In> in, std::span<Out> out)`
/// computes out[i] for every in[i] on the host, and `device(const csp::device_batch<In, Out>&)`
/// launches kernels that do the same on a GPU, on the batch's stream (csp/device.hpp). Both
/// must compute the same thing, purely. On the cuda backend with a GPU (see the top of this
/// file) the stage sends cuda.batch values at a time through the device launcher; everywhere
/// else it takes batches of up to options.batch values (waiting for none: the rule of the
/// top of this file) and calls `host` on each. Results leave in input order.
/// A launcher is GPU code; in a program that a C++ compiler builds too, guard its launch:
///   struct scale_on_gpu {
///     void operator()(const csp::device_batch<float, float>& b) const {
///   #if CSP_DEVICE_CODE
///       scale_kernel<<<(b.n + 255) / 256, 256, 0, static_cast<cudaStream_t>(b.stream)>>>(b.in, b.out, b.n);
///   #endif
///     }
///   };
/// Example: `net.spawn("scale", csp::networks::batch(scale_on_host, scale_on_gpu{}, {.batch = 1024}), in.reader(), out.writer());`
template <class Host, class Device>
class batch_stage {
 public:
  batch_stage(Host host, Device device, stage_options options = {})
      : host_(std::move(host)), device_(std::move(device)), options_(options) {}

  const Host& host() const noexcept { return host_; }
  const Device& device() const noexcept { return device_; }
  const stage_options& options() const noexcept { return options_; }

  template <message In, message Out>
  void operator()(reader<In> in, writer<Out> out) const {
    static_assert(std::is_invocable_v<const Host&, std::span<const In>, std::span<Out>>,
                  "csp::networks::batch_stage: the host function must be callable as "
                  "`host(std::span<const In>, std::span<Out>)` with the stage's channel types");
    static_assert(std::is_default_constructible_v<Out>,
                  "csp::networks::batch_stage: the output type must be default-constructible (the host "
                  "function writes into a span of them)");
    constexpr bool capable = runs_on_gpu<Device, In, Out> &&
                             std::is_invocable_v<const Device&, const csp::device_batch<In, Out>&>;
    if (const csp::detail::gpu_offer* offer = detail::gpu_for_stage<capable>()) {
#if CSP_DEVICE_CODE
      if constexpr (capable) {
        gpu::batch<Device, In, Out>(device_, in, out, *offer, "the batch stage's kernel launch");
        out.retire();
        return;
      }
#endif
    }
    std::vector<In> batch;
    std::vector<Out> results;
    detail::for_each_batch(in, std::max<std::size_t>(options_.batch, 1), batch, [&](std::vector<In>& b) {
      results.assign(b.size(), Out{});
      host_(std::span<const In>(b), std::span<Out>(results));
      for (Out& r : results) out.send(std::move(r));
    });
    out.retire();
  }

 private:
  Host host_;
  Device device_;
  stage_options options_;
};

/// A batch stage from a host function and a device launcher (see batch_stage).
/// Example: `csp::networks::batch(scale_on_host, scale_on_gpu{}, {.batch = 1024})`
template <class Host, class Device>
batch_stage<Host, Device> batch(Host host, Device device, stage_options options = {}) {
  return batch_stage<Host, Device>(std::move(host), std::move(device), options);
}

/// A map stage declared from an element function: the usual way to make one.
/// Example: `net.spawn("square", csp::networks::map(square{}), in.reader(), out.writer());`
template <class F>
  requires std::copy_constructible<F>
map_stage<F> map(F f, stage_options options = {}) {
  return map_stage<F>(std::move(f), options);
}

/// A reduce stage declared from an associative combining function and an initial value.
/// Example: `net.spawn("sum", csp::networks::reduce(std::plus<long>{}, 0L), in.reader(), total.writer());`
template <class F, class T>
  requires combining_function<F, T>
reduce_stage<F, T> reduce(F op, T init, stage_options options = {}) {
  return reduce_stage<F, T>(std::move(op), std::move(init), options);
}

}  // namespace csp::networks
