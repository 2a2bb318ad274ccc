/*
 * A Promela model of the mpi backend's channel protocol: owners on ranks, a home per channel
 * that decides, claims of the owners' selection slots, all by messages between ranks
 * (checked with spin; model/check.sh). It is written step for step after the C++, and the
 * inlines carry the names of the functions they follow:
 *
 *   backends/mpi/engine.cpp     channel_server (the home: on_offer ... pump, step, advance,
 *                               settle, claim, fail_all), port (post, disable), engine::handle,
 *                               claim_here, complete_here, complete
 *   backends/mpi/engine.hpp     invariants E1-E4;  backends/mpi/README.md  the protocol
 *   csp/detail/remote.hpp       R1-R3, how operate, try_operate and alt use a port
 *   src/alt.cpp                 select: phase 2 posts every guard, phase 3 withdraws them,
 *                               a result of would_block (R2) means "select again"
 *
 * model/alt.pml models the local protocol (channel locks, the slot CAS between threads); this
 * model takes that as given and checks what the ranks add.
 *
 * Steps. E1: everything on a rank runs on one thread and nothing in the engine suspends, so
 * nothing on a rank interleaves with a message handler or a port call. Each stretch between
 * two suspensions is one atomic step here: the engine's handling of one message; a process's
 * phase 2 of a select (posting its offers; a home on its own rank is called directly, as
 * port::post does); its wake-up with phase 3 (withdrawing) and what it does up to its next
 * select, or its end (releasing its ends). Ranks share nothing but messages, so these steps
 * of all ranks in any order are every behaviour of the backend. Inside a step, the calls the
 * home makes (completions, fail_all's claims) and those a process makes of its ports are
 * listed and then carried out in the order the C++ makes them (want/flush, port_call/
 * port_flush): the same effects, with one copy of that code per process in pan.c instead of
 * one per call site. The scratch variables of a step are `hidden`: every step leaves them 0.
 *
 * Messages. One FIFO spin channel per ordered pair of ranks, net[NET(from, to)], of capacity
 * NETCAP (a full one fails an assertion: the bound is checked, not assumed). The C++ sends
 * every message of a run on one communicator with one tag (engine.cpp: `tag`), and MPI does
 * not let two messages between the same pair of ranks on one communicator and tag overtake
 * each other, so FIFO per pair is what MPI gives; across pairs, any order. A home or owner on
 * the sender's own rank is called directly, never by message, as in the C++.
 *
 * What the model abstracts:
 *   - a waiter's id (engine::enroll, never reused) is (process, episode tag), the tag a small
 *     counter that wraps at NTAG; assert_fresh checks, each time a tag is taken again, that no
 *     message, queued offer or claim in flight still names it: within the model, ids are as
 *     good as never reused;
 *   - to_claim orders owners by (rank, process index); the C++ orders them by (rank, waiter
 *     id). Both are total orders on the episodes alive at one time, which is all the ring
 *     argument (README.md, "Why a ring of alts cannot fail for ever") needs;
 *   - a value is a small number; its codec and the copy in an offer are not modelled;
 *   - every channel guard is remote (a port is installed): phase 1 skips them and enable()
 *     never reports ready, so a select here never aborts its own slot in phase 2 (alt.pml
 *     models that abort). A timeout is the owner's own abort CAS at its wake-up;
 *   - join, failures, a lost rank, the global deadlock waves (E5), `done`/`finish` and the
 *     drain of E4 are not modelled: a run here ends when every process has ended and every
 *     message was handled.
 *
 * Properties (assertions, and the LTL property `ends`, which spin checks with its
 * acceptance-cycle search: a run that stops before the end, with a process parked for ever,
 * or that loops without ending, a livelock, violates it):
 *   P1  an alt fires at most one guard per select: one completion per episode (complete_waiter),
 *       a value lands only in the fired guard's entry, and the fired guard was enabled;
 *   P2  no value is lost or delivered twice: each value reaches at most one entry, and a send
 *       ends ok exactly when its value was received (or, buffered, discarded by poison);
 *   P3  a rendezvous send completes ok only once a receiver has taken the value, or is bound
 *       to it: an alt whose slot the home holds for it, or a single receive the home is
 *       completing with it; nothing can take it from that receiver any more (p3_taken). The
 *       value may still be on its way: the last claim completes a sender at once when the
 *       receiver was claimed first (owner order), and the home completes that receiver after;
 *   P4  a single operation is never told "select again" (R2), and no completion is ever stale:
 *       it always finds its waiter registered (E2 drops stale ones; the model shows none);
 *   P5  values leave a buffer in the order they entered it (pop);
 *   P6  every run ends (`ends`): no process parked for ever, no livelock; and then no claim is
 *       in flight, the registry is empty, every message was handled (check_outcome).
 *
 * Scenarios (-DSCENARIO=n; model/check.sh runs them all):
 *   1  rendezvous, single operations against an alt (2 ranks): rank 0 sends v1 on a (single)
 *      and receives on b (a try_recv first, then recv until end-of-stream); the alt on rank 1
 *      reads a and writes v2 on b. a's home is rank 1 (the alt is claimed by a direct call),
 *      b's is rank 0 (the alt is claimed by message)
 *   2  the all-to-all of examples/collectives.cpp on 2 ranks, twice (two collectives in a row
 *      on the same channels): each rank's alt writes to the other and reads from it, each
 *      guard once per round; both homes claim the rank-0 alt first. Offers left over from
 *      the first round meet the second: stale claims, select again
 *   3  the same ring on 3 ranks, once: each home claims a different pair of alts
 *   4  a buffered channel of capacity 1 (3 ranks): an alt on rank 0 writes v1 then v2; an alt
 *      on rank 1 (which may time out once) and a single receiver on rank 2 read until
 *      end-of-stream; the receiver may instead poison the channel at once. The home is rank
 *      0 (the writers' rank), so both receivers are claimed or completed by message
 *   5  select again, and guards withdrawn while claims are in flight (2 ranks): an alt on rank
 *      0 writes v1 on a and v2 on b; a single sender beside it writes v3 on b; an alt on rank
 *      1 reads a and b until both end, and may time out once. Both homes are on rank 1
 *   6  retire and poison racing a held claim (2 ranks): an alt on rank 0 reads a; an alt on
 *      rank 1 writes v1 on a and reads d; a process on rank 0 poisons a, poisons d or retires
 *      its end of d, at any moment. a's home (rank 0) holds the reader while it claims the
 *      writer, whom d's home (rank 1) may fail first
 */

#ifndef SCENARIO
#define SCENARIO 1
#endif
/* -DMUTANT=n plants bug n (model/check.sh --mutants): each must make some scenario fail.
   1 claims are not in the order of the owners (the receiver first); 2 no single flight (E3):
   the home decides on while a claim is out; 3 a held alt whose partner lost is not told to
   select again (its offer goes back in the queue); 4 a stale claim is accepted (the registry
   knows the process, not the episode); 5 the owner's claim is no CAS (it takes the slot
   whatever it holds); 6 when a claim loses, the offer not yet claimed is dropped with it
   instead of going back to the front of its queue; 7 the leave of a channel's last end
   decides nothing (no pump); 8 offer::committed() forgets try_only, so a try is claimed like
   an alt's guard; 9 poison clears the buffer at once, under a claim in flight: the C++ as of
   5b0152b (see on_poison), a bug this model found. */
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

#define NG 2          /* guards (entries) per process */
#define NONE 0

/* messages (protocol.hpp) */
#define M_OFFER       1
#define M_WITHDRAW    2
#define M_LEAVE       3
#define M_POISON      4
#define M_CLAIM_REPLY 5
#define M_CLAIM       6
#define M_COMPLETE    7

/* flags (protocol.hpp: flag::) */
#define F_COMMITTED 1
#define F_TRY       2
#define F_FINAL     4
#define F_NO_REPLY  8

/* decisions (channel_server::decision) */
#define ACCEPT  1
#define DELIVER 2
#define MEET    3

/* claim(): the claim went out by message, its reply comes later */
#define SENT 2

#if SCENARIO == 1
#define NR 2
#define NPROC 3
#define NCH 2
#define NVAL 2
#elif SCENARIO == 2
#define NR 2
#define NPROC 2
#define NCH 2
#define NVAL 4
#elif SCENARIO == 3
#define NR 3
#define NPROC 3
#define NCH 3
#define NVAL 3
#elif SCENARIO == 4
#define NR 3
#define NPROC 3
#define NCH 1
#define NVAL 2
#elif SCENARIO == 5
#define NR 2
#define NPROC 3
#define NCH 2
#define NVAL 3
#elif SCENARIO == 6
#define NR 2
#define NPROC 3
#define NCH 2
#define NVAL 1
#endif

#define NETCAP 6      /* messages in flight from one rank to another */
#define QN 3          /* offers waiting per channel and direction */
#define BCAP 1        /* the largest buffer */
#define NTAG 4        /* episode tags 1..NTAG per process */

#define A 0
#define B 1
#define C 2
#define D 1           /* scenario 6's second channel */
#define BIT(c) (1 << (c))

/* ---------------------------------------------------------------- state */

/* An offer (engine.hpp: offer) packed in a short: owner process, episode tag, guard, flags
   (committed, try), value of a send. Its rank is prank[p]; its kind is the queue it is in.
   Tags start at 1, so no offer is 0. */
#define OFFER(p, t, g, fl, v) ((p) + ((t) << 3) + ((g) << 6) + ((fl) << 7) + ((v) << 9))
#define O_P(o)  ((o) & 7)
#define O_T(o)  (((o) >> 3) & 7)
#define O_G(o)  (((o) >> 6) & 1)
#define O_FL(o) (((o) >> 7) & 3)
#define O_V(o)  (((o) >> 9) & 7)
#if MUTANT == 8
#define COMMITTED(o) ((O_FL(o) & F_COMMITTED) != 0)   /* mutant: a try is not committed */
#else
#define COMMITTED(o) (O_FL(o) != 0)                   /* offer::committed(): single or try */
#endif
#define TRY_ONLY(o) ((O_FL(o) & F_TRY) != 0)
#define SAME_OWNER(a, b) (O_P(a) == O_P(b) && O_T(a) == O_T(b))

#define NET(from, to) ((from) * (NR - 1) + ((to) < (from) -> (to) : (to) - 1))
chan net[NR * (NR - 1)] = [NETCAP] of { byte, byte, byte, byte, byte, byte, byte, byte, byte, byte };
/* fields: type, channel, owner process, owner tag, guard, kind, flags, result, match, value */

/* processes: rank and guards; process p's guard g is entry p*NG+g */
byte prank[NPROC];
byte e_chan[NPROC * NG];
bit  e_kind[NPROC * NG];
byte e_val[NPROC * NG];    /* a send guard: the value it offers now */
byte e_last[NPROC * NG];   /* ... and the last it will offer (scenario 4 sends two) */
bool g_on[NPROC * NG];     /* the guard is enabled (its precondition holds) */
byte rends[NPROC];         /* channels whose reader end p holds (bits) */
byte wends[NPROC];         /* ... writer end */

/* one waiter per process (waiter.hpp), and the rank's registry of it (E2) */
byte slot[NPROC];
bool done[NPROC];
byte result[NPROC];
byte got[NPROC * NG];      /* the value received in an entry, 0 while none */
byte tag[NPROC];           /* the episode's tag: its id is (p, tag[p]) */
bool ided[NPROC];          /* waiter::remote_id != 0 */
bool reg[NPROC];           /* the id is in the registry (engine::waiters_) */

/* homes (channel_server), one per channel */
byte home[NCH];
byte cap[NCH];             /* 0: rendezvous */
byte readers[NCH];
byte writers[NCH];
bool poisoned[NCH];
byte buf[NCH * BCAP];
byte bufn[NCH];
#define QI(c, k) ((c) * 2 + (k))
#define QAT(c, k, i) q[QI(c, k) * QN + (i)]
short q[NCH * 2 * QN];     /* receivers_ (k = RECV) and senders_ (k = SEND), FIFO */
byte qn[NCH * 2];
byte fk[NCH];              /* flight_: the decision waiting for a claim's reply, NONE if none */
short fs[NCH];
short fr[NCH];
byte fclaimed[NCH];
byte fmatch[NCH];
byte nextmatch[NCH];

/* the model's own bookkeeping, for assertions */
byte delivered[NVAL + 1];  /* entries the value reached */
bool discarded[NVAL + 1];  /* dropped from a buffer by poison */
bool sent[NVAL + 1];
byte send_result[NVAL + 1];
short rcv_of[NVAL + 1];    /* the receiver offer of the latest meeting of the value's sender */
byte last_out[NCH];        /* the last value that left the channel's buffer */
byte live;                 /* processes (not engines) that have not ended */
bool finished;             /* init checked the outcome: the run is over */

/* P6: every run ends (no process parked for ever, no livelock); spin checks it with -a */
ltl ends { <> finished }

/* The scratch variables of the steps. The home's and the owner's code run in the engine and,
   for calls on the home's own rank, in the processes (E1), as inlines, each step atomic and
   leaving them all 0: so they are shared and `hidden` (not part of the state). */
#define HW 6          /* the home's pending completions and claims of one pass (see want) */
#define PW 4          /* the port calls of one process step (see port_call) */
hidden byte x, ov, gi, s, k2, src;
hidden byte timed, p3_taken;
hidden byte htyp, hc, hp, ht, hg, hk, hfl, hres, hm, hv;
hidden byte hpump, more, stepped, fin, sfirst, found;
hidden byte yes, val, sqn, ri, si, ti, qi, wi, fj, hi, pi;
hidden short tgt, last, sq0, sq1, f1, f2, sfailed, sheld, fo;
hidden byte d_kind, d_claimed, d_match;
hidden byte d_answered, d_yes;
hidden short d_s, d_r;
hidden byte hn;
hidden byte hw_what[HW];
hidden short hw_o[HW];
hidden byte hw_res[HW];
hidden byte hw_v[HW];
hidden byte pn;
hidden byte pw_typ[PW];
hidden byte pw_c[PW];
hidden byte pw_t[PW];
hidden byte pw_g[PW];
hidden byte pw_k[PW];
hidden byte pw_fl[PW];
hidden byte pw_v[PW];

/* a process's own variables, kept from step to step */
#define LOCALS byte start, ntime; bool again, quit

/* every scratch variable back to 0 at the end of a step (the lists are emptied by the code
   that uses them) */
#define CLEAR_SCRATCH \
  x = 0; ov = 0; gi = 0; s = 0; k2 = 0; src = 0; timed = 0; p3_taken = 0; \
  htyp = 0; hc = 0; hp = 0; ht = 0; hg = 0; hk = 0; hfl = 0; hres = 0; hm = 0; hv = 0; \
  hpump = 0; more = 0; stepped = 0; fin = 0; sfirst = 0; found = 0; \
  yes = 0; val = 0; sqn = 0; ri = 0; si = 0; ti = 0; qi = 0; wi = 0; fj = 0; hi = 0; pi = 0; \
  tgt = 0; last = 0; sq0 = 0; sq1 = 0; f1 = 0; f2 = 0; sfailed = 0; sheld = 0; fo = 0; \
  d_kind = 0; d_claimed = 0; d_match = 0; d_answered = 0; d_yes = 0; d_s = 0; d_r = 0

/* engine::send to another rank (never to its own: homes and owners there are called) */
inline send_msg(from, dest, typ, c, p, t, g, k, fl, res, m, v) {
  assert(from != dest);
  assert(len(net[NET(from, dest)]) < NETCAP);
  net[NET(from, dest)]!typ, c, p, t, g, k, fl, res, m, v
}

/* ---------------------------------------------------------------- the owner's rank */

/* P3: a receiver offer still bound to the value: a single operation still waiting, or an
   alt whose slot is claimed for that guard and not yet completed */
#define receiver_bound(o) \
  (reg[O_P(o)] && tag[O_P(o)] == O_T(o) && !done[O_P(o)] && \
   (COMMITTED(o) -> slot[O_P(o)] == OPEN : slot[O_P(o)] == O_G(o)))

/* detail::complete after the decode of complete_here: the value into the claimed entry,
   the result, then done. P1: one completion per episode. */
inline complete_waiter(cp, cres, cv) {
  assert(!done[cp]);
  assert(slot[cp] < NG);
  if
  :: cres == OK && e_kind[cp * NG + slot[cp]] == RECV ->
     assert(cv != 0);
     got[cp * NG + slot[cp]] = cv;
     delivered[cv]++;
     assert(delivered[cv] == 1)                                /* P2 */
  :: cres == OK && e_kind[cp * NG + slot[cp]] == SEND && cap[e_chan[cp * NG + slot[cp]]] == 0 ->
     p3_taken = (delivered[e_val[cp * NG + slot[cp]]] == 1 || receiver_bound(rcv_of[e_val[cp * NG + slot[cp]]]));
     assert(p3_taken);
     p3_taken = false
  :: else
  fi;
  result[cp] = cres;
  done[cp] = true
}

/* engine::complete_here: completes waiter (p, t), a single operation (committed: its slot is
   claimed here) or one claimed before. P4: the model asserts that no completion is stale. */
inline complete_here(cp, ct, cres, cv, committed) {
  assert(reg[cp] && tag[cp] == ct);
  if
  :: committed -> assert(slot[cp] == OPEN); slot[cp] = 0; reg[cp] = false
  :: else
  fi;
  complete_waiter(cp, cres, cv)
}

/* engine::claim_here: the owner's side of a claim, on the owner's rank. E2: an id not in
   the registry is declined. I1: the slot's CAS decides. `final`: complete at once. */
inline claim_here(cp, ct, cg, cres, cv, final, cyes) {
  if
#if MUTANT == 4
  :: !reg[cp] -> cyes = false      /* mutant: any episode of the process will do */
#else
  :: !(reg[cp] && tag[cp] == ct) -> cyes = false
#endif
  :: else ->
#if MUTANT == 5
     slot[cp] = cg; cyes = true;   /* mutant: no CAS */
#else
     if
     :: slot[cp] == OPEN -> slot[cp] = cg; cyes = true
     :: else -> cyes = false
     fi;
#endif
     if
     :: cyes && final -> complete_here(cp, tag[cp], cres, cv, false)
     :: else
     fi
  fi
}

/* ---------------------------------------------------------------- the home */

inline q_push_back(c, k, o) {
  assert(qn[QI(c, k)] < QN);
  QAT(c, k, qn[QI(c, k)]) = o;
  qn[QI(c, k)]++
}

inline q_push_front(c, k, o) {
  assert(qn[QI(c, k)] < QN);
  qi = qn[QI(c, k)];
  do
  :: qi > 0 -> QAT(c, k, qi) = QAT(c, k, qi - 1); qi--
  :: else -> break
  od;
  QAT(c, k, 0) = o;
  qn[QI(c, k)]++
}

inline q_erase(c, k, i) {
  qi = i;
  do
  :: qi + 1 < qn[QI(c, k)] -> QAT(c, k, qi) = QAT(c, k, qi + 1); qi++
  :: else -> break
  od;
  qn[QI(c, k)]--;
  QAT(c, k, qn[QI(c, k)]) = 0;
  qi = 0
}

/* channel_server::store (the block policy: room was checked) */
inline store(c, v) {
  assert(bufn[c] < cap[c]);
  buf[c * BCAP + bufn[c]] = v;
  bufn[c]++
}

/* buffer_.pop_front(): the value leaves; popping an empty buffer is undefined in the C++ */
inline pop(c) {
  assert(bufn[c] > 0);
  assert(buf[c * BCAP] > last_out[c]);   /* P5: the sender sends in increasing order */
  last_out[c] = buf[c * BCAP];
  qi = 0;
  do
  :: qi + 1 < bufn[c] -> buf[c * BCAP + qi] = buf[c * BCAP + qi + 1]; qi++
  :: else -> break
  od;
  bufn[c]--;
  buf[c * BCAP + bufn[c]] = 0;
  qi = 0
}

/* buffer_.clear() under poison: what it drops is discarded, never delivered */
inline discard(c) {
  qi = 0;
  do
  :: qi < bufn[c] -> discarded[buf[c * BCAP + qi]] = true; buf[c * BCAP + qi] = 0; qi++
  :: else -> break
  od;
  bufn[c] = 0;
  qi = 0
}

/* channel_server::claim: o's slot on its own rank at once (cyes: won or not), or by message
   (cyes = SENT; the reply comes to on_claim_reply with match m) */
inline claim(c, o, fl, cres, cv, m, cyes) {
  if
  :: prank[O_P(o)] == home[c] ->
     claim_here(O_P(o), O_T(o), O_G(o), cres, cv, ((fl) & F_FINAL) != 0, cyes)
  :: else ->
     send_msg(home[c], prank[O_P(o)], M_CLAIM, c, O_P(o), O_T(o), O_G(o), 0, fl, cres, m, cv);
     cyes = SENT
  fi
}

/* engine::complete: complete_here on o's rank, by message when it is another */
inline complete(c, o, cres, cv) {
  if
  :: prank[O_P(o)] == home[c] -> complete_here(O_P(o), O_T(o), cres, cv, COMMITTED(o))
  :: else ->
     send_msg(home[c], prank[O_P(o)], M_COMPLETE, c, O_P(o), O_T(o), O_G(o), 0,
              (COMMITTED(o) -> F_COMMITTED : 0), cres, 0, cv)
  fi
}

/* The completions and the reply-less claims that the home makes, in the order the C++ makes
   them. They are listed as the home decides and carried out by flush() at the end of each
   pass of pump(): nothing in between reads what they change, and the model has one copy of
   complete() and claim() per process instead of one per call. */
#define W_COMPLETE 1
#define W_CLAIM    2   /* fail_all's claims: final, no reply */

inline want(what, o, cres, cv) {
  assert(hn < HW);
  hw_what[hn] = what; hw_o[hn] = o; hw_res[hn] = cres; hw_v[hn] = cv;
  hn++
}

inline flush(c) {
  hi = 0;
  do
  :: hi < hn ->
     fo = hw_o[hi];
     if
     :: hw_what[hi] == W_COMPLETE -> complete(c, fo, hw_res[hi], hw_v[hi])
     :: else -> claim(c, fo, F_FINAL | F_NO_REPLY, hw_res[hi], 0, 0, yes)
     fi;
     hw_what[hi] = 0; hw_o[hi] = 0; hw_res[hi] = 0; hw_v[hi] = 0;
     hi++
  :: else -> break
  od;
  hi = 0; hn = 0; fo = 0; yes = 0
}

/* channel_server::fail_all over the senders (mask bit SEND), then the receivers (bit RECV):
   every offer fires with `why`; an alt's guard only through a claim, whose reply is not
   needed */
inline fail_all(c, mask, why) {
  fj = 0;
  do
  :: fj < 2 ->
     if
     :: ((mask) >> (1 - fj)) & 1 ->
        do
        :: qn[QI(c, 1 - fj)] > 0 ->
           fo = QAT(c, 1 - fj, 0);
           q_erase(c, 1 - fj, 0);
           want((COMMITTED(fo) -> W_COMPLETE : W_CLAIM), fo, why, 0)
        :: else -> break
        od
     :: else
     fi;
     fj++
  :: else -> break
  od;
  fj = 0; fo = 0
}

/* to_claim: of the decision's sender d_s and receiver d_r, those that are not single
   operations, in the order of their owners: sq0 (and sq1), sqn of them */
inline to_claim() {
#if MUTANT == 1
  sfirst = false;   /* mutant: the receiver first, whoever the owners are */
#else
  sfirst = (prank[O_P(d_s)] != prank[O_P(d_r)] -> prank[O_P(d_s)] < prank[O_P(d_r)] : O_P(d_s) < O_P(d_r));
#endif
  f1 = (sfirst -> d_s : d_r);
  f2 = (sfirst -> d_r : d_s);
  sqn = 0; sq0 = 0; sq1 = 0;
  if
  :: !COMMITTED(f1) -> sq0 = f1; sqn = 1
  :: else
  fi;
  if
  :: !COMMITTED(f2) && sqn == 0 -> sq0 = f2; sqn = 1
  :: !COMMITTED(f2) && sqn == 1 -> sq1 = f2; sqn = 2
  :: else
  fi
}

/* channel_server::settle: the claim just answered (d_yes); the decision is over (d_kind =
   NONE) or goes on with its next claim */
inline settle(c) {
  if
  :: d_kind == ACCEPT ->
     if
     :: d_yes -> store(c, O_V(d_s))
     :: else
     fi;
     d_kind = NONE
  :: d_kind == DELIVER ->
     if
     :: d_yes -> pop(c)
     :: else
     fi;
     d_kind = NONE
  :: d_kind == MEET && d_yes -> d_claimed++
  :: d_kind == MEET && !d_yes ->
     /* the claimed owner fired elsewhere or gave up: its offer is gone; a held owner
        selects again (R2); an offer not touched yet goes back to the front */
     to_claim();
     sfailed = (d_claimed == 0 -> sq0 : sq1);
     sheld = (d_claimed == 1 -> sq0 : 0);
     if
     :: d_s == sfailed
#if MUTANT == 3
     :: else -> q_push_front(c, SEND, d_s)   /* mutant: the held one too */
#elif MUTANT == 6
     :: d_s != sfailed && d_s == sheld -> want(W_COMPLETE, d_s, WOULD_BLOCK, 0)
     :: else                                 /* mutant: the untouched one is dropped */
#else
     :: d_s != sfailed && d_s == sheld -> want(W_COMPLETE, d_s, WOULD_BLOCK, 0)
     :: else -> q_push_front(c, SEND, d_s)
#endif
     fi;
     if
     :: d_r == sfailed
#if MUTANT == 3
     :: else -> q_push_front(c, RECV, d_r)
#elif MUTANT == 6
     :: d_r != sfailed && d_r == sheld -> want(W_COMPLETE, d_r, WOULD_BLOCK, 0)
     :: else
#else
     :: d_r != sfailed && d_r == sheld -> want(W_COMPLETE, d_r, WOULD_BLOCK, 0)
     :: else -> q_push_front(c, RECV, d_r)
#endif
     fi;
     d_kind = NONE
  fi;
  d_yes = false
}

/* channel_server::advance, one claim at a time: settles the claim just answered, or makes
   the decision's next claim (to a single operation of a buffered channel: none, it is
   completed), or finishes a meeting whose claims all won. A claim by message puts the
   decision in flight (flight_, E3). */
inline advance(c) {
  if
  :: d_answered -> d_answered = false; settle(c)
  :: else ->
     val = 0;
     fin = true;
     tgt = 0;
     if
     :: d_kind == ACCEPT -> tgt = d_s
     :: d_kind == DELIVER -> tgt = d_r; val = buf[c * BCAP]
     :: d_kind == MEET ->
        to_claim();
        rcv_of[O_V(d_s)] = d_r;
        if
        :: d_claimed == sqn ->
           /* every claim won; the last completed its owner; complete the others */
           last = (sqn == 0 -> 0 : (sqn == 1 -> sq0 : sq1));
           if
           :: last != d_r -> want(W_COMPLETE, d_r, OK, O_V(d_s))
           :: else
           fi;
           if
           :: last != d_s -> want(W_COMPLETE, d_s, OK, 0)
           :: else
           fi;
           d_kind = NONE
        :: else ->
           tgt = (d_claimed == 0 -> sq0 : sq1);
           fin = (d_claimed + 1 == sqn);
           if
           :: fin && tgt == d_r -> val = O_V(d_s)
           :: else
           fi
        fi
     fi;
     if
     :: tgt == 0
     :: tgt != 0 && COMMITTED(tgt) -> want(W_COMPLETE, tgt, OK, val); d_yes = true; d_answered = true
     :: else ->
        d_match = nextmatch[c];
        nextmatch[c] = nextmatch[c] % 3 + 1;
        claim(c, tgt, (fin -> F_FINAL : 0), OK, val, d_match, yes);
        if
        :: yes == SENT ->
           /* flight_ = d (in the mutant without E3, over the one already there) */
           fk[c] = d_kind; fs[c] = d_s; fr[c] = d_r; fclaimed[c] = d_claimed; fmatch[c] = d_match;
           d_kind = NONE
        :: else -> d_yes = yes; d_answered = true
        fi;
        yes = 0
     fi
  fi
}

/* channel_server::step: picks one thing to decide, if anything can be decided (stepped) */
inline step(c) {
  stepped = true;
  if
  :: poisoned[c] ->
#if MUTANT != 9
     discard(c);   /* see on_poison */
#endif
     if
     :: qn[QI(c, SEND)] == 0 && qn[QI(c, RECV)] == 0 -> stepped = false
     :: else -> fail_all(c, BIT(SEND) | BIT(RECV), POISONED)
     fi
  :: !poisoned[c] && readers[c] == 0 && qn[QI(c, SEND)] > 0 -> fail_all(c, BIT(SEND), RETIRED)
  :: else ->
     if
     :: writers[c] == 0 && bufn[c] == 0 && qn[QI(c, RECV)] > 0 -> fail_all(c, BIT(RECV), RETIRED)
     :: else ->
        if
        :: cap[c] > 0 ->
           /* buffered: the first value to the first receiver, or a sender's value in */
           if
           :: bufn[c] > 0 && qn[QI(c, RECV)] > 0 ->
              d_r = QAT(c, RECV, 0);
              q_erase(c, RECV, 0);
              d_kind = DELIVER
           :: else ->
              if
              :: qn[QI(c, SEND)] > 0 && bufn[c] < cap[c] ->
                 d_s = QAT(c, SEND, 0);
                 q_erase(c, SEND, 0);
                 d_kind = ACCEPT
              :: else -> stepped = false
              fi
           fi
        :: else ->
           /* rendezvous: the first receiver and the first sender of another owner */
           ri = 0;
           found = false;
           do
           :: ri < qn[QI(c, RECV)] && !found ->
              si = 0;
              do
              :: si < qn[QI(c, SEND)] && !found ->
                 if
                 :: !SAME_OWNER(QAT(c, SEND, si), QAT(c, RECV, ri)) -> found = true
                 :: else -> si++
                 fi
              :: else -> break
              od;
              if
              :: !found -> ri++
              :: else
              fi
           :: else -> break
           od;
           if
           :: found ->
              d_s = QAT(c, SEND, si);
              d_r = QAT(c, RECV, ri);
              q_erase(c, SEND, si);
              q_erase(c, RECV, ri);
              d_kind = MEET;
              d_claimed = 0
           :: else -> stepped = false
           fi;
           ri = 0; si = 0; found = false
        fi
     fi
  fi
}

/* pump's last part: a try that found no partner is answered would_block */
inline answer_tries(c) {
  fj = 0;
  do
  :: fj < 2 ->
     ti = 0;
     do
     :: ti < qn[QI(c, 1 - fj)] ->
        if
        :: TRY_ONLY(QAT(c, 1 - fj, ti)) ->
           want(W_COMPLETE, QAT(c, 1 - fj, ti), WOULD_BLOCK, 0);
           q_erase(c, 1 - fj, ti)
        :: else -> ti++
        fi
     :: else -> break
     od;
     fj++
  :: else -> break
  od;
  fj = 0; ti = 0
}

/* channel_server::pump: decide while nothing is in flight (E3), one pass a claim */
inline pump(c) {
  do
  :: true ->
     more = true;
     if
     :: d_kind != NONE -> advance(c)
#if MUTANT == 2
     :: d_kind == NONE -> step(c); more = stepped   /* mutant: no single flight */
#else
     :: d_kind == NONE && fk[c] == NONE -> step(c); more = stepped
     :: d_kind == NONE && fk[c] != NONE -> more = false
#endif
     fi;
     if
     :: !more && fk[c] == NONE -> answer_tries(c)
     :: else
     fi;
     flush(c);
     if
     :: !more -> break
     :: else
     fi
  od;
  more = false; stepped = false
}

/* The home's entry points. Each says in hpump whether the C++ pumps after it; home_call
   then pumps once (one copy of pump per process). */
inline on_offer(c, o, k) {
  q_push_back(c, k, o);
  hpump = true
}

inline on_withdraw(c, op, ot, og, k) {
  wi = 0;
  do
  :: wi < qn[QI(c, k)] ->
     if
     :: O_P(QAT(c, k, wi)) == op && O_T(QAT(c, k, wi)) == ot && O_G(QAT(c, k, wi)) == og -> q_erase(c, k, wi)
     :: else -> wi++
     fi
  :: else -> break
  od;
  wi = 0;
  hpump = false
}

inline on_leave(c, k) {
  if
  :: k == RECV && readers[c] > 0 -> readers[c]--
  :: k == SEND && writers[c] > 0 -> writers[c]--
  :: else
  fi;
#if MUTANT == 7
  hpump = false   /* mutant: the last end's leave decides nothing */
#else
  hpump = true
#endif
}

/* The C++ (5b0152b) also clears the buffer here, at once, even while a claim that delivers its
   first value is in flight; when that claim wins, settle() pops an empty deque: undefined
   behaviour. Found by this model (scenario 4), kept as mutant 9. The model clears the buffer
   in step() instead, which runs only when nothing is in flight (E3): the poison takes effect
   after the decision under way, as everything else does. */
inline on_poison(c) {
  poisoned[c] = true;
#if MUTANT == 9
  discard(c);
#endif
  hpump = true
}

/* resume(): the decision in flight goes on in pump (settle, then advance); a reply for a
   claim no longer in flight is dropped (the model shows that none comes: E3) */
inline on_claim_reply(c, m, answer) {
  if
  :: fk[c] != NONE && fmatch[c] == m ->
     d_kind = fk[c]; d_s = fs[c]; d_r = fr[c]; d_claimed = fclaimed[c]; d_match = fmatch[c];
     fk[c] = NONE; fs[c] = 0; fr[c] = 0; fclaimed[c] = 0; fmatch[c] = 0;
     d_yes = answer;
     d_answered = true;
     hpump = true
  :: else -> hpump = false
  fi
}

/* A call of the home of channel hc on this rank, by message (engine::handle) or directly
   (port): the caller has set htyp, hc, hp, ht, hg, hk, hfl, hres (a claim reply's answer),
   hm (its match), hv. */
inline home_call() {
  if
  :: htyp == M_OFFER -> on_offer(hc, OFFER(hp, ht, hg, hfl, hv), hk)
  :: htyp == M_WITHDRAW -> on_withdraw(hc, hp, ht, hg, hk)
  :: htyp == M_LEAVE -> on_leave(hc, hk)
  :: htyp == M_POISON -> on_poison(hc)
  :: htyp == M_CLAIM_REPLY -> on_claim_reply(hc, hm, hres == OK)
  fi;
  if
  :: hpump -> pump(hc)
  :: else
  fi;
  hpump = false
}

/* ---------------------------------------------------------------- the ports */

/* the waiter's id for the episode is new; no message, offer or claim may still name it */
inline assert_fresh(p) {
  k2 = 0;
  do
  :: k2 < NR * (NR - 1) -> assert(!(net[k2]??[_, _, eval(p), eval(tag[p]), _, _, _, _, _, _])); k2++
  :: else -> break
  od;
  k2 = 0;
  do
  :: k2 < NCH * 2 * QN -> assert(!(q[k2] != 0 && O_P(q[k2]) == p && O_T(q[k2]) == tag[p])); k2++
  :: else -> break
  od;
  k2 = 0;
  do
  :: k2 < NCH ->
     assert(!(fk[k2] != NONE && (SAME_OWNER(fs[k2], OFFER(p, tag[p], 0, 0, 0)) ||
                                 SAME_OWNER(fr[k2], OFFER(p, tag[p], 0, 0, 0)))));
     k2++
  :: else -> break
  od;
  k2 = 0
}

/* a new wait episode: the waiter is reset, and has no id yet (alt.cpp: w.remote_id = 0) */
inline begin_episode(p) {
  slot[p] = OPEN;
  done[p] = false;
  result[p] = OK;
  ided[p] = false
}

/* A port call: listed, and carried out in order by port_flush at the end of the process's
   step (one copy of home_call per process). */
inline port_call(typ, c, t, g, k, fl, v) {
  assert(pn < PW);
  pw_typ[pn] = typ; pw_c[pn] = c; pw_t[pn] = t; pw_g[pn] = g; pw_k[pn] = k; pw_fl[pn] = fl; pw_v[pn] = v;
  pn++
}

inline port_flush(p) {
  pi = 0;
  do
  :: pi < pn ->
     htyp = pw_typ[pi]; hc = pw_c[pi]; hp = p; ht = pw_t[pi]; hg = pw_g[pi]; hk = pw_k[pi];
     hfl = pw_fl[pi]; hv = pw_v[pi];
     pw_typ[pi] = 0; pw_c[pi] = 0; pw_t[pi] = 0; pw_g[pi] = 0; pw_k[pi] = 0; pw_fl[pi] = 0; pw_v[pi] = 0;
     if
     :: home[hc] == prank[p] -> home_call()
     :: else -> send_msg(prank[p], home[hc], htyp, hc, (ht == 0 -> 0 : p), ht, hg, hk, hfl, 0, 0, hv)
     fi;
     pi++
  :: else -> break
  od;
  pn = 0;
  CLEAR_SCRATCH
}

/* port::post: guard g of p to its channel's home, enrolling the waiter at its first post */
inline post(p, g, fl) {
  x = p * NG + g;
  if
  :: !ided[p] ->
     tag[p] = tag[p] % NTAG + 1;
     assert_fresh(p);
     ided[p] = true;
     reg[p] = true
  :: else
  fi;
  ov = (e_kind[x] == SEND -> e_val[x] : 0);
  port_call(M_OFFER, e_chan[x], tag[p], g, e_kind[x], fl, ov);
  ov = 0
}

/* port::disable: the id leaves the registry (E2), the offer is withdrawn */
inline disable(p, g) {
  x = p * NG + g;
  if
  :: ided[p] -> reg[p] = false; port_call(M_WITHDRAW, e_chan[x], tag[p], g, e_kind[x], 0, 0)
  :: else
  fi
}

/* the end of a process: its ends are released (port::leave), in the step in which it ends
   since nothing suspends in between (E1) */
inline end_process(p) {
  live--;
  gi = 0;
  do
  :: gi < NCH ->
     if
     :: (rends[p] >> gi) & 1 -> port_call(M_LEAVE, gi, 0, 0, RECV, 0, 0)
     :: else
     fi;
     if
     :: (wends[p] >> gi) & 1 -> port_call(M_LEAVE, gi, 0, 0, SEND, 0, 0)
     :: else
     fi;
     gi++
  :: else -> break
  od;
  rends[p] = 0; wends[p] = 0
}

/* the value v has an outcome */
inline record_send(v, r) {
  assert(!sent[v]);
  sent[v] = true;
  send_result[v] = r
}

/* a send guard's values from its current one on end with r */
inline fail_rest(xg, r) {
  do
  :: e_val[xg] < e_last[xg] -> record_send(e_val[xg], r); e_val[xg]++
  :: else -> break
  od;
  record_send(e_val[xg], r)
}

/* ---------------------------------------------------------------- processes */

/* A rank's engine fiber: takes the next message from any rank (FIFO from each) and handles
   it in one step (engine::handle): a home's message, or a claim or completion for one of
   this rank's waiters. */
proctype engine(byte r) {
end:
  do
  :: atomic {
       if
       :: r != 0 && len(net[NET(0, r)]) > 0 -> net[NET(0, r)]?htyp, hc, hp, ht, hg, hk, hfl, hres, hm, hv; src = 0
       :: r != 1 && len(net[NET(1, r)]) > 0 -> net[NET(1, r)]?htyp, hc, hp, ht, hg, hk, hfl, hres, hm, hv; src = 1
#if NR > 2
       :: r != 2 && len(net[NET(2, r)]) > 0 -> net[NET(2, r)]?htyp, hc, hp, ht, hg, hk, hfl, hres, hm, hv; src = 2
#endif
       fi;
       if
       :: htyp == M_CLAIM ->
          assert(prank[hp] == r);
          claim_here(hp, ht, hg, hres, hv, (hfl & F_FINAL) != 0, yes);
          if
          :: (hfl & F_NO_REPLY) == 0 ->
             send_msg(r, src, M_CLAIM_REPLY, hc, 0, 0, 0, 0, 0, (yes -> OK : WOULD_BLOCK), hm, 0)
          :: else
          fi
       :: htyp == M_COMPLETE ->
          assert(prank[hp] == r);
          complete_here(hp, ht, hres, hv, (hfl & F_COMMITTED) != 0)
       :: else -> assert(home[hc] == r); home_call()
       fi;
       CLEAR_SCRATCH
     }
  od
}

/* A single operation on guard 0: a send of e_val (once), or receives until end-of-stream or
   poison, with a try_recv first when try_first; with may_poison it may instead poison the
   channel at once. detail::operate through port::attempt (committed), try_operate through
   port::try_attempt (try). */
#if SCENARIO == 1 || SCENARIO == 4 || SCENARIO == 5
proctype single(byte p; bool try_first; bool may_poison) {
  LOCALS;
  bool trying = try_first;
  bool parked;
  do
  :: atomic {
       if
       :: !parked && may_poison -> port_call(M_POISON, e_chan[p * NG], 0, 0, 0, 0, 0); quit = true
       :: !parked -> begin_episode(p); post(p, 0, (trying -> F_TRY : F_COMMITTED)); parked = true
       :: parked && done[p] ->   /* the home's answer */
          parked = false;
          s = result[p];
          assert(!reg[p]);
          assert(trying || s != WOULD_BLOCK);   /* P4, R2: never for a single operation */
          if
          :: e_kind[p * NG] == SEND -> record_send(e_val[p * NG], s); quit = true
          :: e_kind[p * NG] == RECV && s == OK -> assert(got[p * NG] != 0); got[p * NG] = 0
          :: e_kind[p * NG] == RECV && s == WOULD_BLOCK -> assert(got[p * NG] == 0)
          :: else -> assert(got[p * NG] == 0); quit = true
          fi;
          s = 0;
          trying = false
       fi;
       may_poison = false;
       if
       :: quit -> end_process(p)
       :: else
       fi;
       port_flush(p)
     };
     if
     :: quit -> break
     :: else
     fi
  od
}

#endif

#if SCENARIO == 6
/* Poisons channel c, poisons channel d, or retires its writer end of d, at any moment. */
proctype closer(byte p; byte c; byte d) {
  LOCALS;
  atomic {
    if
    :: true -> port_call(M_POISON, c, 0, 0, 0, 0, 0)
    :: true -> port_call(M_POISON, d, 0, 0, 0, 0, 0)
    :: true -> port_call(M_LEAVE, d, 0, 0, SEND, 0, 0); wends[p] = wends[p] & ~BIT(d)
    fi;
    end_process(p);
    port_flush(p)
  }
}
#endif

/* An alt over guards 0 and 1 (e_chan, e_kind, e_val, g_on set by init), after src/alt.cpp's
   select_engine with remote guards: it selects until no guard is enabled. A send guard is
   disabled once it sent its last value; an input guard once it got end-of-stream. With
   in_once, each guard fires once, `rounds` times over (collectives.cpp's exchange, in
   successive collectives on the same channels). Poison ends the alt. It may time out
   ntimeout times (a timeout guard that fires when its CAS on the open slot wins). */
proctype alter(byte p; bool in_once; byte ntimeout; byte rounds) {
  LOCALS;
  bool parked;
  ntime = ntimeout;
  do
  :: atomic {
       if
       :: !parked ->
          /* a new select: the caller's start, any (pri_select 0, select random, fair_select
             rotating); select again keeps it */
          if
          :: !again && g_on[p * NG] && g_on[p * NG + 1] ->
             if
             :: start = 0
             :: start = 1
             fi
          :: else
          fi;
          again = false;
          /* phase 1: remote guards are skipped; phase 2: post every enabled guard */
          begin_episode(p);
          gi = 0;
          do
          :: gi < NG ->
             if
             :: g_on[p * NG + (start + gi) % NG] -> post(p, (start + gi) % NG, 0)
             :: else
             fi;
             gi++
          :: else -> break
          od;
          parked = true
       /* parked; the step that wakes up does phase 3 (withdraw every guard) and goes on
          with the process up to its next select */
       :: parked && done[p] -> parked = false; timed = false
       :: parked && ntime > 0 && slot[p] == OPEN -> parked = false; slot[p] = ABORTED; timed = true; ntime--
       fi;
       if
       :: !parked ->
          gi = 0;
          do
          :: gi < NG ->
             if
             :: g_on[p * NG + (start + gi) % NG] -> disable(p, (start + gi) % NG)
             :: else
             fi;
             gi++
          :: else -> break
          od;
          assert(!reg[p]);
          if
          :: timed -> assert(got[p * NG] == 0 && got[p * NG + 1] == 0)
          :: !timed && result[p] == WOULD_BLOCK ->   /* R2: select again */
             assert(got[p * NG] == 0 && got[p * NG + 1] == 0);
             again = true
          :: else ->
             /* the guard that fired */
             s = result[p];
             x = p * NG + slot[p];
             assert(slot[p] < NG && g_on[x]);                                    /* P1 */
             assert(e_kind[p * NG + 1 - slot[p]] == SEND || got[p * NG + 1 - slot[p]] == 0);
             if
             :: s == OK && e_kind[x] == RECV ->
                assert(got[x] != 0);
                got[x] = 0;
                if
                :: in_once -> g_on[x] = false
                :: else
                fi
             :: s == OK && e_kind[x] == SEND ->
                record_send(e_val[x], OK);
                if
                :: !in_once && e_val[x] < e_last[x] -> e_val[x]++
                :: else -> g_on[x] = false
                fi
             :: s == RETIRED ->
                if
                :: e_kind[x] == SEND -> fail_rest(x, RETIRED)
                :: else
                fi;
                g_on[x] = false
             :: s == POISONED -> quit = true
             fi
          fi;
          if
          :: in_once && !quit && !g_on[p * NG] && !g_on[p * NG + 1] && rounds > 1 ->
             /* the next exchange: guard 0 (the output) sends the value NR higher */
             rounds--;
             g_on[p * NG] = true;
             g_on[p * NG + 1] = true;
             e_val[p * NG] = e_val[p * NG] + NR;
             e_last[p * NG] = e_val[p * NG]
          :: else
          fi;
          if
          :: quit || !(g_on[p * NG] || g_on[p * NG + 1]) ->
             /* the end: values this alt never got to send fail with the poison that ended it */
             gi = 0;
             do
             :: gi < NG ->
                if
                :: g_on[p * NG + gi] && e_kind[p * NG + gi] == SEND -> fail_rest(p * NG + gi, POISONED)
                :: else
                fi;
                gi++
             :: else -> break
             od;
             end_process(p);
             quit = true
          :: else
          fi;
          timed = false; s = 0; x = 0;
          if
          :: !again -> start = 0
          :: else
          fi
       :: else
       fi;
       port_flush(p)
     };
     if
     :: quit -> break
     :: else
     fi
  od
}

/* ---------------------------------------------------------------- scenarios */

/* guard g of process p: channel c, kind k, values v..vlast for a send */
inline guard(gp, gg, gc, gk, gv, gvlast) {
  e_chan[gp * NG + gg] = gc;
  e_kind[gp * NG + gg] = gk;
  e_val[gp * NG + gg] = gv;
  e_last[gp * NG + gg] = gvlast;
  g_on[gp * NG + gg] = true;
  if
  :: gk == RECV -> rends[gp] = rends[gp] | BIT(gc); readers[gc]++
  :: else -> wends[gp] = wends[gp] | BIT(gc); writers[gc]++
  fi
}

#if NR == 2
#define NET_LEN (len(net[0]) + len(net[1]))
#else
#define NET_LEN (len(net[0]) + len(net[1]) + len(net[2]) + len(net[3]) + len(net[4]) + len(net[5]))
#endif

/* P2 and P6, once every process has ended and every message was handled: every value has
   its outcome; no entry holds a value nobody took; no claim in flight, no value left in a
   buffer, nothing registered (so every offer still queued is stale) */
inline check_outcome(expect_all_delivered) {
  all = expect_all_delivered;
  k = 1;
  do
  :: k <= NVAL ->
     assert(sent[k]);
     assert(delivered[k] <= 1);
     assert((send_result[k] == OK) == (delivered[k] == 1 || discarded[k]));
     assert(!(delivered[k] == 1 && discarded[k]));
     assert(all == false || delivered[k] == 1);
     k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < NPROC -> assert(!reg[k] && got[k * NG] == 0 && got[k * NG + 1] == 0); k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < NCH -> assert(fk[k] == NONE && bufn[k] == 0); k++
  :: else -> break
  od
}

init {
  byte k;
  bool all;
  atomic {
    live = NPROC;
    k = 0;
    do
    :: k < NCH -> nextmatch[k] = 1; k++
    :: else -> break
    od;
#if SCENARIO == 1
    home[A] = 1; home[B] = 0;
    prank[0] = 0; prank[1] = 0; prank[2] = 1;
    guard(0, 0, A, SEND, 1, 1);
    guard(1, 0, B, RECV, 0, 0);
    guard(2, 0, A, RECV, 0, 0);
    guard(2, 1, B, SEND, 2, 2);
    k = 0;
    do
    :: k < NR -> run engine(k); k++
    :: else -> break
    od;
    run single(0, false, false);
    run single(1, true, false);
    run alter(2, false, 0, 1);
#elif SCENARIO == 2 || SCENARIO == 3
    /* rank i writes to rank i+1 on channel i and reads from rank i-1 */
    k = 0;
    do
    :: k < NR ->
       prank[k] = k;
       home[k] = (k + 1) % NR;
       guard(k, 0, k, SEND, k + 1, k + 1);
       guard(k, 1, (k + NR - 1) % NR, RECV, 0, 0);
       k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < NR -> run engine(k); k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < NR -> run alter(k, true, 0, NVAL / NR); k++
    :: else -> break
    od;
#elif SCENARIO == 4
    home[A] = 0; cap[A] = 1;
    prank[0] = 0; prank[1] = 1; prank[2] = 2;
    guard(0, 0, A, SEND, 1, 2);
    guard(1, 0, A, RECV, 0, 0);
    guard(2, 0, A, RECV, 0, 0);
    k = 0;
    do
    :: k < NR -> run engine(k); k++
    :: else -> break
    od;
    run alter(0, false, 0, 1);
    run alter(1, false, 1, 1);
    run single(2, false, true);
#elif SCENARIO == 5
    home[A] = 1; home[B] = 1;
    prank[0] = 0; prank[1] = 0; prank[2] = 1;
    guard(0, 0, A, SEND, 1, 1);
    guard(0, 1, B, SEND, 2, 2);
    guard(1, 0, B, SEND, 3, 3);
    guard(2, 0, A, RECV, 0, 0);
    guard(2, 1, B, RECV, 0, 0);
    k = 0;
    do
    :: k < NR -> run engine(k); k++
    :: else -> break
    od;
    run alter(0, false, 0, 1);
    run single(1, false, false);
    run alter(2, false, 1, 1);
#elif SCENARIO == 6
    home[A] = 0; home[D] = 1;
    prank[0] = 0; prank[1] = 1; prank[2] = 0;
    guard(0, 0, A, RECV, 0, 0);
    guard(1, 0, A, SEND, 1, 1);
    guard(1, 1, D, RECV, 0, 0);
    wends[2] = BIT(D); writers[D]++;
    k = 0;
    do
    :: k < NR -> run engine(k); k++
    :: else -> break
    od;
    run alter(0, false, 0, 1);
    run alter(1, false, 0, 1);
    run closer(2, A, D);
#endif
  }
  live == 0;          /* every process but the engines has ended */
  NET_LEN == 0;       /* and every message was handled */
#if SCENARIO == 4
  check_outcome(!poisoned[A]);
#elif SCENARIO == 6
  check_outcome(false);
#else
  check_outcome(true);
#endif
  finished = true
}
