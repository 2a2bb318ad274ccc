// --csp-stats: stats.hpp says what is counted and how.
#include <csp/detail/stats.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <channels/channel_core.hpp>

namespace csp::detail {
namespace {

std::uint64_t ns(clock::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
}

run_figures::channel channel_figures(const channels::channel_core& c) {
  return {.messages = c.delivered(),
          .writers_waited_ns = ns(c.waited(op_kind::send)),
          .readers_waited_ns = ns(c.waited(op_kind::recv))};
}

run_figures::process process_figures(const process_state& p) {
  if (p.times.start == clock::time_point{}) return {};
  return {.life_ns = std::max<std::uint64_t>(1, ns(p.times.end - p.times.start)),
          .waited_ns = ns(p.times.waited),
          .in_alts_ns = ns(p.times.in_alts)};
}

std::string ms(std::uint64_t nanoseconds) { return fmt::format("{:.3f} ms", static_cast<double>(nanoseconds) / 1e6); }

// Rows of cells, the first the header; columns after the first `left` are right-aligned.
std::string table(const std::vector<std::vector<std::string>>& rows, std::size_t left) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i < left ? fmt::format(" {:<{}}", row[i], width[i]) : fmt::format(" {:>{}}", row[i], width[i]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

void channel_row(std::vector<std::vector<std::string>>& rows, const std::string& name, const channels::channel_core& c,
                 const run_figures::channel& f) {
  const std::size_t size = c.codec().fixed_size;
  rows.push_back({name, c.type(), c.flavor(), fmt::to_string(f.messages), size > 0 ? fmt::to_string(size * f.messages) : "-",
                  ms(f.writers_waited_ns), ms(f.readers_waited_ns)});
}

void process_row(std::vector<std::vector<std::string>>& rows, const std::string& name, const run_figures::process& f) {
  if (f.life_ns == 0) return;  // did not run in this address space
  const std::uint64_t waited = std::min(f.waited_ns, f.life_ns);
  rows.push_back({name, ms(f.life_ns), ms(f.life_ns - waited), ms(waited), ms(f.in_alts_ns),
                  fmt::format("{:.0f}%", 100.0 * static_cast<double>(f.life_ns - waited) / static_cast<double>(f.life_ns))});
}

}  // namespace

std::vector<std::uint64_t> run_figures::flat() const {
  std::vector<std::uint64_t> v;
  for (const channel& c : channels) v.insert(v.end(), {c.messages, c.writers_waited_ns, c.readers_waited_ns});
  for (const process& p : processes) v.insert(v.end(), {p.life_ns, p.waited_ns, p.in_alts_ns});
  return v;
}

run_figures run_figures::from_flat(std::span<const std::uint64_t> numbers, std::size_t channels, std::size_t processes) {
  run_figures f;
  std::size_t at = 0;
  auto next = [&] { return at < numbers.size() ? numbers[at++] : 0; };
  for (std::size_t i = 0; i < channels; ++i) f.channels.push_back({next(), next(), next()});
  for (std::size_t i = 0; i < processes; ++i) f.processes.push_back({next(), next(), next()});
  return f;
}

run_figures figures_of(const group& top) {
  run_figures f;
  for (const auto& c : top.channels) f.channels.push_back(channel_figures(*c));
  for (const auto& p : top.processes) f.processes.push_back(process_figures(*p));
  return f;
}

std::map<const group*, std::string> name_prefixes(const std::vector<group*>& groups) {
  std::map<const group*, std::string> prefix;
  if (groups.empty()) return prefix;
  prefix[groups.front()] = "";
  for (const group* g : groups) {
    if (g == groups.front() || g->join.proc == nullptr) continue;
    const process_state& runner = *g->join.proc;
    const auto parent = prefix.find(runner.grp);
    prefix[g] = (parent == prefix.end() ? "" : parent->second) + runner.name + "/";
  }
  return prefix;
}

namespace {

const std::vector<std::string> channel_header{"channel", "type", "flavor", "messages", "bytes", "writers waited", "readers waited"};
const std::vector<std::string> process_header{"process", "life", "running", "parked", "in alts", "running %"};

// The rows of `groups` from `first` on, sub-networks named by their runners; the top-level
// group's figures from `top`.
stats_rows rows_of(const std::vector<group*>& groups, std::size_t first, const run_figures& top) {
  stats_rows rows;
  const std::map<const group*, std::string> prefix = name_prefixes(groups);
  for (std::size_t k = first; k < groups.size(); ++k) {
    const group* g = groups[k];
    const bool is_top = k == 0;
    const std::string& pre = prefix.at(g);
    for (std::size_t i = 0; i < g->channels.size(); ++i) {
      const run_figures::channel f = is_top && i < top.channels.size() ? top.channels[i] : channel_figures(*g->channels[i]);
      channel_row(rows.channels, pre + g->channels[i]->name(), *g->channels[i], f);
    }
    for (std::size_t i = 0; i < g->processes.size(); ++i) {
      const run_figures::process f = is_top && i < top.processes.size() ? top.processes[i] : process_figures(*g->processes[i]);
      process_row(rows.processes, pre + g->processes[i]->name, f);
    }
  }
  return rows;
}

}  // namespace

stats_rows sub_network_rows(const std::vector<group*>& groups) { return rows_of(groups, 1, {}); }

std::string stats_table(const std::vector<group*>& groups, const run_figures& top, const std::string& where,
                        clock::duration wall, const std::vector<stats_rows>& elsewhere) {
  if (groups.empty()) return {};
  stats_rows rows = rows_of(groups, 0, top);
  for (const stats_rows& more : elsewhere) {
    rows.channels.insert(rows.channels.end(), more.channels.begin(), more.channels.end());
    rows.processes.insert(rows.processes.end(), more.processes.begin(), more.processes.end());
  }
  rows.channels.insert(rows.channels.begin(), channel_header);
  rows.processes.insert(rows.processes.begin(), process_header);
  std::string out = fmt::format("csp stats: network '{}' on {}, {}\n", groups.front()->name, where, ms(ns(wall)));
  out += table(rows.channels, 3) + '\n' + table(rows.processes, 1);
  return out;
}

}  // namespace csp::detail
