/*
 * A Promela model of csp's rendezvous channel, the alt selection slot, retire, poison and the
 * deadlock count, written step for step after the C++ (checked with spin; model/check.sh).
 *
 *   channels/channel_core.hpp, src/channel_core.cpp   lock, wait queues, ends, retire, poison
 *   channels/rendezvous.hpp                            attempt, enable
 *   csp/detail/waiter.hpp, src/runtime.cpp             slot CAS, complete, wait, blocked/ended
 *   csp/detail/operate.hpp                             a plain send or receive
 *   src/alt.cpp                                        the select engine's three phases
 *
 * Every shared step of the C++ is one step here: each CAS on a slot, each lock acquisition,
 * each counter update; the reads and writes that a channel lock guards are steps of their own
 * too, so spin interleaves them with every other process's steps. What the model abstracts:
 *   - a value is a small number (1..NVAL), moved by copy; "moved" means copied into the
 *     receiving entry, which a test below checks is the only entry that receives it;
 *   - a waiter is per process and reset at the start of each operation (the C++ builds a new
 *     one on the stack); invariant I3 (no channel holds an entry after its operation returns)
 *     is asserted, so a stale entry would show as a failed assertion rather than be hidden;
 *   - the thread, fiber and (later) tbb parkers are the one statement `done[p]`: each keeps
 *     P1-P5 of its README, which is what lets this abstraction stand for all of them;
 *   - the runtime's abort (deadlock or failure) is: poison every channel (runtime::abort);
 *   - timeouts are not modelled: a timed wait is not counted by the deadlock detector, and
 *     its expiry is the owner's own abort CAS, the same step as an alt's abort below.
 *
 * Properties checked (assertions, plus spin's check that no process is left blocked for ever:
 * an "invalid end state"):
 *   S1  exactly one guard fires per select: a value lands only in the fired guard's entry;
 *   S2  no value is delivered twice, and a send returns ok exactly when its value was
 *       delivered (so no value is lost either: every send ends ok-and-delivered or in error);
 *   S3  no process is left blocked when a partner is ready or its channel has closed: every
 *       run ends (no invalid end state), and when the deadlock detector fires, every live
 *       process is parked with an open slot and each of its linked entries has no partner
 *       and an open channel: "nothing can run" is true when the detector says so;
 *   S4  every real deadlock is detected: the scenario built to deadlock ends, and says so;
 *       and scenarios that cannot deadlock never report one;
 *   I3  when an operation returns, none of its entries is linked in any channel.
 *
 * Scenarios (choose one with -DSCENARIO=n; model/check.sh runs them all):
 *   1  two writers on channels a and b, an alt reading both; every value must arrive
 *   2  scenario 1 where b's writer poisons b instead of sending, at any moment: the alt
 *      ends poisoned or after taking a's value, a's writer succeeds or sees the retirement
 *   3  an alt with two output guards (a and b) against an alt with two input guards (a and b)
 *      and a plain reader on b: alt meets alt, both sides enable and may abort
 *   4  an alt with an output guard on a and an input guard on b against an alt with an input
 *      guard on a and an output guard on b: each alt offers both directions at once
 *   5  a deadlock: p0 sends on a, p1 alts over b and c whose writer ends p0 holds;
 *      the detector must fire, and the run must end with everyone poisoned
 *   6  an alt with two output guards (a and b); an alt with two input guards, both on a;
 *      b's only reader retires at once: one value arrives, the other's send fails retired
 */

#ifndef SCENARIO
#define SCENARIO 1
#endif
/* -DMUTANT=n plants bug n (model/check.sh --mutants): each must make some scenario fail, which
   shows that the properties can fail. 1 enable() misses a waiting partner; 2 complete()
   wakes before counting; 3 the detector does not count itself while it aborts; 4 the claim
   is a load and a store instead of one CAS; 5 an alt retries with entries still linked; 6
   end-of-stream wakes no reader. */
#ifndef MUTANT
#define MUTANT 0
#endif

/* status (csp/status.hpp) */
#define OK          0
#define WOULD_BLOCK 1
#define RETIRED     2
#define POISONED    3

/* op_kind */
#define RECV 0
#define SEND 1

/* slot values (waiter.hpp): a guard index, or one of these */
#define OPEN    9
#define ABORTED 8

#define NG 2              /* guards (entries) per process */
#define NONE 255

#if SCENARIO == 1
#define NPROC 3
#define NCHAN 2
#define NVAL  2
#elif SCENARIO == 2
#define NPROC 3
#define NCHAN 2
#define NVAL  1
#elif SCENARIO == 3 || SCENARIO == 6
#define NPROC 3
#define NCHAN 2
#define NVAL  2
#elif SCENARIO == 4
#define NPROC 2
#define NCHAN 2
#define NVAL  2
#elif SCENARIO == 5
#define NPROC 2
#define NCHAN 3
#define NVAL  1
#endif

#define NE (NPROC * NG)

#define A 0
#define B 1
#define C 2
#define BIT(c) (1 << (c))

typedef channel_t {
  bool locked;
  byte readers;   /* reader_ends_ */
  byte writers;   /* writer_ends_ */
  bool poisoned;
};
channel_t ch[NCHAN];

/* The wait queues, FIFO: queue Q(c, RECV) is channel c's receivers_, Q(c, SEND) its senders_.
   Queue qi holds qn[qi] entries, q[qi * NE] first. */
#define Q(c, kind) ((c) * 2 + (kind))
byte q[NCHAN * 2 * NE];
byte qn[NCHAN * 2];

/* one waiter per process (waiter.hpp) */
byte slot[NPROC];
bool done[NPROC];
byte result[NPROC];
bool counted[NPROC];

/* entries: process p's guard g is entry p*NG+g (wait_entry) */
byte e_chan[NE];
bit  e_kind[NE];
bool e_linked[NE];
byte e_val[NE];     /* send: the value offered; recv: the value received, 0 while none */
bool g_on[NE];      /* the guard is enabled (its precondition holds) */

/* runtime (runtime.hpp) */
short n_active;        /* processes neither ended nor in an untimed wait */
short live;          /* processes not ended */
bool alive[NPROC];   /* the model's own view, for assertions: not yet in ended() */
bool parked[NPROC];  /* between blocked() and waking up */
bool detected;       /* the deadlock detector fired */

/* outcome */
byte delivered[NVAL + 1];
byte send_result[NVAL + 1];
bool sent[NVAL + 1];

/* ---------------------------------------------------------------- locks, slots, queues */

/* Steps. spin interleaves processes at every statement; an atomic block is one step. A block
   here holds at most one access that another process can observe out of order (a slot CAS or
   load, a count update, `done`, the lock itself); the rest of it reads or writes data that
   nobody else can touch at that moment: what the channel's lock guards (while it is held),
   the process's own locals, a waiter's fields before its entries are linked, and the model's
   own bookkeeping (alive, parked, delivered). Lipton's reduction makes such a block
   equivalent to its statements one by one, and spin explores far fewer states. */

inline acquire(c) { atomic { !ch[c].locked -> ch[c].locked = true } }
inline release(c) { ch[c].locked = false }

/* waiter::claim: the one CAS that decides a wait episode (I1) */
inline claim(who, idx, won) {
#if MUTANT == 4
  /* mutant: check, then set, in two steps */
  if
  :: slot[who] == OPEN -> won = true
  :: else -> won = false
  fi;
  if
  :: won -> slot[who] = idx
  :: else
  fi
#else
  atomic {
    if
    :: slot[who] == OPEN -> slot[who] = idx; won = true
    :: else -> won = false
    fi
  }
#endif
}

/* entry_queue::erase (caller holds the lock) */
inline q_erase(qi, i) {
  atomic {
    j = i;
    do
    :: j + 1 < qn[qi] -> q[qi * NE + j] = q[qi * NE + j + 1]; j++
    :: else -> break
    od;
    qn[qi]--;
    q[qi * NE + qn[qi]] = 0;
    j = 0
  }
}

/* channel_core::claim_partner: the first linked entry of another owner whose slot we claim */
inline claim_partner(qi, self, res) {
  res = NONE;
  i = 0;
  do
  :: i < qn[qi] ->
     atomic {
       e = q[qi * NE + i];
       if
       :: e / NG != self -> claim(e / NG, e % NG, won)
       :: else -> won = false
       fi
     };
     if
     :: won -> q_erase(qi, i); e_linked[e] = false; res = e; break
     :: else -> i++
     fi
  :: else -> break
  od;
  i = 0
}

/* channel_core::has_partner */
inline has_partner(qi, self, res) {
  res = false;
  i = 0;
  do
  :: i < qn[qi] ->
     atomic {
       e = q[qi * NE + i];
#if MUTANT == 1
       res = false;   /* mutant: enable() never sees a waiting partner */
#else
       res = (e / NG != self && slot[e / NG] == OPEN);
#endif
       i++
     };
     if
     :: res -> break
     :: else
     fi
  :: else -> break
  od;
  i = 0
}

/* channel_core::closed_status, rendezvous (nothing buffered); caller holds the lock */
inline closed_status(c, kind, s) {
  if
  :: ch[c].poisoned -> s = POISONED
  :: !ch[c].poisoned && kind == RECV && ch[c].writers == 0 -> s = RETIRED
  :: !ch[c].poisoned && kind == SEND && ch[c].readers == 0 -> s = RETIRED
  :: else -> s = WOULD_BLOCK
  fi
}

/* lock, then the closed check: one step (the check reads only what the lock guards) */
inline acquire_and_check(c, kind, s) {
  atomic {
    !ch[c].locked -> ch[c].locked = true;
    closed_status(c, kind, s)
  }
}

inline link(c, x) {
  atomic {
    q[Q(c, e_kind[x]) * NE + qn[Q(c, e_kind[x])]] = x;
    qn[Q(c, e_kind[x])]++;
    e_linked[x] = true
  }
}

/* ---------------------------------------------------------------- runtime */

/* detail::complete: result and unblocked(), then unpark (done). The owner reads result only
   after done, so writing it is merged with the count. After done, the decider touches
   nothing of the waiter (I4): nothing follows in this inline. */
inline complete(who, r) {
#if MUTANT == 2
  /* mutant: unpark first, count after (I5 broken) */
  result[who] = r;
  done[who] = true;
  if
  :: counted[who] -> n_active++
  :: else
  fi
#else
  atomic {
    result[who] = r;
    if
    :: counted[who] -> n_active++
    :: else
    fi
  };
  done[who] = true
#endif
}

/* S3: "nothing can run" really holds when the detector fires. Runs as one step, because the
   C++ detector likewise reads state that nobody can change any more when it is right. */
inline check_nothing_can_run() {
  atomic {
    k = 0;
    do
    :: k < NPROC ->
       assert(!alive[k] || (parked[k] && slot[k] == OPEN && !done[k]));
       k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < NE ->
       if
       :: e_linked[k] ->
          closed_status(e_chan[k], e_kind[k], s2);
          assert(s2 == WOULD_BLOCK);
       :: else
       fi;
       k++
    :: else -> break
    od;
    /* C4: no linked reader and writer of different owners on one channel */
    k = 0;
    do
    :: k < NCHAN ->
       i = 0;
       do
       :: i < qn[Q(k, RECV)] ->
          j = 0;
          do
          :: j < qn[Q(k, SEND)] ->
             assert(q[Q(k, RECV) * NE + i] / NG == q[Q(k, SEND) * NE + j] / NG);
             j++
          :: else -> break
          od;
          i++
       :: else -> break
       od;
       k++
    :: else -> break
    od;
    i = 0; j = 0; k = 0
  }
}

/* runtime::deadlock_found: runtime::on_deadlock, then runtime::abort (poison every channel).
   The detector counts itself as running while it reports and aborts, and stops counting
   after. Without that step the processes the abort wakes first can end, take the count to 0
   again while the detector is still poisoning, and start a second report that reads waiters
   as they are being freed: this model found that (scenario 5), and src/runtime.cpp has the
   fix. Every detection then satisfies check_nothing_can_run. */
inline deadlock_found() {
#if MUTANT != 3
  n_active++;
#endif
  check_nothing_can_run();
  detected = true;
  pc = 0;
  do
  :: pc < NCHAN -> poison(pc); pc++
  :: else -> break
  od;
  pc = 0;
#if MUTANT != 3
  n_active--
#endif
}

/* detail::wait, untimed: blocked() (which may detect), then park */
inline wait(self) {
  atomic { parked[self] = true; n_active--; t = n_active };
  if
  :: t == 0 -> deadlock_found()
  :: else
  fi;
  atomic { done[self]; parked[self] = false; t = 0 }
}

/* channel_core's fail_all: claim every linked entry of queue qi with an open slot for `r`;
   the claimed owners are completed after the lock is released (C5) */
inline fail_all(qi, r) {
  i = 0;
  do
  :: i < qn[qi] ->
     atomic { e = q[qi * NE + i]; claim(e / NG, e % NG, won) };
     if
     :: won -> q_erase(qi, i); atomic { e_linked[e] = false; wk[e / NG] = true; wr[e / NG] = r }
     :: else -> i++
     fi
  :: else -> break
  od;
  i = 0
}

inline complete_all() {
  k = 0;
  do
  :: k < NPROC ->
     if
     :: wk[k] -> wk[k] = false; complete(k, wr[k])
     :: else
     fi;
     k++
  :: else -> break
  od;
  k = 0
}

/* channel_core::poison */
inline poison(c) {
  atomic { !ch[c].locked -> ch[c].locked = true; ch[c].poisoned = true };
  fail_all(Q(c, RECV), POISONED);
  fail_all(Q(c, SEND), POISONED);
  release(c);
  complete_all()
}

/* channel_core::leave */
inline leave(c, side) {
  acquire(c);
  if
  :: side == RECV ->
     ch[c].readers--;
     if
     :: ch[c].readers == 0 -> fail_all(Q(c, SEND), RETIRED)
     :: else
     fi
  :: else ->
     ch[c].writers--;
     if
#if MUTANT == 6
     :: ch[c].writers == 0 -> skip   /* mutant: end-of-stream wakes nobody */
#else
     :: ch[c].writers == 0 -> fail_all(Q(c, RECV), RETIRED)
#endif
     :: else
     fi
  fi;
  release(c);
  complete_all()
}

/* runtime::ended, after the process released its ends */
inline ended(self) {
  atomic { alive[self] = false; live-- };
  atomic { n_active--; t = n_active };
  if
  :: t == 0 && live > 0 -> deadlock_found()
  :: else
  fi
}

/* ---------------------------------------------------------------- the guard protocol */

/* rendezvous::attempt; s is ok, would_block, retired or poisoned. The critical section is
   one step (see "Steps" above): under the lock, a claim that fails reads a slot that cannot
   reopen while we hold the lock (its owner must first unlink the entry from this channel,
   which takes this lock; asserted by assert_unlinked before every reset), so only the one
   successful claim is observable out of order. */
inline attempt(c, x, self, enlist, s) {
  atomic {
    acquire_and_check(c, e_kind[x], s);
    if
    :: s != WOULD_BLOCK
    :: else ->
       if
       :: e_kind[x] == RECV -> claim_partner(Q(c, SEND), self, partner)
       :: else -> claim_partner(Q(c, RECV), self, partner)
       fi;
       if
       :: partner == NONE && enlist -> link(c, x)
       :: partner == NONE && !enlist
       :: else ->
          /* R1: the value moves inside the critical section, after the claim */
          if
          :: e_kind[x] == RECV -> e_val[x] = e_val[partner]
          :: else -> e_val[partner] = e_val[x]
          fi
       fi
    fi;
    release(c)
  };
  if
  :: partner != NONE ->
     complete(partner / NG, OK);   /* after the lock is released (C5) */
     s = OK;
     partner = NONE
  :: else
  fi
}

/* rendezvous::enable, one step for the same reason: has_partner stops at the first open
   slot it reads, the only read that another decider can invalidate. */
inline enable(c, x, self, ready) {
  atomic {
    acquire_and_check(c, e_kind[x], s2);
    if
    :: s2 != WOULD_BLOCK -> ready = true
    :: else ->
       if
       :: e_kind[x] == RECV -> has_partner(Q(c, SEND), self, ready)
       :: else -> has_partner(Q(c, RECV), self, ready)
       fi;
       if
       :: !ready -> link(c, x)
       :: else
       fi
    fi;
    release(c);
    s2 = 0
  }
}

/* channel_core::disable */
inline disable(c, x) {
  atomic {
  acquire(c);
  if
  :: e_linked[x] ->
     i = 0;
     do
     :: q[Q(c, e_kind[x]) * NE + i] == x -> q_erase(Q(c, e_kind[x]), i); break
     :: else -> i++
     od;
     e_linked[x] = false;
     i = 0
  :: else
  fi;
  release(c)
  }
}

/* I3: none of self's entries is linked when its operation returns */
inline assert_unlinked(self) {
  assert(!e_linked[self * NG] && !e_linked[self * NG + 1])
}

/* detail::operate: one blocking send or receive through guard 0. The waiter is reset in one
   step: no channel refers to it yet (I3 of the previous operation). */
inline operate(self, s) {
  assert_unlinked(self);
  d_step { slot[self] = OPEN; done[self] = false; counted[self] = true };
  attempt(e_chan[self * NG], self * NG, self, true, s);
  if
  :: s == WOULD_BLOCK -> wait(self); s = result[self]
  :: else
  fi;
  assert_unlinked(self)
}

inline disable_all(self, start, en) {
  k = 0;
  do
  :: k < en ->
     x = self * NG + (start + k) % NG;
     if
     :: g_on[x] -> disable(e_chan[x], x)
     :: else
     fi;
     k++
  :: else -> break
  od;
  k = 0
}

/* select_engine (src/alt.cpp); `start` is chosen by the caller: pri_select passes 0, select
   a random index, fair_select the one after the last fired: all are covered by letting the
   model choose any start. Returns the fired guard in `fired` and its status in s. */
inline alt_select(self, fired, s) {
  if
  :: start = 0
  :: start = 1
  fi;
  counted[self] = true;
  fired = NONE;
  do
  :: fired == NONE ->
     /* Phase 1: attempt each enabled guard, linked nowhere */
     k = 0;
     do
     :: k < NG && fired == NONE ->
        x = self * NG + (start + k) % NG;
        if
        :: g_on[x] ->
           attempt(e_chan[x], x, self, false, s);
           if
           :: s != WOULD_BLOCK -> fired = (start + k) % NG
           :: else
           fi
        :: else
        fi;
        k++
     :: else -> break
     od;
     k = 0;
     if
     :: fired == NONE ->
        /* Phase 2: reset the waiter, enable each guard in order until one is ready */
        assert_unlinked(self);
        d_step { slot[self] = OPEN; done[self] = false; en = 0; ready = false };
        do
        :: en < NG && !ready ->
           x = self * NG + (start + en) % NG;
           en++;
           if
           :: g_on[x] -> enable(e_chan[x], x, self, ready)
           :: else
           fi
        :: else -> break
        od;
        if
        :: ready ->
           claim(self, ABORTED, won);
           if
#if MUTANT == 5
           :: won -> skip   /* mutant: back to phase 1 with entries still linked */
#else
           :: won -> disable_all(self, start, en)   /* back to phase 1 */
#endif
           :: else -> wait(self); fired = OPEN      /* a partner decided us meanwhile */
           fi
        :: else -> wait(self); fired = OPEN
        fi;
        if
        :: fired == OPEN ->
           /* Phase 3 */
           disable_all(self, start, en);
           fired = slot[self];
           s = result[self]
        :: else
        fi
     :: else
     fi
  :: else -> break
  od;
  assert(fired < NG);
  assert_unlinked(self);
  d_step { start = 0; en = 0; ready = false; won = false; x = 0 }
}

inline deliver(v) {
  atomic {
    assert(v >= 1 && v <= NVAL);
    delivered[v]++;
    assert(delivered[v] == 1)    /* S2: never twice */
  }
}

inline record_send(v, s) {
  atomic {
    assert(!sent[v]);
    sent[v] = true;
    send_result[v] = s
  }
}

#define LOCALS \
  byte i, j, k, e, x, pc, partner = NONE, start, fired, en; \
  byte s, s2; \
  bool won, ready; \
  short t; \
  bool wk[NPROC]; \
  byte wr[NPROC]

/* releases the ends a process holds (p.body = task{} in execute()), then ends */
inline finish(self, rmask, wmask) {
  pc = 0;
  do
  :: pc < NCHAN ->
     if
     :: (rmask >> pc) & 1 -> leave(pc, RECV)
     :: else
     fi;
     if
     :: (wmask >> pc) & 1 -> leave(pc, SEND)
     :: else
     fi;
     pc++
  :: else -> break
  od;
  pc = 0;
  ended(self)
}

/* ---------------------------------------------------------------- processes */

/* sends value `val` on channel c, then retires */
proctype writer(byte self; byte c; byte val; byte rmask; byte wmask) {
  LOCALS;
  d_step { e_chan[self * NG] = c; e_kind[self * NG] = SEND; e_val[self * NG] = val; g_on[self * NG] = true };
  operate(self, s);
  record_send(val, s);
  finish(self, rmask, wmask)
}

/* receives on c until end-of-stream or poison */
proctype reader(byte self; byte c; byte rmask; byte wmask) {
  LOCALS;
  d_step { e_chan[self * NG] = c; e_kind[self * NG] = RECV; g_on[self * NG] = true };
  do
  :: e_val[self * NG] = 0;
     operate(self, s);
     if
     :: s == OK -> deliver(e_val[self * NG])
     :: else -> break
     fi
  od;
  finish(self, rmask, wmask)
}

/* retires its reader end of c without reading */
proctype quitter(byte self; byte rmask; byte wmask) {
  LOCALS;
  finish(self, rmask, wmask)
}

/* poisons channel c, at any moment, then retires its ends */
proctype poisoner(byte self; byte c; byte rmask; byte wmask) {
  LOCALS;
  poison(c);
  finish(self, rmask, wmask)
}

/* An alt process. Guard g is an input when kind_g == RECV, an output of val_g otherwise.
   It selects until every guard has fired (outputs) or retired (inputs and outputs); a
   retired guard is disabled (.when(false)), poison ends the process, as in networks/. */
proctype alter(byte self; byte c0; bit k0; byte v0; byte c1; bit k1; byte v1; byte rmask; byte wmask) {
  LOCALS;
  d_step {
    e_chan[self * NG] = c0; e_kind[self * NG] = k0; g_on[self * NG] = true;
    e_chan[self * NG + 1] = c1; e_kind[self * NG + 1] = k1; g_on[self * NG + 1] = true
  };
  do
  :: g_on[self * NG] || g_on[self * NG + 1] ->
     /* offered values, or empty receiving entries */
     d_step {
       e_val[self * NG] = (k0 == SEND -> v0 : 0);
       e_val[self * NG + 1] = (k1 == SEND -> v1 : 0)
     };
     alt_select(self, fired, s);
     x = self * NG + fired;
     e = self * NG + 1 - fired;     /* the other guard */
     if
     :: s == OK && e_kind[x] == RECV -> deliver(e_val[x])
     :: s == OK && e_kind[x] == SEND ->
        /* a value sent: retire that writer end at once, as a process sending once would */
        record_send(e_val[x], OK);
        g_on[x] = false;
        leave(e_chan[x], SEND);
        wmask = wmask & ~BIT(e_chan[x])
     :: s == RETIRED ->
        g_on[x] = false;
        if
        :: e_kind[x] == SEND ->
           record_send(e_val[x], RETIRED);
           leave(e_chan[x], SEND);
           wmask = wmask & ~BIT(e_chan[x])
        :: else
        fi
     :: s == POISONED -> break
     fi;
     /* S1: only the fired guard's entry received anything */
     assert(e_kind[e] == SEND || e_val[e] == 0)
  :: else -> break
  od;
  /* values this alt never got to offer fail with the poison that ended it */
  if
  :: g_on[self * NG] && k0 == SEND -> record_send(v0, POISONED)
  :: else
  fi;
  if
  :: g_on[self * NG + 1] && k1 == SEND -> record_send(v1, POISONED)
  :: else
  fi;
  finish(self, rmask, wmask)
}

/* ---------------------------------------------------------------- scenarios */


inline start_run(n) {
  live = n;
  n_active = n;
  k = 0;
  do
  :: k < n -> alive[k] = true; k++
  :: else -> break
  od
}

/* S2, after every process ended: no value lost or delivered twice */
inline check_outcome(expect_all_delivered) {
  k = 1;
  do
  :: k <= NVAL ->
     assert(sent[k]);
     assert(delivered[k] <= 1);
     assert((send_result[k] == OK) == (delivered[k] == 1));
     assert(!expect_all_delivered || delivered[k] == 1);
     k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < NCHAN -> assert(qn[Q(k, RECV)] == 0 && qn[Q(k, SEND)] == 0); k++
  :: else -> break
  od
}

init {
  byte k;
  atomic {
#if SCENARIO == 1 || SCENARIO == 2
    ch[A].writers = 1; ch[A].readers = 1;
    ch[B].writers = 1; ch[B].readers = 1;
    start_run(3);
    run writer(0, A, 1, 0, BIT(A));
#if SCENARIO == 1
    run writer(1, B, 2, 0, BIT(B));
#else
    run poisoner(1, B, 0, BIT(B));
#endif
    run alter(2, A, RECV, 0, B, RECV, 0, BIT(A) | BIT(B), 0);
#elif SCENARIO == 3
    ch[A].writers = 1; ch[A].readers = 1;
    ch[B].writers = 1; ch[B].readers = 2;
    start_run(3);
    run alter(0, A, SEND, 1, B, SEND, 2, 0, BIT(A) | BIT(B));
    run alter(1, A, RECV, 0, B, RECV, 0, BIT(A) | BIT(B), 0);
    run reader(2, B, BIT(B), 0);
#elif SCENARIO == 6
    ch[A].writers = 1; ch[A].readers = 1;
    ch[B].writers = 1; ch[B].readers = 1;
    start_run(3);
    run alter(0, A, SEND, 1, B, SEND, 2, 0, BIT(A) | BIT(B));
    run alter(1, A, RECV, 0, A, RECV, 0, BIT(A), 0);
    run quitter(2, BIT(B), 0);
#elif SCENARIO == 4
    ch[A].writers = 1; ch[A].readers = 1;
    ch[B].writers = 1; ch[B].readers = 1;
    start_run(2);
    run alter(0, A, SEND, 1, B, RECV, 0, BIT(B), BIT(A));
    run alter(1, A, RECV, 0, B, SEND, 2, BIT(A), BIT(B));
#elif SCENARIO == 5
    ch[A].writers = 1; ch[A].readers = 1;
    ch[B].writers = 1; ch[B].readers = 1;
    ch[C].writers = 1; ch[C].readers = 1;
    start_run(2);
    run writer(0, A, 1, 0, BIT(A) | BIT(B) | BIT(C));
    run alter(1, B, RECV, 0, C, RECV, 0, BIT(A) | BIT(B) | BIT(C), 0);
#endif
  }
  _nr_pr == 1;   /* every process has ended */
  assert(live == 0 && n_active == 0);
#if SCENARIO == 1 || SCENARIO == 3 || SCENARIO == 4
  assert(!detected);
  check_outcome(true);
#elif SCENARIO == 6
  assert(!detected);
  check_outcome(false);
  assert(send_result[1] == OK && send_result[2] == RETIRED);
#elif SCENARIO == 2
  assert(!detected);
  check_outcome(false);
#elif SCENARIO == 5
  assert(detected);          /* S4 */
  check_outcome(false);
  assert(send_result[1] == POISONED);
#endif
}
