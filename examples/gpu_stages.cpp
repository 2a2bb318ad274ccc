// A GPU-style element-wise stage and a reduction, written as stages of a network.
//
// The Python recipe: PyCUDA; an ElementwiseKernel computes z[i] = a * x[i] + y[i] for every i
// at once, and a ReductionKernel folds an array into one value with an associative operation.
//
// Here each kernel is a stage declared as a pure function (networks/stages.hpp): `map(saxpy)`
// says what is computed for one element, `reduce(plus, 0)` how two partial results combine.
// A stage takes the values waiting on its input in batches and computes a batch in parallel
// (csp::parallel_for: on TBB's pool on the tbb backend, in place on the others). Because the
// stages say only what they compute, the cuda backend runs the same declarations as kernels
// over device buffers when there is a GPU (build with csp_add_executable, --csp-backend=cuda):
// the pipeline fuses the map into the reduction, so the z values never leave the device.
//
//   source --xy (buffered B)--> [gpu[0]: map(saxpy{a}), batches of B] --gpu[0]->gpu[1] (buffered B)-->
//          [gpu[1]: reduce(plus, 0), batches of B] --sum--> check
//
// The element type is plain data (two doubles) and the functors have no state but their
// constants, as a kernel's would. The values are whole numbers well below 2^53, so every sum
// is exact in any order and the check can ask for equality. The check compares with a plain
// loop and ends with
//
//   gpu_stages: z = 2x + y over 100000 elements in batches of 256, then sum(z) = 10000199995 by a reduction stage, as a plain loop computes: ok
//
//   gpu_stages [--n=ELEMENTS] [--batch=B] [--csp-backend=NAME] [--csp-threads=T]
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;

/// One element of the two input arrays.
struct xy {
  double x;
  double y;
};

/// The element-wise kernel: z = a * x + y.
struct saxpy {
  double a;
  CSP_HOST_DEVICE double operator()(const xy& e) const { return a * e.x + e.y; }
};

xy element(std::int64_t i) { return {static_cast<double>(i), static_cast<double>(i % 7)}; }

void source(std::int64_t n, csp::writer<xy> out) {
  for (std::int64_t i = 0; i < n; ++i) out.send(element(i));
}

std::string whole(double v) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(0) << v;
  return text.str();
}

void check(std::int64_t n, std::size_t batch, double a, csp::reader<double> sum) {
  const double got = sum.recv();
  double expected = 0;
  for (std::int64_t i = 0; i < n; ++i) expected += saxpy{a}(element(i));
  if (got != expected) {
    throw std::runtime_error("the stages' sum is " + whole(got) + ", a plain loop's " + whole(expected));
  }
  std::cout << "gpu_stages: z = " << whole(a) << "x + y over " << n << " elements in batches of " << batch
            << ", then sum(z) = " << whole(got) << " by a reduction stage, as a plain loop computes: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"n", "batch"});
  const std::int64_t n = flags.integer("n", std::int64_t{100000});
  const int batch = flags.integer("batch", 256);
  if (n < 0 || n > 10'000'000) throw std::invalid_argument("need 0 <= --n <= 10000000 (sums stay exact)");
  if (batch < 1) throw std::invalid_argument("need --batch >= 1");
  const auto b = static_cast<std::size_t>(batch);
  const double a = 2;

  csp::network net("gpu_stages");
  auto elements = net.channel<xy>("xy", csp::buffered(b));
  auto sum = net.channel<double>("sum");
  net.spawn("source", source, n, elements.writer());
  nw::pipeline(net, "gpu", {.link = csp::buffered(b)}, elements.reader(), sum.writer(),
               nw::map(saxpy{a}, {.batch = b, .grain = 64}),
               nw::reduce(std::plus<double>{}, 0.0, {.batch = b, .grain = 64}));
  net.spawn("check", check, n, b, a, sum.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "gpu_stages: " << e.what() << '\n';
  return 1;
}
