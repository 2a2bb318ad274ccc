// --csp-trace: trace.hpp says what is recorded, how, and how writer and reader are paired.
#include <csp/detail/trace.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>
#include <tuple>
#include <unordered_map>

#include <channels/channel_core.hpp>
#include <csp/codec.hpp>
#include <csp/detail/stats.hpp>
#include <csp/errors.hpp>

namespace csp::detail {

/// One thread's records: the first `limit` appended, then each new one over the oldest.
struct tracer::ring {
  std::thread::id thread;
  std::size_t limit;
  std::vector<trace_record> records{};
  std::size_t next = 0;  // once wrapped: the oldest record, where the next one goes
  std::uint64_t dropped = 0;

  void put(const trace_record& r) noexcept {
    if (records.size() < limit) {
      try {
        records.push_back(r);
        return;
      } catch (...) {  // no memory to grow: keep what there is, as a ring of that size
        limit = records.size();
        if (limit == 0) {
          ++dropped;
          return;
        }
      }
    }
    records[next] = r;
    if (++next == limit) next = 0;
    ++dropped;
  }
  bool wrapped() const noexcept { return dropped > 0; }
  /// When the oldest kept record was appended: before it, this thread's records are lost.
  std::int64_t kept_from() const noexcept { return records.empty() ? 0 : records[next].stamp(); }
};

namespace {

std::atomic<std::uint64_t> last_tracer{0};

// The calling thread's ring of the tracer it last recorded into. Trivial, so no guard.
struct ring_cache {
  std::uint64_t tracer = 0;
  void* ring = nullptr;
};
__attribute__((tls_model("initial-exec"))) thread_local ring_cache cache;

}  // namespace

tracer::tracer(std::size_t limit) : id_(last_tracer.fetch_add(1) + 1), limit_(std::max<std::size_t>(limit, 1)) {}

tracer::~tracer() = default;

tracer::ring& tracer::attach() noexcept {
  std::lock_guard lk(mu_);
  const std::thread::id me = std::this_thread::get_id();
  ring* found = nullptr;
  for (auto& r : rings_) {
    if (r->thread == me) found = r.get();
  }
  if (found == nullptr) {
    rings_.push_back(std::make_unique<ring>(ring{.thread = me, .limit = limit_}));
    found = rings_.back().get();
  }
  cache = {id_, found};
  return *found;
}

void tracer::record(const trace_record& r) noexcept {
  ring* mine = cache.tracer == id_ ? static_cast<ring*>(cache.ring) : &attach();
  mine->put(r);
}

void tracer::parked(const process_state& p, const waiter& w, std::int64_t from, std::int64_t to) noexcept {
  trace_record r{.type = trace_record::what::parked, .at = from, .until = to, .proc = &p};
  r.guards = static_cast<std::uint16_t>(std::min<std::size_t>(w.entries.size(), 0xffff));
  for (const wait_entry& e : w.entries) {
    if (e.channel == nullptr) continue;  // a timeout guard
    r.on = e.channel;
    r.side = e.kind;
    r.channel = e.channel->serial();
    break;
  }
  if (w.entries.empty()) r.on = w.joining;
  record(r);
}

void tracer::communicated(const process_state& p, const wait_entry& e, clock::time_point began,
                          clock::time_point woke) noexcept {
  const bool sent = e.kind == op_kind::send;
  const bool waited = woke != clock::time_point{};
  // One clock read at most: a send's record is stamped when it woke, or when it began (the
  // attempt's few dozen nanoseconds earlier than appended, which the window's cutoff can bear).
  const std::int64_t at = sent ? trace_ns(began) : trace_ns(waited ? woke : clock::now());
  record({.type = sent ? trace_record::what::sent : trace_record::what::received,
          .side = e.kind,
          .at = at,
          .until = sent && waited ? trace_ns(woke) : at,
          .proc = &p,
          .channel = e.channel->serial(),
          .seq = e.seq});
}

namespace {

struct channel_info {
  std::uint64_t key;
  std::string name;
};

// A key every address space gives the same channel: a top-level channel's index (the same
// network is built on every rank); any other channel lives in one address space only.
std::uint64_t local_key(int rank, std::uint64_t serial) {
  return (std::uint64_t{1} << 62) | (static_cast<std::uint64_t>(rank + 1) << 40) | serial;
}

std::string quoted(const std::string& name) { return "'" + name + "'"; }

// The slice's state and name for a parked record.
std::pair<std::string, std::string> parked_words(const trace_record& r, const std::string& channel) {
  if (r.guards > 1) return {"alt", fmt::format("alt ({} guards)", r.guards)};
  if (r.guards == 1 && r.channel != 0) {
    const bool read = r.side == op_kind::recv;
    return {read ? "read" : "write", fmt::format("blocked on {} {}", read ? "read" : "write", quoted(channel))};
  }
  if (r.guards == 1) return {"timer", "timer"};
  if (r.on != nullptr) return {"join", "joining " + quoted(static_cast<const group*>(r.on)->name)};
  return {"parked", "parked"};
}

}  // namespace

trace_part tracer::part(const std::vector<group*>& groups, int rank) const {
  trace_part out;
  out.rank = rank;
  std::vector<const trace_record*> all;
  {
    std::lock_guard lk(mu_);
    for (const auto& r : rings_) {
      out.dropped += r->dropped;
      if (r->wrapped()) out.cutoff = std::max(out.cutoff, r->kept_from());
      for (const trace_record& rec : r->records) all.push_back(&rec);
    }
  }

  // Tracks, in the order of the network; sub-network processes after, "runner/process".
  std::unordered_map<const process_state*, std::uint64_t> track_of;
  std::unordered_map<std::uint64_t, channel_info> channels;
  const std::map<const group*, std::string> prefixes = name_prefixes(groups);
  for (const group* g : groups) {
    const bool top = g == groups.front();
    for (std::size_t i = 0; i < g->channels.size(); ++i) {
      const channels::channel_core& c = *g->channels[i];
      channels.emplace(c.serial(), channel_info{top ? i : local_key(rank, c.serial()), c.name()});
    }
    const auto pre = prefixes.find(g);
    for (const auto& p : g->processes) {
      track_of.emplace(p.get(), out.tracks.size());
      out.tracks.push_back({out.tracks.size(), (pre != prefixes.end() ? pre->second : "") + p->name});
      for (const end_ref& e : p->ends) {
        channels.emplace(e.channel->serial(), channel_info{local_key(rank, e.channel->serial()), e.channel->name()});
      }
    }
  }
  auto channel = [&](std::uint64_t serial) -> const channel_info& {
    auto it = channels.find(serial);
    if (it == channels.end()) {
      it = channels.emplace(serial, channel_info{local_key(rank, serial), fmt::format("channel #{}", serial)}).first;
    }
    return it->second;
  };

  std::int64_t end = out.cutoff;
  std::unordered_map<std::uint64_t, std::vector<const trace_record*>> by_track;
  for (const trace_record* r : all) {
    end = std::max(end, r->stamp());
    const auto t = track_of.find(r->proc);
    if (t != track_of.end()) by_track[t->second].push_back(r);
  }

  std::vector<bool> shown(out.tracks.size(), false);
  for (auto& [track, records] : by_track) {
    std::sort(records.begin(), records.end(),
              [](const trace_record* a, const trace_record* b) { return std::tie(a->at, a->until) < std::tie(b->at, b->until); });
    std::int64_t from = out.cutoff, to = end;
    for (const trace_record* r : records) {
      if (r->type == trace_record::what::started) from = std::max(from, r->at);
      if (r->type == trace_record::what::ended) to = std::min(to, r->at);
    }
    if (to < from) continue;
    shown[track] = true;
    // Parked slices within the life, and running between them.
    const std::size_t first = out.slices.size();
    std::int64_t running_from = from;
    for (const trace_record* r : records) {
      if (r->type != trace_record::what::parked) continue;
      const std::int64_t a = std::max({r->at, from, running_from}), b = std::min(r->until, to);
      if (b <= a) continue;
      if (a > running_from) out.slices.push_back({track, running_from, a, "running", "running"});
      auto [state, name] = parked_words(*r, r->channel != 0 ? channel(r->channel).name : std::string());
      out.slices.push_back({track, a, b, std::move(state), std::move(name)});
      running_from = b;
    }
    if (to > running_from) out.slices.push_back({track, running_from, to, "running", "running"});
    const std::span<const trace_part::slice> mine(out.slices.data() + first, out.slices.size() - first);

    // Flow ends, each moved inside the slice it falls in, so that a viewer binds it there.
    for (const trace_record* r : records) {
      const bool sent = r->type == trace_record::what::sent;
      if ((!sent && r->type != trace_record::what::received) || r->at < from || r->at > to) continue;
      std::int64_t at = r->at;
      auto s = std::upper_bound(mine.begin(), mine.end(), at, [](std::int64_t t, const trace_part::slice& x) { return t < x.from; });
      if (s != mine.begin()) {
        --s;
        if (s->to - s->from >= 2) at = std::clamp(at, s->from + 1, s->to - 1);
      }
      const channel_info& c = channel(r->channel);
      out.flows.push_back({c.key, r->seq, sent, track, at, c.name});
    }
  }
  // Only the tracks of processes that ran here.
  std::vector<trace_part::track> kept;
  for (auto& t : out.tracks) {
    if (shown[t.id]) kept.push_back(std::move(t));
  }
  out.tracks = std::move(kept);
  std::sort(out.slices.begin(), out.slices.end(),
            [](const trace_part::slice& a, const trace_part::slice& b) { return std::tie(a.track, a.from) < std::tie(b.track, b.from); });
  return out;
}

namespace {

using wire_part = std::tuple<int, std::uint64_t, std::int64_t, std::vector<std::pair<std::uint64_t, std::string>>,
                             std::vector<std::tuple<std::uint64_t, std::int64_t, std::int64_t, std::string, std::string>>,
                             std::vector<std::tuple<std::uint64_t, std::uint64_t, bool, std::uint64_t, std::int64_t, std::string>>>;

}  // namespace

std::vector<std::byte> trace_part::encode() const {
  wire_part w{rank, dropped, cutoff, {}, {}, {}};
  for (const track& t : tracks) std::get<3>(w).emplace_back(t.id, t.name);
  for (const slice& s : slices) std::get<4>(w).emplace_back(s.track, s.from, s.to, s.state, s.name);
  for (const flow_end& f : flows) std::get<5>(w).emplace_back(f.channel, f.seq, f.writer, f.track, f.at, f.channel_name);
  return csp::encode(w);
}

trace_part trace_part::decode(std::span<const std::byte> bytes) {
  auto [rank, dropped, cutoff, tracks, slices, flows] = csp::decode<wire_part>(bytes);
  trace_part p{.rank = rank, .dropped = dropped, .cutoff = cutoff};
  for (auto& [id, name] : tracks) p.tracks.push_back({id, std::move(name)});
  for (auto& [track, from, to, state, name] : slices) p.slices.push_back({track, from, to, std::move(state), std::move(name)});
  for (auto& [channel, seq, writer, track, at, name] : flows) p.flows.push_back({channel, seq, writer, track, at, std::move(name)});
  return p;
}

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += ch;
    }
  }
  return out + '"';
}

// Microseconds, exactly, from nanoseconds since the trace's start (never negative: the start is
// the earliest time in the trace).
std::string micros(std::int64_t ns) {
  ns = std::max<std::int64_t>(ns, 0);
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

int pid_of(const trace_part& p) { return p.rank < 0 ? 1 : p.rank + 1; }

}  // namespace

std::string trace_json(const std::vector<trace_part>& parts, const std::string& network, const std::string& where) {
  std::int64_t zero = INT64_MAX;
  std::uint64_t dropped = 0;
  for (const trace_part& p : parts) {
    for (const auto& s : p.slices) zero = std::min(zero, s.from);
    for (const auto& f : p.flows) zero = std::min(zero, f.at);
    dropped += p.dropped;
  }
  if (zero == INT64_MAX) zero = 0;

  std::vector<std::string> events;
  for (const trace_part& p : parts) {
    const int pid = pid_of(p);
    const std::string process = p.rank < 0 ? fmt::format("{} ({})", network, where) : fmt::format("rank {}", p.rank);
    events.push_back(fmt::format(R"({{"ph":"M","name":"process_name","pid":{},"args":{{"name":{}}}}})", pid, json_string(process)));
    events.push_back(fmt::format(R"({{"ph":"M","name":"process_sort_index","pid":{},"args":{{"sort_index":{}}}}})", pid, pid));
    for (const auto& t : p.tracks) {
      events.push_back(fmt::format(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":{}}}}})", pid,
                                   t.id + 1, json_string(t.name)));
      events.push_back(fmt::format(R"({{"ph":"M","name":"thread_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
                                   pid, t.id + 1, t.id + 1));
    }
    for (const auto& s : p.slices) {
      events.push_back(fmt::format(R"({{"ph":"X","name":{},"cat":{},"ts":{},"dur":{},"pid":{},"tid":{}}})",
                                   json_string(s.name), json_string(s.state), micros(s.from - zero), micros(s.to - s.from),
                                   pid, s.track + 1));
    }
  }
  // A flow for each message whose writer's and reader's ends are both in the trace.
  struct ends {
    const trace_part::flow_end* writer = nullptr;
    const trace_part::flow_end* reader = nullptr;
    int writer_pid = 0, reader_pid = 0;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, ends> messages;
  for (const trace_part& p : parts) {
    for (const auto& f : p.flows) {
      ends& e = messages[{f.channel, f.seq}];
      (f.writer ? e.writer : e.reader) = &f;
      (f.writer ? e.writer_pid : e.reader_pid) = pid_of(p);
    }
  }
  std::uint64_t id = 0;
  for (const auto& [key, e] : messages) {
    if (e.writer == nullptr || e.reader == nullptr) continue;
    ++id;
    const std::string name = json_string(fmt::format("'{}' #{}", e.writer->channel_name, key.second));
    events.push_back(fmt::format(R"({{"ph":"s","name":{},"cat":"message","id":{},"ts":{},"pid":{},"tid":{},"bp":"e"}})", name,
                                 id, micros(e.writer->at - zero), e.writer_pid, e.writer->track + 1));
    events.push_back(fmt::format(R"({{"ph":"f","name":{},"cat":"message","id":{},"ts":{},"pid":{},"tid":{},"bp":"e"}})", name,
                                 id, micros(e.reader->at - zero), e.reader_pid, e.reader->track + 1));
  }

  std::string out = "{\"traceEvents\":[\n";
  for (std::size_t i = 0; i < events.size(); ++i) {
    out += events[i];
    out += i + 1 < events.size() ? ",\n" : "\n";
  }
  out += fmt::format(R"(],"displayTimeUnit":"ns","otherData":{{"network":{},"backend":{},"messages":{},"dropped_records":{}}}}})",
                     json_string(network), json_string(where), id, dropped);
  out += '\n';
  return out;
}

void write_trace(const std::vector<trace_part>& parts, const std::string& network, const std::string& where,
                 const std::string& file) {
  const std::string text = trace_json(parts, network, where);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (!out.flush()) throw csp::error(fmt::format("trace: cannot write '{}': {}", file, std::strerror(errno)));
}

}  // namespace csp::detail
