// A task queue with workers: clients submit tasks, workers take them and send the results back.
//
// The Python recipe: Celery; a client calls `add.delay(4, 4)`, which puts a task message on
// the broker's queue and returns an AsyncResult; a worker takes the task, runs it, and stores
// the result in the result backend, where the client's `result.get()` finds it.
//
// Here the broker's queue is one buffered channel that every client writes and every worker
// reads (channels are any-to-any: the next free worker takes the next task), and the result
// backend is one buffered channel per client, "results[j]", on which the workers put client j's
// results. A task names its client, so the worker knows where its result goes.
//
//   client[0..c-1] --tasks (buffered 16, shared)--> worker[0..w-1]
//   worker[0..w-1] --"results[j]" (buffered m)--> client[j]          for each client j
//   client[0..c-1] --report (shared)--> monitor
//
// Each client submits m tasks of three kinds (add, mul and xsum, as in Celery's first
// steps), then collects m results, in whatever order they come, and checks each against the
// task computed in place. A results channel holds all of a client's results, so a worker never
// waits on a client that is still submitting. The client reports how many results it got to
// the monitor, which ends with
//
//   task_queue: 4 clients submitted 25 tasks each to 3 workers over one queue; all 100 results came back to their clients, correct: ok
//
// When every client has ended, the task channel has no writer left, so the workers see
// end-of-stream and end: nothing needs to tell them to stop.
//
//   task_queue [--clients=C] [--tasks=M] [--workers=W] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <cereal/types/vector.hpp>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using number = std::int64_t;

enum class kind { add, mul, xsum };

struct task {
  std::size_t client;
  std::size_t id;  // the client's own numbering
  kind what;
  std::vector<number> args;
  /// cereal serialization: the codec that carries a task between ranks (docs/codecs.md).
  template <class Archive>
  void serialize(Archive& ar) {
    ar(client, id, what, args);
  }
};

struct result {
  std::size_t id;
  std::size_t worker;
  number value;
};

/// What a task computes, wherever it runs.
number run_task(const task& t) {
  switch (t.what) {
    case kind::add: return t.args.at(0) + t.args.at(1);
    case kind::mul: return t.args.at(0) * t.args.at(1);
    case kind::xsum: return std::accumulate(t.args.begin(), t.args.end(), number{0});
  }
  throw std::logic_error("unknown task kind");
}

/// Client j's task number id: the kinds in turn, with arguments made from j and id.
task make_task(std::size_t client, std::size_t id) {
  const auto a = static_cast<number>(client * 1000 + id);
  switch (id % 3) {
    case 0: return {client, id, kind::add, {a, 4}};
    case 1: return {client, id, kind::mul, {a, 7}};
    default: return {client, id, kind::xsum, {a, a + 1, a + 2, -3}};
  }
}

void client(std::size_t self, std::size_t tasks, csp::writer<task> queue, csp::reader<result> results,
            csp::writer<std::size_t> report) {
  for (std::size_t id = 0; id < tasks; ++id) queue.send(make_task(self, id));  // add.delay(...)
  std::vector<bool> got(tasks, false);
  for (std::size_t n = 0; n < tasks; ++n) {  // result.get(), in whatever order they come
    const result r = results.recv();
    if (r.id >= tasks || got[r.id]) {
      throw std::runtime_error("result for task " + std::to_string(r.id) + " is unexpected or twice");
    }
    got[r.id] = true;
    const number expected = run_task(make_task(self, r.id));
    if (r.value != expected) {
      throw std::runtime_error("task " + std::to_string(r.id) + " came back from worker[" +
                               std::to_string(r.worker) + "] as " + std::to_string(r.value) +
                               ", not " + std::to_string(expected));
    }
  }
  report.send(tasks);
}

void worker(csp::replica self, csp::reader<task> queue, std::vector<csp::writer<result>> results) {
  for (task& t : queue) results.at(t.client).send({t.id, self.index, run_task(t)});
}

void monitor(std::size_t clients, std::size_t tasks, std::size_t workers, csp::reader<std::size_t> report) {
  std::size_t total = 0;
  for (std::size_t n : report) total += n;
  if (total != clients * tasks) {
    throw std::runtime_error(std::to_string(total) + " results came back, not " +
                             std::to_string(clients * tasks));
  }
  std::cout << "task_queue: " << clients << " clients submitted " << tasks << " tasks each to "
            << workers << " workers over one queue; all " << total
            << " results came back to their clients, correct: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"clients", "tasks", "workers"});
  const int clients = flags.integer("clients", 4);
  const int tasks = flags.integer("tasks", 25);
  const int workers = flags.integer("workers", 3);
  if (clients < 1 || tasks < 0 || workers < 1) {
    throw std::invalid_argument("need --clients >= 1, --tasks >= 0 and --workers >= 1");
  }
  const auto c = static_cast<std::size_t>(clients);
  const auto m = static_cast<std::size_t>(tasks);

  csp::network net("task_queue");
  auto queue = net.channel<task>("tasks", csp::buffered(16));
  auto report = net.channel<std::size_t>("report");
  std::vector<csp::writer<result>> result_writers;
  for (std::size_t j = 0; j < c; ++j) {
    auto results = net.channel<result>("results[" + std::to_string(j) + "]", csp::buffered(std::max<std::size_t>(m, 1)));
    result_writers.push_back(results.writer());
    net.spawn("client[" + std::to_string(j) + "]", client, j, m, queue.writer(), results.reader(),
              report.writer());
  }
  net.spawn_n(static_cast<std::size_t>(workers), "worker", worker, queue.reader(), result_writers);
  net.spawn("monitor", monitor, c, m, static_cast<std::size_t>(workers), report.reader());
  result_writers.clear();  // the workers hold their own copies
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "task_queue: " << e.what() << '\n';
  return 1;
}
