// A chain of three map stages, fused into one kernel on a GPU.
//
//   source --in (buffered B)--> [chain[0]: map(scale)] --> [chain[1]: map(shift)] --> [chain[2]: map(fold)] --out--> check
//
// Three element functions, each a stage of a pipeline. On every backend they are three
// processes joined by channels. On the cuda backend with a GPU, the pipeline's run of adjacent
// maps is fused (networks/pipeline.hpp): chain[0] computes fold(shift(scale(v))) in one kernel
// over batches of values, straight into `out`, and the values never leave the device between
// the three maps. The functions use integers only, so every backend and the GPU give the same
// numbers, and the check compares them with a plain loop:
//
//   map_chain: 100000 values through scale, shift and fold; sum 3152393523: ok
//
//   map_chain [--n=VALUES] [--batch=B] [--csp-backend=NAME] [--csp-threads=T]
#include <cstdint>
#include <iostream>
#include <stdexcept>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;

struct scale {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const { return 7 * v; }
};
struct shift {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const { return v - 12345; }
};
struct fold {
  CSP_HOST_DEVICE std::int64_t operator()(const std::int64_t& v) const { return (v < 0 ? -v : v) % 65521; }
};

void source(std::int64_t n, csp::writer<std::int64_t> out) {
  for (std::int64_t i = 0; i < n; ++i) out.send(i);
}

void check(std::int64_t n, csp::reader<std::int64_t> in) {
  std::int64_t i = 0, sum = 0;
  for (std::int64_t v : in) {
    const std::int64_t expected = fold{}(shift{}(scale{}(i)));
    if (v != expected) {
      throw std::runtime_error("value " + std::to_string(i) + " came out as " + std::to_string(v) + ", not " +
                               std::to_string(expected));
    }
    sum += v;
    ++i;
  }
  if (i != n) throw std::runtime_error(std::to_string(i) + " values came out of " + std::to_string(n));
  std::cout << "map_chain: " << n << " values through scale, shift and fold; sum " << sum << ": ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"n", "batch"});
  const std::int64_t n = flags.integer("n", std::int64_t{100000});
  const int batch = flags.integer("batch", 256);
  if (n < 0) throw std::invalid_argument("need --n >= 0");
  if (batch < 1) throw std::invalid_argument("need --batch >= 1");
  const auto b = static_cast<std::size_t>(batch);

  csp::network net("map_chain");
  auto in = net.channel<std::int64_t>("in", csp::buffered(b));
  auto out = net.channel<std::int64_t>("out", csp::buffered(b));
  net.spawn("source", source, n, in.writer());
  nw::pipeline(net, "chain", {.link = csp::buffered(b)}, in.reader(), out.writer(),
               nw::map(scale{}, {.batch = b}), nw::map(shift{}, {.batch = b}), nw::map(fold{}, {.batch = b}));
  net.spawn("check", check, n, out.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "map_chain: " << e.what() << '\n';
  return 1;
}
