// Outcome of a try_ operation, and of a fired guard inside the runtime.
#pragma once

#include <cstdint>

namespace csp {

/// What a try_send / try_recv did. Blocking operations throw instead (see errors.hpp).
enum class status : std::uint8_t {
  ok,           ///< the value was sent or received
  would_block,  ///< no partner ready and no buffer room / value: nothing happened
  retired,      ///< the other side has retired (or this end has): the operation can never succeed
  poisoned,     ///< the channel is poisoned
};

/// Human-readable name of a status ("ok", "would_block", ...).
constexpr const char* to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::would_block: return "would_block";
    case status::retired: return "retired";
    case status::poisoned: return "poisoned";
  }
  return "?";
}

}  // namespace csp
