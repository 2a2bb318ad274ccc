// Rendezvous channel (the default flavor): no buffer; a send completes only when a reader has
// taken the value (DESIGN.md section 2). Any number of readers and writers.
//
// Invariants, in addition to channel_core's C1-C6 (all under lock_):
//   R1  A value moves only from a send entry's `data` (or the attempting sender's value) into a
//       recv entry's `data` (or the attempting reader's), inside one critical section, after
//       the waiting side's slot was claimed. So a send returns ok only once a reader has the
//       value, and a value is never copied to two readers (the claim succeeds once).
//   R2  An operation that finds no claimable partner links itself (send or recv side). The
//       next partner to arrive claims it: no value is left waiting while a reader is ready (C4).
#pragma once

#include <mutex>
#include <optional>
#include <typeinfo>
#include <utility>

#include <channels/channel_core.hpp>

namespace csp::channels {

template <class T>
class rendezvous final : public channel_core {
 public:
  explicit rendezvous(std::string name)
      : channel_core(std::move(name), "rendezvous", type_name_of(typeid(T).name())) {}

  // model/alt.pml: attempt. The model copies a small number where this moves a T.
  status attempt(wait_entry& e, bool enlist) noexcept override {
    wait_entry* partner;
    {
      std::lock_guard lk(lock_);
      if (status s = closed_status(e, false); s != status::would_block) return s;
      partner = claim_partner(e.kind == op_kind::recv ? senders_ : receivers_, e.owner);
      if (partner == nullptr) {
        if (enlist) link(e);
        return status::would_block;
      }
      if (e.kind == op_kind::recv) {
        move_value(*partner, e);
      } else {
        move_value(e, *partner);
      }
      e.seq = partner->seq = count_message();  // C7: every value entered is delivered at once
    }
    detail::complete(*partner->owner, status::ok);
    return status::ok;
  }

  buffer_shape shape() const noexcept override { return {0, when_full::block}; }

  // model/alt.pml: enable
  bool enable(wait_entry& e) noexcept override {
    std::lock_guard lk(lock_);
    if (closed_status(e, false) != status::would_block ||
        has_partner(e.kind == op_kind::recv ? senders_ : receivers_, e.owner)) {
      return true;
    }
    link(e);
    return false;
  }

 private:
  static void move_value(wait_entry& from, wait_entry& to) noexcept {
    static_cast<std::optional<T>*>(to.data)->emplace(std::move(*static_cast<T*>(from.data)));
  }
};

}  // namespace csp::channels
