// A rank dies in the middle of a run: the consumer, on rank 1, kills its own process after ten
// values, while the producer on rank 0 keeps sending. rank_killed.sh runs it under mpirun and
// checks that the run ends (mpirun aborts the job and names the rank) instead of hanging.
#include <csignal>
#include <cstdio>
#include <exception>

#include <csp/csp.hpp>

int main(int argc, char** argv) {
  try {
    const csp::config cfg = csp::config::from(argc, argv);
    csp::network net("rank_killed");
    auto values = net.channel<long>("values");
    net.spawn("producer", [](csp::writer<long> out) {
      for (long i = 0;; ++i) out.send(i);
    }, values.writer());
    net.spawn("consumer", [](csp::reader<long> in) {
      for (int i = 0; i < 10; ++i) in.recv();
      std::fflush(stdout);
      std::raise(SIGKILL);
    }, values.reader());
    csp::run(net, cfg);
    std::puts("rank_killed: the run ended normally, which it must not");
    return 1;
  } catch (const std::exception& e) {
    std::printf("rank_killed: %s\n", e.what());
    return 1;
  }
}
