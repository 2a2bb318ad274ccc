// A pool of workers mapping a function over inputs, with the results in input order.
//
// The Python recipe: concurrent.futures; `with ProcessPoolExecutor(max_workers=4) as pool:
// results = list(pool.map(f, inputs))` spreads the calls of f over a pool of workers and
// gives the results back in the order of the inputs, however the calls were spread.
//
// Here the pool is a process network: the submitter sends the inputs, an ordered farm of w
// workers computes f (networks/farm.hpp), and the farm's harvester gives the results back in
// input order (the futures resolved in turn). The calls cost very different amounts of work
// (f is the number of Collatz steps of its input, and the inputs are shuffled), so the workers
// finish out of order and the harvester has to hold results back.
//
//                                         +--> [pool.worker[0]]   --+
//   submitter --inputs--> [pool.farmer] --pool.jobs--> ...         --pool.results--+
//                                         +--> [pool.worker[w-1]] --+               |
//                                                                                   v
//                                      results <--outputs-- [pool.harvester] <------+
//
// The results process checks that the i-th result is f of the i-th input, computed in place,
// then ends with
//
//   futures_pool: 4 workers mapped f over 1000 inputs; the results came back in input order: ok
//
//   futures_pool [--n=INPUTS] [--workers=W] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;
using number = std::uint64_t;

/// The function mapped: how many steps x takes to reach 1 under x -> x/2 or 3x+1, computed
/// `repeat` times over so that a call costs enough to be worth handing to a worker.
struct collatz_steps {
  int repeat = 50;
  number operator()(const number& x) const {
    number steps = 0;
    for (int r = 0; r < repeat; ++r) {
      steps = 0;
      for (number v = x; v != 1; ++steps) v = v % 2 ? 3 * v + 1 : v / 2;
    }
    return steps;
  }
};

/// The inputs 1..n in a fixed shuffled order.
std::vector<number> make_inputs(std::size_t n) {
  std::vector<number> inputs(n);
  for (std::size_t i = 0; i < n; ++i) inputs[i] = i + 1;
  std::shuffle(inputs.begin(), inputs.end(), std::mt19937_64(2026));
  return inputs;
}

void submitter(const std::vector<number>& inputs, csp::writer<number> out) {
  for (number x : inputs) out.send(x);
}

void results(const std::vector<number>& inputs, std::size_t workers, csp::reader<number> outputs) {
  const collatz_steps f;
  std::size_t i = 0;
  for (number result : outputs) {
    if (i >= inputs.size()) throw std::runtime_error("more results than inputs");
    if (result != f(inputs[i])) {
      throw std::runtime_error("result " + std::to_string(i) + " is " + std::to_string(result) +
                               ", not f(" + std::to_string(inputs[i]) + ") = " +
                               std::to_string(f(inputs[i])));
    }
    ++i;
  }
  if (i != inputs.size()) {
    throw std::runtime_error(std::to_string(i) + " results for " + std::to_string(inputs.size()) +
                             " inputs");
  }
  std::cout << "futures_pool: " << workers << " workers mapped f over " << inputs.size()
            << " inputs; the results came back in input order: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"n", "workers"});
  const int n = flags.integer("n", 1000);
  const int workers = flags.integer("workers", 4);
  if (n < 0) throw std::invalid_argument("need --n >= 0");
  if (workers < 1) throw std::invalid_argument("need --workers >= 1");
  const std::vector<number> inputs = make_inputs(static_cast<std::size_t>(n));

  csp::network net("futures_pool");
  auto in = net.channel<number>("inputs");
  auto out = net.channel<number>("outputs");
  net.spawn("submitter", submitter, std::cref(inputs), in.writer());
  nw::farm(net, "pool", static_cast<std::size_t>(workers), collatz_steps{}, in.reader(), out.writer());
  net.spawn("results", results, std::cref(inputs), static_cast<std::size_t>(workers), out.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "futures_pool: " << e.what() << '\n';
  return 1;
}
