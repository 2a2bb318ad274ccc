#include <backends/tbb/sanitizer.hpp>

#if CSP_TBB_TSAN

#include <sanitizer/tsan_interface.h>

namespace csp::tbb::sanitizer {
namespace {

/// The calling worker's own context, which stands for its dispatcher. Taken the first time a
/// hook runs on the thread, when no process fiber can be current there yet. Not inline, so
/// that each call finds the thread it runs on (a task may move between threads).
[[gnu::noinline]] void* dispatcher() {
  thread_local void* self = __tsan_get_current_fiber();
  return self;
}

}  // namespace

void* make_fiber() { return __tsan_create_fiber(0); }
void drop_fiber(void* fiber) { __tsan_destroy_fiber(fiber); }

/// Released by every process and loop chunk that ends, acquired by every process that starts
/// or resumes and every chunk that starts.
char ended_processes;

void enter(void* fiber, const void* tag) {
  (void)dispatcher();
  __tsan_switch_to_fiber(fiber, 0);
  __tsan_acquire(&ended_processes);
  __tsan_acquire(const_cast<void*>(tag));
}

void leave() {
  __tsan_release(&ended_processes);
  __tsan_switch_to_fiber(dispatcher(), 0);
}

void to_dispatcher() { __tsan_switch_to_fiber(dispatcher(), 0); }

void release(const void* tag) { __tsan_release(const_cast<void*>(tag)); }
void acquire(const void* tag) { __tsan_acquire(const_cast<void*>(tag)); }

void chunk_begins(const void* tag) {
  __tsan_acquire(&ended_processes);
  __tsan_acquire(const_cast<void*>(tag));
}

void chunk_ends(const void* tag) {
  __tsan_release(const_cast<void*>(tag));
  __tsan_release(&ended_processes);
}

}  // namespace csp::tbb::sanitizer

#endif
