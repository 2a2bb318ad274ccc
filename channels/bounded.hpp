// Bounded FIFO channel: up to `capacity` values wait in the channel; a writer finding it full
// waits for a reader (the `block` policy of fifo.hpp, where the protocol and invariants are).
#pragma once

#include <memory>
#include <string>

#include <channels/fifo.hpp>

namespace csp::channels {

template <class T>
std::shared_ptr<channel_core> make_bounded(std::string name, std::size_t capacity) {
  return std::make_shared<fifo<T>>(std::move(name), "bounded(" + std::to_string(capacity) + ")",
                                   capacity, when_full::block);
}

}  // namespace csp::channels
