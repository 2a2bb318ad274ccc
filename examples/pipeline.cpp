// A three-stage pipeline: numbers are squared and summed.
//
//   producer --numbers--> square --squares (buffered 64)--> printer
//
// The producer sends 1..n and retires; square ends when its input reaches end-of-stream and
// retires its output; printer prints each square and the total, and checks the total against
// n(n+1)(2n+1)/6.
//
//   pipeline [--n=N] [--quiet] [--csp-backend=fiber|thread] [--csp-threads=T]
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

void producer(csp::writer<std::int64_t> out, std::int64_t n) {
  for (std::int64_t i = 1; i <= n; ++i) out.send(i);
  out.retire();
}

void square(csp::reader<std::int64_t> in, csp::writer<std::int64_t> out) {
  for (std::int64_t v : in) out.send(v * v);
  out.retire();
}

void printer(csp::reader<std::int64_t> in, std::int64_t n, bool quiet) {
  std::int64_t total = 0;
  for (std::int64_t v : in) {
    if (!quiet) std::cout << v << '\n';
    total += v;
  }
  const std::int64_t expected = n * (n + 1) * (2 * n + 1) / 6;
  std::cout << "sum of squares of 1.." << n << " = " << total << '\n';
  if (total != expected) throw std::runtime_error("wrong total: expected " + std::to_string(expected));
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  std::int64_t n = 10;
  const example::flags flags(cfg, {"n", "quiet"});
  n = flags.integer("n", n);
  const bool quiet = flags.set("quiet");
  csp::network net("pipeline");
  auto numbers = net.channel<std::int64_t>("numbers");
  auto squares = net.channel<std::int64_t>("squares", csp::buffered(64));
  net.spawn("producer", producer, numbers.writer(), n);
  net.spawn("square", square, numbers.reader(), squares.writer());
  net.spawn("printer", printer, squares.reader(), n, quiet);
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "pipeline: " << e.what() << '\n';
  return 1;
}
