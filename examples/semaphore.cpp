// A semaphore-guarded resource, the CSP way.
//
// The Python recipe: threading.Semaphore(k) lets at most k threads into a section at once;
// each thread acquires a permit before it uses the shared resource and releases it after.
//
// Here the semaphore is a process that owns the permits and serves two shared channels in an
// alt: `acquire` only while a permit is left (a precondition on its guard), `release` always.
// A client's send on `acquire` completes only when the server takes it, so a client waits
// exactly as long as no permit is free. The resource is a process too: holders tell it when
// they go in and when they come out.
//
//   client[0..n-1] --acquire (shared)--> semaphore(k)
//          |       --release (shared)-->
//          +--------visits (shared)----> resource
//
// Each client, `rounds` times: acquire, go in, come out, release. A client's "out" is taken by
// the resource before its release reaches the semaphore, and its "in" is sent only after its
// acquire was granted, so the resource can count more than k clients inside at once only if
// the semaphore granted more than k permits. The resource checks that it never did and that
// every client went in `rounds` times, and prints (the middle number varies from run to run):
//
//   semaphore: 8 clients, at most 3 inside at once with 3 permits, 5 visits each: ok
//
//   semaphore [--n=CLIENTS] [--permits=K] [--rounds=R] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

struct visit {
  std::size_t client;
  bool going_in;
};

void client(csp::replica self, int rounds, csp::writer<int> acquire, csp::writer<int> release,
            csp::writer<visit> resource) {
  for (int r = 0; r < rounds; ++r) {
    acquire.send(0);
    resource.send({self.index, true});
    resource.send({self.index, false});
    release.send(0);
  }
}

// Ends when every client has retired from both channels.
void semaphore(int permits, csp::reader<int> acquire, csp::reader<int> release) {
  bool acquire_open = true;
  bool release_open = true;
  while (acquire_open || release_open) {
    int ignored = 0;
    try {
      switch (csp::pri_select(csp::input(release, ignored).when(release_open),
                              csp::input(acquire, ignored).when(acquire_open && permits > 0))) {
        case 0: ++permits; break;
        case 1: --permits; break;
      }
    } catch (const csp::retired& e) {
      (e.guard() == 0 ? release_open : acquire_open) = false;
    }
  }
}

void resource(std::size_t clients, int permits, int rounds, csp::reader<visit> visits) {
  std::vector<int> times_in(clients, 0);
  int inside = 0;
  int most_inside = 0;
  for (const visit& v : visits) {
    if (v.going_in) {
      ++times_in[v.client];
      most_inside = std::max(most_inside, ++inside);
    } else {
      --inside;
    }
  }
  if (most_inside > permits) {
    throw std::runtime_error(std::to_string(most_inside) + " clients were inside at once with " +
                             std::to_string(permits) + " permits");
  }
  if (std::any_of(times_in.begin(), times_in.end(), [&](int t) { return t != rounds; })) {
    throw std::runtime_error("not every client went in " + std::to_string(rounds) + " times");
  }
  std::cout << "semaphore: " << clients << " clients, at most " << most_inside << " inside at once with "
            << permits << " permits, " << rounds << " visits each: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int clients = 8;
  int permits = 3;
  int rounds = 5;
  const example::flags flags(cfg, {"n", "permits", "rounds"});
  clients = flags.integer("n", clients);
  permits = flags.integer("permits", permits);
  rounds = flags.integer("rounds", rounds);
  if (clients < 1 || permits < 1 || rounds < 0) {
    throw std::invalid_argument("need --n >= 1, --permits >= 1 and --rounds >= 0");
  }

  csp::network net("semaphore");
  auto acquire = net.channel<int>("acquire");
  auto release = net.channel<int>("release");
  auto visits = net.channel<visit>("visits");
  net.spawn_n(static_cast<std::size_t>(clients), "client", client, rounds, acquire.writer(),
              release.writer(), visits.writer());
  net.spawn("semaphore", semaphore, permits, acquire.reader(), release.reader());
  net.spawn("resource", resource, static_cast<std::size_t>(clients), permits, rounds, visits.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "semaphore: " << e.what() << '\n';
  return 1;
}
