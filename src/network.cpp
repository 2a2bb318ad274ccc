#include <csp/network.hpp>

#include <fmt/format.h>

#include <map>
#include <set>

namespace csp {

void network::check_open(const char* what) const {
  if (ran_) {
    throw network_error(fmt::format("network '{}' has already run: cannot add a {} to it; build a new network", name_, what));
  }
}

void network::spawn(process p) {
  check_open("process");
  processes_.push_back(std::move(p));
}

std::vector<network::finding> network::check() const {
  std::vector<finding> out;
  std::set<std::string> names;
  for (const process& p : processes_) {
    if (!names.insert(p.name()).second) {
      out.push_back({false, fmt::format("network '{}': two processes are named '{}'; errors and reports will not tell them apart", name_, p.name())});
    }
  }
  // How many ends of each channel the processes hold, per side.
  std::map<const channels::channel_core*, std::pair<std::size_t, std::size_t>> held;  // (readers, writers)
  for (const process& p : processes_) {
    for (const detail::end_ref& e : p.ends_) {
      auto& h = held[e.channel.get()];
      (e.side == detail::op_kind::recv ? h.first : h.second) += 1;
    }
  }
  for (const auto& c : channels_) {
    const auto n = c->snapshot();
    const auto h = held[c.get()];
    if (n.reader_joins > 0 && n.writer_joins == 0) {
      out.push_back({true, fmt::format("channel '{}' has {} reader end(s) but no writer end was ever made: its readers could never receive; make one with .writer() and hand it to a process", c->name(), n.readers)});
    } else if (n.writer_joins > 0 && n.reader_joins == 0) {
      out.push_back({true, fmt::format("channel '{}' has {} writer end(s) but no reader end was ever made: its writers could never send; make one with .reader() and hand it to a process", c->name(), n.writers)});
    }
    if (n.readers > h.first) {
      out.push_back({false, fmt::format("channel '{}': {} reader end(s) are not handed to any process as an argument (kept by the caller, or captured in a lambda); writers of a rendezvous channel will wait for them", c->name(), n.readers - h.first)});
    }
    if (n.writers > h.second) {
      out.push_back({false, fmt::format("channel '{}': {} writer end(s) are not handed to any process as an argument (kept by the caller, or captured in a lambda); readers will not see end-of-stream until they retire or are destroyed", c->name(), n.writers - h.second)});
    }
  }
  return out;
}

}  // namespace csp
