// ThreadSanitizer support for the tbb backend (compiled in only when CSP_TBB_TSAN is 1, in
// the `tsan` preset; every function here is an empty inline otherwise).
//
// oneTBB switches a suspended task's stack in and out inside libtbb, which is not instrumented,
// and synchronises its queues there too. So under ThreadSanitizer, this folder is compiled
// without instrumentation (like Boost's switches in the fiber backend), and these hooks tell
// the sanitizer what libtbb does:
//   - each process has a sanitizer fiber of its own; each worker thread's own context stands
//     for its dispatcher (libtbb's scheduling loop, on whatever stack it runs);
//   - the process's fiber is current exactly while the process's code runs: enter() when its
//     task starts, when a suspension returns and when a parallel loop returns; the thread's
//     dispatcher is current while libtbb runs: to_dispatcher() before a suspension and before
//     a parallel loop, leave() when the task ends;
//   - the hand-overs libtbb makes are named as release/acquire pairs on a tag: enqueue -> task
//     start, unpark or timer -> resumption, and a parallel loop's start and end to and from
//     its chunks.
// Instrumented code thus never runs on a fiber other than the one the sanitizer thinks is
// current, so its shadow call stacks stay balanced.
//
// libtbb also reuses stacks: a task that ends leaves its stack (a worker's own, or a cached
// coroutine) to the next task, on any thread; and the processes that take turns on a worker
// share its thread-locals. So every switch between a process and its thread's dispatcher
// carries the history of the one left to the one entered, and a process that ends also
// publishes its history to every process that starts or resumes afterwards, and to every chunk
// of a parallel loop that starts afterwards (a chunk runs on its thread's dispatcher, maybe on
// the stack an ended process left; a chunk that ends publishes its history the same way). The price: a race
// between two processes is hidden when one of them suspended or ended on a worker before the
// other ran there. Races among processes running at the same time, and every order that csp
// itself must provide (channels, parkers, timers), are still checked; and the thread and
// fiber backends, which need none of this, run the same tests under ThreadSanitizer.
#pragma once

namespace csp::tbb::sanitizer {

#if CSP_TBB_TSAN
/// A new sanitizer fiber for a process / destroys it (never current anywhere by then).
void* make_fiber();
void drop_fiber(void* fiber);
/// The calling thread (in its dispatcher) starts or resumes running the process whose fiber is
/// `fiber`, after whatever was released on `tag`.
void enter(void* fiber, const void* tag);
/// The process's task has ended: back to the thread's dispatcher, which inherits its history.
void leave();
/// The process is about to suspend, or to wait for a parallel loop (inside which libtbb may
/// run chunks and switch to other suspended tasks on this thread): the thread's dispatcher
/// takes over, with the process's history. enter() gives the process back its fiber.
void to_dispatcher();
/// What the caller did so far happens before whatever follows an acquire() of `tag`.
void release(const void* tag);
void acquire(const void* tag);
/// A chunk of a parallel loop starts on the calling thread's dispatcher, after what was
/// released on `tag` and after every process that has ended / the chunk has ended, released
/// on `tag` and to every process and chunk that starts afterwards.
void chunk_begins(const void* tag);
void chunk_ends(const void* tag);
#else
inline void* make_fiber() { return nullptr; }
inline void drop_fiber(void*) {}
inline void enter(void*, const void*) {}
inline void leave() {}
inline void to_dispatcher() {}
inline void release(const void*) {}
inline void acquire(const void*) {}
inline void chunk_begins(const void*) {}
inline void chunk_ends(const void*) {}
#endif

}  // namespace csp::tbb::sanitizer
