// The one error vocabulary of csp (STYLE.md, habit 4).
//
//   blocking operations (send, recv, select)  throw  csp::poisoned / csp::retired
//   try_ operations                           return csp::status (and hand a refused value back)
//   run()                                     throws csp::deadlock, csp::process_error,
//                                                    csp::network_error, csp::config_error
//   encode / decode (codec.hpp)               throws csp::codec_error
//   a stage on the GPU (cuda backend)         throws csp::device_error
//
// Every message names the channel, process or config key it is about.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

namespace csp {

/// Base of every exception csp throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What poisoned and retired share: the channel they are about, and the alt guard that fired.
class channel_error : public error {
 public:
  const std::string& channel() const noexcept { return channel_; }
  /// Index of the alt guard that fired on the channel, or npos outside an alt.
  std::size_t guard() const noexcept { return guard_; }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 protected:
  channel_error(const std::string& what, std::string channel, std::size_t guard)
      : error(what), channel_(std::move(channel)), guard_(guard) {}

 private:
  std::string channel_;
  std::size_t guard_;
};

/// Thrown by a blocking operation on a poisoned channel.
/// Example: `try { in.recv(); } catch (const csp::poisoned& e) { e.channel(); }`
class poisoned : public channel_error {
 public:
  explicit poisoned(std::string channel, std::size_t guard = npos);
};

/// Thrown by a blocking operation when the other side has retired: a reader after every writer
/// retired and the buffer is drained (end of stream), a writer after every reader retired, or
/// any operation on an end that was itself retired.
class retired : public channel_error {
 public:
  explicit retired(std::string channel, std::size_t guard = npos, const char* why = nullptr);
};

/// Thrown by run() when every process is blocked on a channel and none waits on a timer.
/// what() is the full report: each blocked process, what it waits on, and the wait-for cycle.
class deadlock : public error {
 public:
  explicit deadlock(std::string report, std::string graph = {})
      : error(std::move(report)), graph_(std::make_shared<const std::string>(std::move(graph))) {}
  /// The wait-for graph as Graphviz DOT: a node per blocked process, an edge from each to
  /// the processes it waits on, the cycle in red (docs/observability.md). Empty when the
  /// deadlock was made by hand. With --csp-graph=FILE, run() also writes it beside FILE.
  const std::string& graph() const noexcept { return *graph_; }

 private:
  std::shared_ptr<const std::string> graph_;  // shared: copying an exception must not throw
};

/// Thrown by run() when a process ended with an exception other than poisoned/retired.
/// The original exception is kept and can be rethrown with rethrow_cause().
class process_error : public error {
 public:
  process_error(std::string process, std::exception_ptr cause);
  const std::string& process() const noexcept { return process_; }
  std::exception_ptr cause() const noexcept { return cause_; }
  [[noreturn]] void rethrow_cause() const { std::rethrow_exception(cause_); }

 private:
  std::string process_;
  std::exception_ptr cause_;
};

/// Thrown by run() when the network itself is wrong (before any process starts), and by
/// misuse of a network (spawning into a network that already ran, running it twice).
class network_error : public error {
 public:
  using error::error;
};

/// Thrown by config::from and run() for an unknown flag, key, backend or a bad value; the
/// message lists what is accepted.
class config_error : public error {
 public:
  using error::error;
};

/// Thrown by csp::decode for bytes that are not an encoding of the type asked for, and by
/// csp::encode for a value it cannot encode. type() is the type decoded (or encoded), reason()
/// the fault: "truncated: needed 8 bytes, had 3", "bad variant index 7 of 3 alternatives", ...
/// Example: `try { csp::decode<std::string>(bytes); } catch (const csp::codec_error& e) { e.reason(); }`
class codec_error : public error {
 public:
  /// `doing` is "decode" or "encode": what() reads "cannot decode <type>: <reason>".
  codec_error(std::string type, std::string reason, const char* doing = "decode");
  const std::string& type() const noexcept { return type_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string type_;
  std::string reason_;
};

/// Thrown by a stage running on the GPU when a CUDA call fails (a failed launch, out of device
/// memory, a lost device): call() is the CUDA function, code() its cudaError_t, and what()
/// reads "cudaMalloc failed: cudaErrorMemoryAllocation: out of memory". run() reports it as the
/// stage's failure (a csp::process_error naming the stage), and the network shuts down.
class device_error : public error {
 public:
  device_error(std::string call, int code, const std::string& name, const std::string& text);
  const std::string& call() const noexcept { return call_; }
  int code() const noexcept { return code_; }

 private:
  std::string call_;
  int code_;
};

}  // namespace csp
