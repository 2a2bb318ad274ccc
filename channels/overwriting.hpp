// Overwriting channel: keeps the newest `capacity` values; a writer finding it full drops the
// oldest and never waits (the `overwrite` policy of fifo.hpp, where the protocol and
// invariants are). For sensor-style streams where only the latest values matter.
#pragma once

#include <memory>
#include <string>

#include <channels/fifo.hpp>

namespace csp::channels {

template <class T>
std::shared_ptr<channel_core> make_overwriting(std::string name, std::size_t capacity) {
  return std::make_shared<fifo<T>>(std::move(name),
                                   "overwriting(" + std::to_string(capacity) + ")", capacity,
                                   when_full::overwrite);
}

}  // namespace csp::channels
