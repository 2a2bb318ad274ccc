// A parallel map, and a map-reduce, over a sequence.
//
// The Python recipe: SCOOP; `futures.map(f, data)` applies f to every element of data on
// SCOOP's workers and returns the results in order, as the builtin map does, and
// `futures.mapReduce(f, operator.add, data)` also folds them into one value.
//
// Here both are functions that build a small network, run it and hand back what it computed,
// so the caller writes no process of its own:
//
//   parallel_map(cfg, f, data, w):
//     data --> [generator] --> farm "map" of w workers, each map(f) in batches --> [collector] --> results
//
//   map_reduce(cfg, f, op, init, data, w):
//     data --> [generator] --> farm "map" (unordered) --> [reduce(op, init)] --> [collector] --> one value
//
// The farm is the networks library's (networks/farm.hpp), its workers map stages
// (networks/stages.hpp) that take the values waiting on their input in batches: the map is
// ordered, as SCOOP's is; the map-reduce need not be, since its op (+) is associative and
// commutative. f here is the integer square root by Newton's method. The program checks the
// map against std::transform and the reduction against std::accumulate, then ends with
//
//   parallel_map: isqrt mapped over 10000 numbers by 4 workers, in order, as std::transform does; their sum 661650 by map_reduce, as std::accumulate finds: ok
//
//   parallel_map [--n=N] [--workers=W] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;

/// SCOOP's futures.map: f over data on `workers` worker processes, the results in data's order.
template <class F, class T>
auto parallel_map(const csp::config& cfg, F f, const std::vector<T>& data, std::size_t workers) {
  using R = nw::element_result_t<F, T>;
  csp::network net("parallel_map");
  auto in = net.channel<T>("data", csp::buffered(64));
  auto out = net.channel<R>("results");
  std::vector<R> results;
  net.spawn("generator", nw::generator(data), in.writer());
  nw::farm(net, "map", workers, nw::map(std::move(f), {.batch = 16}), in.reader(), out.writer());
  net.spawn("collector", nw::collector(results), out.reader());
  csp::run(net, cfg);
  return results;
}

/// SCOOP's futures.mapReduce: op folded over f of every element of data, starting from init.
/// op must be associative and commutative: the workers' results come in any order.
template <class F, class Op, class T, class R>
R map_reduce(const csp::config& cfg, F f, Op op, R init, const std::vector<T>& data, std::size_t workers) {
  csp::network net("map_reduce");
  auto in = net.channel<T>("data", csp::buffered(64));
  auto mapped = net.channel<R>("mapped", csp::buffered(64));
  auto total = net.channel<R>("total");
  std::vector<R> result;
  net.spawn("generator", nw::generator(data), in.writer());
  nw::farm(net, "map", workers, nw::map(std::move(f), {.batch = 16}), in.reader(), mapped.writer(),
           nw::farm_order::unordered);
  net.spawn("reduce", nw::reduce(std::move(op), std::move(init), {.batch = 64}), mapped.reader(),
            total.writer());
  net.spawn("collector", nw::collector(result), total.reader());
  csp::run(net, cfg);
  if (result.size() != 1) throw std::logic_error("map_reduce: the reduce stage sent no value");
  return result.front();
}

/// The integer square root by Newton's method: the largest r with r * r <= x.
struct isqrt {
  std::uint64_t operator()(const std::uint64_t& x) const {
    if (x < 2) return x;
    std::uint64_t r = x;
    std::uint64_t next = (r + 1) / 2;
    while (next < r) {
      r = next;
      next = (r + x / r) / 2;
    }
    return r;
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"n", "workers"});
  const int n = flags.integer("n", 10000);
  const int workers = flags.integer("workers", 4);
  if (n < 0) throw std::invalid_argument("need --n >= 0");
  if (workers < 1) throw std::invalid_argument("need --workers >= 1");

  std::vector<std::uint64_t> data(static_cast<std::size_t>(n));
  std::iota(data.begin(), data.end(), std::uint64_t{0});

  const std::vector<std::uint64_t> mapped = parallel_map(cfg, isqrt{}, data, static_cast<std::size_t>(workers));
  std::vector<std::uint64_t> expected(data.size());
  std::transform(data.begin(), data.end(), expected.begin(), isqrt{});
  if (mapped != expected) throw std::runtime_error("parallel_map's results differ from std::transform's");

  const std::uint64_t sum = map_reduce(cfg, isqrt{}, std::plus<std::uint64_t>{}, std::uint64_t{0}, data,
                                       static_cast<std::size_t>(workers));
  const std::uint64_t expected_sum = std::accumulate(expected.begin(), expected.end(), std::uint64_t{0});
  if (sum != expected_sum) {
    throw std::runtime_error("map_reduce gave " + std::to_string(sum) + ", std::accumulate " +
                             std::to_string(expected_sum));
  }
  std::cout << "parallel_map: isqrt mapped over " << n << " numbers by " << workers
            << " workers, in order, as std::transform does; their sum " << sum
            << " by map_reduce, as std::accumulate finds: ok\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "parallel_map: " << e.what() << '\n';
  return 1;
}
