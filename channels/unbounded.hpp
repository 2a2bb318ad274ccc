// Unbounded FIFO channel: writers never wait; the buffer grows as needed (the `grow` policy of
// fifo.hpp, where the protocol and invariants are). Memory is the limit: prefer bounded.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <channels/fifo.hpp>

namespace csp::channels {

template <class T>
std::shared_ptr<channel_core> make_unbounded(std::string name) {
  return std::make_shared<fifo<T>>(std::move(name), "unbounded", static_cast<std::size_t>(-1),
                                   when_full::grow);
}

}  // namespace csp::channels
