// An asyncio event loop, the CSP way: many cheap processes, each awaiting a reply with a
// timeout.
//
// The Python recipe: asyncio; thousands of coroutines each `await asyncio.wait_for(call(),
// timeout)` on one event loop; some calls answer in time, the others raise TimeoutError.
//
// Here each coroutine is a process (a fiber on the fiber backend: thousands are cheap) and
// the await is an alt over the reply channel and a timeout guard. Client i calls the `echo`
// service, which answers every request, unless i is a multiple of 3: then it calls `down`, a
// service that takes requests and never answers (it holds the reply channels' writer ends until
// all its clients are gone, so they see no end-of-stream: only their timeout fires).
//
//   client[i], i % 3 != 0 --echo requests (shared)--> echo --reply[i]--> client[i]
//   client[i], i % 3 == 0 --down requests (shared)--> down  (never replies on reply[i])
//   client[0..n-1] --outcomes (shared)--> tally
//
// The outcome does not depend on timing: a client of `down` can only time out, after 5 ms,
// and a client of `echo` waits up to 10 s, a deadline the echo service meets by far (the whole
// run takes well under a second). The tally checks that exactly the clients of `echo` were
// answered, each with its own answer (2i), and that the others timed out, and prints
//
//   event_loop: 10000 clients: 6666 answered, 3334 timed out after 5 ms: ok
//
//   event_loop [--n=CLIENTS] [--csp-backend=NAME] [--csp-threads=T]
//
// --n defaults to 10000, to 1000 on the thread backend (one OS thread per process), and to
// 3000 on the tbb backend (which runs at most about 4,000 processes at once).
#include <chrono>
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds echo_deadline = 10s;
constexpr std::chrono::milliseconds down_deadline = 5ms;

bool calls_echo(std::size_t client) { return client % 3 != 0; }
int answer_to(std::size_t client) { return 2 * static_cast<int>(client); }

struct outcome {
  std::size_t client;
  bool answered;
  int answer;
};

void client(std::size_t self, std::chrono::milliseconds deadline, csp::writer<std::size_t> service,
            csp::reader<int> reply, csp::writer<outcome> outcomes) {
  service.send(self);
  int answer = 0;
  const bool answered = csp::pri_select(csp::input(reply, answer), csp::timeout(deadline)) == 0;
  outcomes.send({self, answered, answer});
}

// replies[i] is client i's reply channel (an empty end for clients of the other service).
void echo(csp::reader<std::size_t> requests, std::vector<csp::writer<int>> replies) {
  for (std::size_t client : requests) replies[client].send(answer_to(client));
}

// Holds its clients' reply ends and never sends on them. Ends when all its clients have
// retired from `requests` (the receive throws csp::retired); only then do the reply ends retire.
void down(csp::reader<std::size_t> requests, [[maybe_unused]] std::vector<csp::writer<int>> replies) {
  for (;;) requests.recv();
}

void tally(std::size_t clients, csp::reader<outcome> outcomes) {
  std::size_t answered = 0;
  std::size_t timed_out = 0;
  for (const outcome& o : outcomes) {
    if (o.answered != calls_echo(o.client) || (o.answered && o.answer != answer_to(o.client))) {
      throw std::runtime_error("client[" + std::to_string(o.client) + "] got the wrong outcome");
    }
    ++(o.answered ? answered : timed_out);
  }
  if (answered + timed_out != clients) throw std::runtime_error("not every client reported");
  std::cout << "event_loop: " << clients << " clients: " << answered << " answered, " << timed_out
            << " timed out after " << down_deadline.count() << " ms: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int n = cfg.backend == "thread" ? 1000 : cfg.backend == "tbb" ? 3000 : 10000;
  const example::flags flags(cfg, {"n"});
  n = flags.integer("n", n);
  if (n < 2) throw std::invalid_argument("need --n >= 2 (a client of each service)");
  const auto clients = static_cast<std::size_t>(n);

  csp::network net("event_loop");
  auto echo_requests = net.channel<std::size_t>("echo requests");
  auto down_requests = net.channel<std::size_t>("down requests");
  auto outcomes = net.channel<outcome>("outcomes");
  std::vector<csp::writer<int>> echo_replies(clients);
  std::vector<csp::writer<int>> down_replies(clients);
  for (std::size_t i = 0; i < clients; ++i) {
    auto reply = net.channel<int>("reply[" + std::to_string(i) + "]");
    const bool echoed = calls_echo(i);
    (echoed ? echo_replies : down_replies)[i] = reply.writer();
    net.spawn("client[" + std::to_string(i) + "]", client, i,
              echoed ? echo_deadline : down_deadline,
              (echoed ? echo_requests : down_requests).writer(), reply.reader(), outcomes.writer());
  }
  net.spawn("echo", echo, echo_requests.reader(), std::move(echo_replies));
  net.spawn("down", down, down_requests.reader(), std::move(down_replies));
  net.spawn("tally", tally, clients, outcomes.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "event_loop: " << e.what() << '\n';
  return 1;
}
