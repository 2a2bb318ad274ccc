// channel_core: ends, retire, poison and the flavor-independent parts of the guard protocol.
// Invariants C1-C7 are stated in channels/channel_core.hpp.
#include <channels/channel_core.hpp>

#include <cxxabi.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace csp::channels {

std::uint64_t channel_core::next_serial() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void completion_list::add(wait_entry& e, status result) noexcept {
  e.owner->result = result;  // the claim made us the owner's only decider (I2)
  e.next = head_;
  head_ = &e;
}

void completion_list::complete_all() noexcept {
  while (head_ != nullptr) {
    wait_entry* e = head_;
    head_ = e->next;  // read before completing: the owner may free e at once (I4)
    detail::complete(*e->owner, e->owner->result);
  }
}

void channel_core::link(wait_entry& e) noexcept {
  (e.kind == op_kind::recv ? receivers_ : senders_).push_back(e);
  e.linked = true;
}

void channel_core::disable(wait_entry& e) noexcept {
  if (remote_ != nullptr) return remote_->disable(e);
  std::lock_guard lk(lock_);
  if (e.linked) {
    (e.kind == op_kind::recv ? receivers_ : senders_).erase(e);
    e.linked = false;
  }
}

void channel_core::join(op_kind side) noexcept {
  if (remote_ != nullptr) return remote_->join(side);
  std::lock_guard lk(lock_);
  if (side == op_kind::recv) {
    ++reader_ends_;
    ++reader_joins_;
  } else {
    ++writer_ends_;
    ++writer_joins_;
  }
}

namespace {
// model/alt.pml: fail_all (each claim is a step of its own there too: several succeed).
// Claims every linked entry of `q` whose slot is still open, for completion with `result`.
// Entries that lose the claim stay with their owners, who unlink them (C3).
void fail_all(entry_queue& q, status result, completion_list& out) noexcept {
  for (wait_entry* e = q.front(); e != nullptr;) {
    wait_entry* next = e->next;
    if (e->owner->claim(e->index)) {
      q.erase(*e);
      e->linked = false;
      out.add(*e, result);
    }
    e = next;
  }
}
}  // namespace

// model/alt.pml: leave. The model has rendezvous channels only: has_buffered() is false there.
void channel_core::leave(op_kind side) noexcept {
  if (remote_ != nullptr) return remote_->leave(side);
  completion_list woken;
  {
    std::lock_guard lk(lock_);
    if (side == op_kind::recv) {
      if (--reader_ends_ == 0) fail_all(senders_, status::retired, woken);
    } else if (--writer_ends_ == 0 && !has_buffered()) {
      fail_all(receivers_, status::retired, woken);  // F3: with values buffered, none wait
    }
  }
  woken.complete_all();
}

// model/alt.pml: poison
void channel_core::poison() noexcept {
  if (remote_ != nullptr) return remote_->poison();
  completion_list woken;
  {
    std::lock_guard lk(lock_);
    poisoned_ = true;
    discard_buffer();
    fail_all(receivers_, status::poisoned, woken);
    fail_all(senders_, status::poisoned, woken);
  }
  woken.complete_all();
}

channel_core::counts channel_core::snapshot() const noexcept {
  std::lock_guard lk(lock_);
  return {reader_ends_, writer_ends_, reader_joins_, writer_joins_, messages_.load(std::memory_order_relaxed), poisoned_};
}

std::string type_name_of(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
  // The standard library's spelling of std::string is long and says nothing to a reader.
  static const std::string long_string =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (std::size_t at; (at = name.find(long_string)) != std::string::npos;) {
    name.replace(at, long_string.size(), "std::string");
  }
  return name;
}

}  // namespace csp::channels
