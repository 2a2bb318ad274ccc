// --csp-progress (DESIGN.md section 5, docs/observability.md): while a run goes on, one line on
// stderr that says how many messages its channels have delivered, how many per second lately,
// and how many of its live processes are blocked; rewritten in place four times a second, and
// left with its final figures when the run ends (the rate then the whole run's average). Only
// when stderr is a terminal: piped or redirected, it writes nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <csp/detail/runtime.hpp>

namespace csp::detail {

/// The status line's words, without the terminal's control characters, e.g.
/// "csp: 'pipeline' 1200 messages (2400/s), 2 of 3 processes blocked, 0.5 s".
std::string progress_text(const std::string& network, std::uint64_t messages, double per_second, long blocked,
                          long live, clock::duration elapsed);

/// What the line counts in one address space: the values its channels delivered, and its
/// processes live and blocked (in an untimed wait). Read without locks: a glance.
struct progress_sample {
  std::uint64_t messages = 0;
  long blocked = 0;
  long live = 0;
};
progress_sample sample_of(const runtime& rt);

class backend;

class progress_line {
 public:
  /// Starts the line for the run `rt` of `network` when `on` and the backend says stderr
  /// reaches a terminal (backend::on_a_terminal); the backend also adds what other address
  /// spaces said of themselves (backend::progress_elsewhere).
  progress_line(const runtime& rt, std::string network, bool on, const backend& b);
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  /// stop().
  ~progress_line();
  /// Writes the final figures, ends the line, and stops updating. Idempotent.
  void stop() noexcept;

 private:
  void update(bool final);
  void loop();

  const runtime& rt_;
  const backend& backend_;
  std::string network_;
  clock::time_point start_, last_at_;
  std::uint64_t last_messages_ = 0;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace csp::detail
