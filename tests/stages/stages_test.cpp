// The stage tests: map_stage and reduce_stage (networks/stages.hpp) on every built backend
// configuration, cuda included. This file is built with csp_add_executable, so nvcc compiles
// it when the cuda backend is built: on a GPU its stages run as kernels
// (networks/detail/gpu_stages.cuh), and without one the cuda backend runs them on the host,
// where the same cases must hold. The cases that only mean something on a GPU skip, saying
// so, when there is none.
//
// Every case sets cuda.batch to a few values and cuda.streams to 3, so that on a GPU a stream
// of a few hundred values goes through many batches and every slot of the ring.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csp/csp.hpp>
#include <csp/detail/gpu.hpp>
#include <networks/networks.hpp>

#include "support/backends.hpp"

namespace {

namespace nw = csp::networks;

/// An element function that says where it ran: v * 3 + 1 on the host, and 1,000,000 more on
/// a GPU.
struct triple_plus_one {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const {
#if defined(__CUDA_ARCH__)
    return v * 3 + 1 + 1'000'000;
#else
    return v * 3 + 1;
#endif
  }
};

/// x -> a x + b modulo a prime: composing two is associative and not commutative, so a
/// reduction that combined values out of order would give another answer.
struct affine {
  std::int64_t a;
  std::int64_t b;
  bool operator==(const affine&) const = default;
};
constexpr std::int64_t prime = 1'000'003;

/// f then g.
struct compose {
  CSP_HOST_DEVICE affine operator()(const affine& f, const affine& g) const {
    return {(g.a * f.a) % prime, (g.a * f.b + g.b) % prime};
  }
};

struct halve {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const { return v / 2; }
};
struct negate {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const { return -v; }
};

/// A batch stage's two halves: v -> 5v - 2 over a whole batch, on the host and as a kernel
/// (which adds 1,000,000, to say where it ran).
void five_v_minus_two(std::span<const std::int64_t> in, std::span<std::int64_t> out) {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = 5 * in[i] - 2;
}
#if CSP_DEVICE_CODE
__global__ void five_v_minus_two_kernel(const std::int64_t* in, std::int64_t* out, std::size_t n) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 5 * in[i] - 2 + 1'000'000;
}
#endif
struct five_v_minus_two_on_gpu {
  void operator()(const csp::device_batch<std::int64_t, std::int64_t>& b) const {
#if CSP_DEVICE_CODE
    five_v_minus_two_kernel<<<static_cast<unsigned>((b.n + 127) / 128), 128, 0, static_cast<cudaStream_t>(b.stream)>>>(
        b.in, b.out, b.n);
#else
    (void)b;
#endif
  }
};

/// A function that must not run on a GPU: its call operator is not CSP_HOST_DEVICE (under
/// nvcc, a kernel calling it would not compile), and it says so with host_only.
struct host_length {
  std::int64_t operator()(const std::int64_t& v) const { return static_cast<std::int64_t>(std::to_string(v).size()); }
};

}  // namespace

template <>
inline constexpr bool csp::networks::host_only<host_length> = true;

namespace {

/// Whether a run on `cfg` offers its stages a GPU, asked from inside a process of it.
bool offers_gpu(const csp::config& cfg) {
  bool offered = false;
  csp::network net("probe");
  net.spawn("ask", [&offered] { offered = csp::detail::gpu_here() != nullptr; });
  csp::run(net, cfg);
  return offered;
}

/// Whether the stages of a run on `cfg` run on a GPU: the cuda backend with a device, and this
/// file compiled by nvcc.
bool stages_on_gpu(const csp::config& cfg) { return cfg.backend == "cuda" && CSP_DEVICE_CODE && offers_gpu(cfg); }

/// What triple_plus_one gives for v, on a GPU or on the host.
std::int64_t expected_triple(bool on_gpu, std::int64_t v) { return v * 3 + 1 + (on_gpu ? 1'000'000 : 0); }

class stages : public ::testing::TestWithParam<csp::config> {
 protected:
  csp::config config() const {
    csp::config c = GetParam();
    c.cuda.batch = 7;
    c.cuda.streams = 3;
    return c;
  }
};

void numbers(std::int64_t n, csp::writer<std::int64_t> out) {
  for (std::int64_t i = 0; i < n; ++i) out.send(i);
}

template <class T>
void collect(std::vector<T>& got, csp::reader<T> in) {
  for (T& v : in) got.push_back(v);
}

TEST_P(stages, map_sends_every_result_in_input_order) {
  const bool gpu = stages_on_gpu(config());
  const std::int64_t n = 500;  // not a multiple of the batch
  std::vector<std::int64_t> got;
  csp::network net("map");
  auto in = net.channel<std::int64_t>("in", csp::buffered(32));
  auto out = net.channel<std::int64_t>("out", csp::buffered(32));
  net.spawn("numbers", numbers, n, in.writer());
  net.spawn("triple", nw::map(triple_plus_one{}, {.batch = 16, .grain = 4}), in.reader(), out.writer());
  net.spawn("collect", collect<std::int64_t>, std::ref(got), out.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], expected_triple(gpu, i)) << "at " << i;
}

TEST_P(stages, reduce_combines_in_order_without_commutativity) {
  const std::int64_t n = 3000;
  affine expected{1, 0};
  for (std::int64_t i = 0; i < n; ++i) expected = compose{}(expected, affine{i % 97 + 2, i % 89});
  affine got{0, 0};
  csp::network net("reduce");
  auto in = net.channel<affine>("in", csp::buffered(64));
  auto total = net.channel<affine>("total");
  net.spawn("maps", [n](csp::writer<affine> out) {
    for (std::int64_t i = 0; i < n; ++i) out.send(affine{i % 97 + 2, i % 89});
  }, in.writer());
  net.spawn("compose", nw::reduce(compose{}, affine{1, 0}, {.batch = 64, .grain = 8}), in.reader(), total.writer());
  net.spawn("take", [&got](csp::reader<affine> r) { got = r.recv(); }, total.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  EXPECT_EQ(got, expected);
}

TEST_P(stages, an_empty_stream_gives_no_results_and_the_initial_value) {
  std::vector<std::int64_t> mapped;
  std::vector<std::int64_t> reduced;
  csp::network net("empty");
  auto a = net.channel<std::int64_t>("a");
  auto b = net.channel<std::int64_t>("b");
  auto c = net.channel<std::int64_t>("c");
  auto d = net.channel<std::int64_t>("d");
  net.spawn("nothing", numbers, std::int64_t{0}, a.writer());
  net.spawn("triple", nw::map(triple_plus_one{}), a.reader(), b.writer());
  net.spawn("collect", collect<std::int64_t>, std::ref(mapped), b.reader());
  net.spawn("nothing either", numbers, std::int64_t{0}, c.writer());
  net.spawn("sum", nw::reduce(std::plus<std::int64_t>{}, std::int64_t{42}), c.reader(), d.writer());
  net.spawn("collect sum", collect<std::int64_t>, std::ref(reduced), d.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  EXPECT_THAT(mapped, ::testing::IsEmpty());
  EXPECT_THAT(reduced, ::testing::ElementsAre(42));
}

// A producer that waits for each result before it sends the next value: a stage that held a
// value back while waiting for more (to fill a batch, or with a batch still on the GPU) would
// deadlock this network.
TEST_P(stages, a_producer_waiting_for_each_result_is_answered) {
  const bool gpu = stages_on_gpu(config());
  const std::int64_t n = 40;
  std::vector<std::int64_t> got;
  csp::network net("feedback");
  auto in = net.channel<std::int64_t>("in", csp::buffered(8));
  auto out = net.channel<std::int64_t>("out");
  net.spawn("ask", [&got, n](csp::writer<std::int64_t> w, csp::reader<std::int64_t> r) {
    for (std::int64_t i = 0; i < n; ++i) {
      w.send(i);
      got.push_back(r.recv());
    }
  }, in.writer(), out.reader());
  net.spawn("triple", nw::map(triple_plus_one{}, {.batch = 16}), in.reader(), out.writer());
  ASSERT_EQ(csp::run(net, config()), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], expected_triple(gpu, i));
}

// The reader poisons after a few results: the stage ends (its batches in flight are given up,
// its memory freed), its `in` retires, the producer's next send throws, and the run ends.
TEST_P(stages, poison_from_downstream_ends_the_stage) {
  const bool gpu = stages_on_gpu(config());
  std::vector<std::int64_t> got;
  csp::network net("poison");
  auto in = net.channel<std::int64_t>("in", csp::buffered(16));
  auto out = net.channel<std::int64_t>("out");
  net.spawn("numbers", [](csp::writer<std::int64_t> w) {
    for (std::int64_t i = 0;; ++i) w.send(i);  // until csp::retired or csp::poisoned
  }, in.writer());
  net.spawn("triple", nw::map(triple_plus_one{}, {.batch = 4}), in.reader(), out.writer());
  net.spawn("take five", [&got](csp::reader<std::int64_t> r) {
    for (int i = 0; i < 5; ++i) got.push_back(r.recv());
    r.poison();
  }, out.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  ASSERT_EQ(got.size(), 5u);
  for (std::int64_t i = 0; i < 5; ++i) EXPECT_EQ(got[i], expected_triple(gpu, i));
}

// A chain of three maps in a pipeline: the same results on every backend and on a GPU.
TEST_P(stages, a_chain_of_three_maps) {
  const bool gpu = stages_on_gpu(config());
  const std::int64_t n = 300;
  std::vector<std::int64_t> got;
  csp::network net("chain");
  auto in = net.channel<std::int64_t>("in", csp::buffered(16));
  auto out = net.channel<std::int64_t>("out", csp::buffered(16));
  net.spawn("numbers", numbers, n, in.writer());
  nw::pipeline(net, "gpu", {.link = csp::buffered(16)}, in.reader(), out.writer(),
               nw::map(triple_plus_one{}, {.batch = 8}), nw::map(halve{}, {.batch = 8}),
               nw::map(negate{}, {.batch = 8}));
  net.spawn("collect", collect<std::int64_t>, std::ref(got), out.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], -(expected_triple(gpu, i) / 2)) << "at " << i;
}

// Maps then a reduce, then a map after it, in a pipeline: on a GPU the first two are fused (the
// reduction folds the maps' results without their leaving the device) and the reduce stage
// sends nothing of its own; everywhere the last map gets exactly one value.
TEST_P(stages, a_run_of_maps_then_a_reduce) {
  const bool gpu = stages_on_gpu(config());
  const std::int64_t n = 1000;
  std::int64_t expected = 0;
  for (std::int64_t i = 0; i < n; ++i) expected += expected_triple(gpu, i) / 2;
  std::vector<std::int64_t> got;
  csp::network net("map reduce");
  auto in = net.channel<std::int64_t>("in", csp::buffered(32));
  auto out = net.channel<std::int64_t>("out");
  net.spawn("numbers", numbers, n, in.writer());
  nw::pipeline(net, "mr", {.link = csp::buffered(32)}, in.reader(), out.writer(), nw::map(triple_plus_one{}),
               nw::map(halve{}), nw::reduce(std::plus<std::int64_t>{}, std::int64_t{0}), nw::map(negate{}));
  net.spawn("collect", collect<std::int64_t>, std::ref(got), out.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  EXPECT_THAT(got, ::testing::ElementsAre(-expected));
}

TEST_P(stages, a_batch_stage_computes_each_batch_where_the_stage_runs) {
  const bool gpu = stages_on_gpu(config());
  const std::int64_t n = 700;
  std::vector<std::int64_t> got;
  csp::network net("batch");
  auto in = net.channel<std::int64_t>("in", csp::buffered(64));
  auto out = net.channel<std::int64_t>("out", csp::buffered(64));
  net.spawn("numbers", numbers, n, in.writer());
  nw::pipeline(net, "five", in.reader(), out.writer(),
               nw::batch(five_v_minus_two, five_v_minus_two_on_gpu{}, {.batch = 32}));
  net.spawn("collect", collect<std::int64_t>, std::ref(got), out.reader());
  ASSERT_EQ(csp::run(net, config()), 0);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], 5 * i - 2 + (gpu ? 1'000'000 : 0)) << "at " << i;
}

// A host_only function stays on the host everywhere (and, under nvcc, compiles: no kernel is
// made of it).
TEST_P(stages, a_host_only_function_runs_on_the_host) {
  std::vector<std::int64_t> got;
  csp::network net("host only");
  auto in = net.channel<std::int64_t>("in", csp::buffered(16));
  auto out = net.channel<std::int64_t>("out", csp::buffered(16));
  net.spawn("numbers", numbers, std::int64_t{120}, in.writer());
  net.spawn("length", nw::map(host_length{}, {.batch = 8}), in.reader(), out.writer());
  net.spawn("collect", collect<std::int64_t>, std::ref(got), out.reader());
  ::testing::internal::CaptureStderr();
  ASSERT_EQ(csp::run(net, config()), 0);
  const std::string said = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(got.size(), 120u);
  for (std::int64_t i = 0; i < 120; ++i) EXPECT_EQ(got[i], static_cast<std::int64_t>(std::to_string(i).size()));
  if (stages_on_gpu(config())) {
    EXPECT_THAT(said, ::testing::HasSubstr("csp: cuda: stage 'length' runs on the host: "));
  } else {
    EXPECT_THAT(said, ::testing::Not(::testing::HasSubstr("runs on the host")));
  }
}

INSTANTIATE_TEST_SUITE_P(backends, stages, ::testing::ValuesIn(csp_test::backend_configs()), csp_test::config_name);

// The cuda backend itself: what it does with and without a device.

bool cuda_built() {
  const auto& built = csp::config::built_backends();
  return std::find(built.begin(), built.end(), "cuda") != built.end();
}

TEST(cuda_backend, without_a_device_require_device_is_an_error_naming_the_key) {
  if (!cuda_built()) GTEST_SKIP() << "the cuda backend is not built here";
  csp::config cfg{.backend = "cuda"};
  if (offers_gpu(cfg)) GTEST_SKIP() << "there is a usable GPU here: require_device is met";
  cfg.cuda.require_device = true;
  csp::network net("needs a GPU");
  net.spawn("nothing", [] {});
  try {
    csp::run(net, cfg);
    FAIL() << "run() went on without a GPU although cuda.require_device = true";
  } catch (const csp::config_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cuda.require_device = true, and there is no usable GPU ("));
  }
}

// G6 (gpu_stages.cuh): a stage waiting for its GPU work polls and calls gpu_pause() between
// polls; on one thread, the process that would end its wait must get to run meanwhile. Here
// the wait is for a flag another process sets: without the yield it would spin forever.
TEST(cuda_backend, a_stage_waiting_for_its_gpu_lets_the_other_processes_run) {
  if (!cuda_built()) GTEST_SKIP() << "the cuda backend is not built here";
  std::atomic<bool> done{false};
  csp::network net("pause");
  net.spawn("poller", [&] {
    while (!done.load()) csp::detail::gpu_pause();
  });
  net.spawn("setter", [&] { done = true; });
  ASSERT_EQ(csp::run(net, csp::config{.backend = "cuda", .threads = 1}), 0);
  EXPECT_TRUE(done.load());
}

TEST(cuda_backend, a_failed_cuda_call_ends_the_run_naming_the_stage_and_the_call) {
  if (!cuda_built()) GTEST_SKIP() << "the cuda backend is not built here";
  csp::config cfg{.backend = "cuda"};
  if (!CSP_DEVICE_CODE) GTEST_SKIP() << "this test was not compiled by nvcc";
  if (!offers_gpu(cfg)) GTEST_SKIP() << "no usable GPU here: the stages run on the host";
  cfg.cuda.batch = std::size_t{1} << 45;  // 256 TiB of pinned memory per slot: cudaMallocHost fails
  csp::network net("too big");
  auto in = net.channel<std::int64_t>("in");
  auto out = net.channel<std::int64_t>("out");
  net.spawn("numbers", numbers, std::int64_t{10}, in.writer());
  net.spawn("triple", nw::map(triple_plus_one{}), in.reader(), out.writer());
  net.spawn("drain", [](csp::reader<std::int64_t> r) { for (auto v : r) (void)v; }, out.reader());
  try {
    csp::run(net, cfg);
    FAIL() << "run() ended well although no batch could be allocated";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "triple");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cudaMallocHost failed: cudaError"));
  }
}

}  // namespace
