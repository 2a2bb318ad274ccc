// commstime: the classic occam benchmark of communication cost (DESIGN.md section 7).
//
//            +--------a--------+
//            |                 |
//            v                 |
//   prefix(0) --b--> delta --d--> successor
//                      |
//                      c
//                      v
//                  consumer
//
// prefix sends 0, then copies a to b; delta (sequential) copies each value to c and then to d;
// successor adds 1 (all three from networks/plumbing.hpp). So consumer sees 0, 1, 2, ... : it
// checks that it receives exactly 0..n-1 in order, and prints the time per communication
// (four rendezvous per value: b, c, d, a). Then it retires its reader: delta's next send
// throws csp::retired, delta ends, its ends retire, and the end-of-stream runs round the ring
// until every process has ended.
//
//   commstime [--n=N] [--csp-backend=fiber|thread] [--csp-threads=T]
#include <chrono>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"
#include <networks/plumbing.hpp>

namespace {

using value = std::int64_t;

void consumer(csp::reader<value> in, value n, const std::string& backend) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  for (value expected = 0; expected < n; ++expected) {
    const value v = in.recv();
    if (v != expected) {
      throw std::runtime_error("received " + std::to_string(v) + ", expected " + std::to_string(expected));
    }
  }
  const auto ns = std::chrono::duration<double, std::nano>(clock::now() - start).count();
  std::cout << "commstime: " << n << " values in order, " << ns / (4.0 * static_cast<double>(n))
            << " ns per communication (" << backend << ")\n";
  in.retire();
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  value n = 100'000;
  const example::flags flags(cfg, {"n"});
  n = flags.integer("n", n);
  if (n < 1) throw std::invalid_argument("--n must be at least 1");

  csp::network net("commstime");
  auto a = net.channel<value>("a");
  auto b = net.channel<value>("b");
  auto c = net.channel<value>("c");
  auto d = net.channel<value>("d");
  net.spawn("prefix", csp::networks::prefix<value>, value{0}, a.reader(), b.writer());
  net.spawn("delta", csp::networks::delta<value>, b.reader(), std::vector{c.writer(), d.writer()});
  net.spawn("successor", csp::networks::successor<value>, d.reader(), a.writer());
  const std::string backend =
      cfg.backend + (cfg.backend == "fiber" ? ", " + std::to_string(cfg.threads) + " thread(s)" : "");
  net.spawn("consumer", consumer, c.reader(), n, backend);
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "commstime: " << e.what() << '\n';
  return 1;
}
