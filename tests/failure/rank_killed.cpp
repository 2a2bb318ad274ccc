// A rank dies in the middle of a run. Four processes in a line, p0 -> p1 -> p2 -> p3, one per
// rank (round-robin placement on 4 ranks); the one on rank VICTIM kills its own OS process
// after passing ten values on, while the others keep going. rank_killed.sh runs it under
// mpirun and checks that every other rank ends with an error naming the lost rank (or, under
// plain mpirun, that mpirun ends the job naming it), instead of hanging. With `large`, the
// values are 1 MiB vectors, which travel as messages of their own (detached).
//
//   mpirun -np 4 csp_rank_killed VICTIM [large] --csp-backend=mpi [--csp-config=FILE]
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <csp/csp.hpp>

namespace {

[[noreturn]] void die() {
  std::fflush(stdout);
  std::raise(SIGKILL);
  std::abort();
}

/// The line of four processes, passing values of type T made by `make`.
template <class T, class Make>
void line(csp::network& net, int victim, Make make) {
  auto a = net.channel<T>("a");
  auto b = net.channel<T>("b");
  auto c = net.channel<T>("c");
  net.spawn("p0", [victim, make](csp::writer<T> out) {
    for (long i = 0;; ++i) {
      if (victim == 0 && i == 10) die();
      out.send(make(i));
    }
  }, a.writer());
  auto relay = [victim](int me) {
    return [victim, me](csp::reader<T> in, csp::writer<T> out) {
      for (long i = 0;; ++i) {
        if (victim == me && i == 10) die();
        out.send(in.recv());
      }
    };
  };
  net.spawn("p1", relay(1), a.reader(), b.writer());
  net.spawn("p2", relay(2), b.reader(), c.writer());
  net.spawn("p3", [victim](csp::reader<T> in) {
    for (long i = 0;; ++i) {
      if (victim == 3 && i == 10) die();
      in.recv();
    }
  }, c.reader());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const csp::config cfg = csp::config::from(argc, argv);
    if (cfg.args.size() < 2 || cfg.args.size() > 3 || (cfg.args.size() == 3 && cfg.args[2] != "large")) {
      std::fprintf(stderr, "usage: csp_rank_killed VICTIM [large] --csp-backend=mpi\n");
      return 2;
    }
    const int victim = std::stoi(cfg.args[1]);
    csp::network net("rank_killed");
    if (cfg.args.size() == 3) {  // 1 MiB values, which cross ranks detached (backends/mpi/README.md)
      line<std::vector<std::byte>>(net, victim, [](long) { return std::vector<std::byte>(1 << 20, std::byte{7}); });
    } else {
      line<long>(net, victim, [](long i) { return i; });
    }
    csp::run(net, cfg);
    std::puts("rank_killed: the run ended normally, which it must not");
    return 1;
  } catch (const std::exception& e) {
    std::printf("rank_killed: %s\n", e.what());
    return 1;
  }
}
