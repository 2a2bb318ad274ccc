// The sieve of Eratosthenes as a growing chain of processes, a PyCSP classic.
//
// The Python recipe: PyCSP's primes example; a generator feeds a chain of filters, one per
// prime found so far, and every number that comes out of the end of the chain is a new prime.
//
// A sieve process takes the first number it receives, which is a prime p, and sends it to the
// printer. Then it becomes a sub-network of two: a filter that drops the multiples of p, and a
// new sieve after it. So the chain grows by one filter for each prime:
//
//   generator --> sieve                                          (at the start)
//
//   generator --> filter(2) --> filter(3) --> filter(5) --> sieve  (after 2, 3, 5)
//                                                             |
//   every sieve, as it finds its prime -----primes (shared)---+--> printer
//
// The printer takes the first n primes and retires. The sieve that next tries to send a prime
// then gets csp::retired and ends; the filter above it finds no reader and ends, and so on up
// the chain to the generator: every process ends, and every sub-network with it. The printer
// checks the primes against a sequential sieve and prints them, then
//
//   sieve: the first 100 primes, up to 541, as a sequential sieve finds them: ok
//
//   sieve [--n=N] [--csp-backend=NAME] [--csp-threads=T]
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using number = std::int64_t;

void generator(csp::writer<number> out) {
  for (number v = 2;; ++v) out.send(v);
}

void filter(number prime, csp::reader<number> in, csp::writer<number> out) {
  for (number v : in) {
    if (v % prime != 0) out.send(v);
  }
}

void sieve(csp::reader<number> in, csp::writer<number> primes) {
  const number prime = in.recv();
  primes.send(prime);
  const std::string p = std::to_string(prime);
  csp::network rest("after " + p);
  auto sifted = rest.channel<number>("without multiples of " + p);
  rest.spawn("filter(" + p + ")", filter, prime, std::move(in), sifted.writer());
  rest.spawn("sieve", sieve, sifted.reader(), std::move(primes));
  csp::run(rest);
}

// The first n primes, by the sieve of Eratosthenes over [2, limit), doubling the limit until
// it holds n primes.
std::vector<number> sequential_primes(std::size_t n) {
  for (std::size_t limit = 16;; limit *= 2) {
    std::vector<bool> composite(limit, false);
    std::vector<number> primes;
    for (std::size_t v = 2; v < limit && primes.size() < n; ++v) {
      if (composite[v]) continue;
      primes.push_back(static_cast<number>(v));
      for (std::size_t m = v * v; m < limit; m += v) composite[m] = true;
    }
    if (primes.size() == n) return primes;
  }
}

void printer(std::size_t n, csp::reader<number> primes) {
  std::vector<number> found;
  while (found.size() < n) found.push_back(primes.recv());
  primes.retire();
  for (std::size_t i = 0; i < n; ++i) std::cout << (i ? " " : "") << found[i];
  std::cout << '\n';
  if (found != sequential_primes(n)) throw std::runtime_error("these are not the first primes");
  std::cout << "sieve: the first " << n << " primes, up to " << (n ? found.back() : 0)
            << ", as a sequential sieve finds them: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int n = 100;
  const example::flags flags(cfg, {"n"});
  n = flags.integer("n", n);
  if (n < 1) throw std::invalid_argument("need --n >= 1");

  csp::network net("sieve");
  auto numbers = net.channel<number>("numbers");
  auto primes = net.channel<number>("primes");
  net.spawn("generator", generator, numbers.writer());
  net.spawn("sieve", sieve, numbers.reader(), primes.writer());
  net.spawn("printer", printer, static_cast<std::size_t>(n), primes.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "sieve: " << e.what() << '\n';
  return 1;
}
