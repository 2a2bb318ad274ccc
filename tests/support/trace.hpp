// Reads back the Chrome/Perfetto JSON trace that csp writes (src/trace.cpp), for tests: its
// tracks (a pid and tid each, named after a process), their slices, and its flows paired by
// id. Fails the test on an event it does not expect, so that a change of format shows here.
#pragma once

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace csp_test {

struct trace_file {
  using track_id = std::pair<int, int>;  // pid, tid
  struct slice {
    double from, to;  // microseconds
    std::string name, state;
  };
  struct flow_end {
    track_id track;
    double at;
  };
  struct flow {
    std::string name;  // "'channel' #number"
    flow_end writer, reader;
  };
  std::map<track_id, std::string> tracks;  // thread_name
  std::map<track_id, std::vector<slice>> slices;  // in time order
  std::vector<flow> flows;
  nlohmann::json other;  // otherData

  /// The track of process `name`, or {-1, -1}.
  track_id track(const std::string& name) const {
    for (const auto& [id, n] : tracks) {
      if (n == name) return id;
    }
    return {-1, -1};
  }
  /// The flows of `channel`, by their number.
  std::map<long, flow> flows_of(const std::string& channel) const {
    std::map<long, flow> out;
    const std::string prefix = "'" + channel + "' #";
    for (const flow& f : flows) {
      if (f.name.starts_with(prefix)) out.emplace(std::stol(f.name.substr(prefix.size())), f);
    }
    return out;
  }
  /// How many slices on all tracks are named `name`.
  std::size_t count_slices(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& [id, v] : slices) {
      for (const slice& s : v) n += s.name == name ? 1 : 0;
    }
    return n;
  }
  /// Whether `at` falls within a slice of `track` (where a viewer binds a flow's end).
  bool inside_a_slice(const flow_end& e) const {
    const auto it = slices.find(e.track);
    if (it == slices.end()) return false;
    for (const slice& s : it->second) {
      if (s.from <= e.at && e.at <= s.to) return true;
    }
    return false;
  }
};

inline trace_file read_trace(const std::string& path) {
  trace_file t;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "no trace at " << path;
    return t;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    ADD_FAILURE() << path << " is not JSON: " << e.what();
    return t;
  }
  t.other = doc.value("otherData", nlohmann::json::object());
  std::map<long, std::pair<std::optional<trace_file::flow_end>, std::optional<trace_file::flow_end>>> ends;
  std::map<long, std::string> names;
  for (const auto& e : doc.at("traceEvents")) {
    const std::string ph = e.at("ph");
    const trace_file::track_id id{e.value("pid", 0), e.value("tid", 0)};
    if (ph == "M") {
      if (e.at("name") == "thread_name") t.tracks[id] = e.at("args").at("name");
    } else if (ph == "X") {
      const double from = e.at("ts"), dur = e.at("dur");
      t.slices[id].push_back({from, from + dur, e.at("name"), e.at("cat")});
    } else if (ph == "s" || ph == "f") {
      const long n = e.at("id");
      EXPECT_EQ(e.value("bp", ""), "e") << e.dump();
      (ph == "s" ? ends[n].first : ends[n].second) = trace_file::flow_end{id, e.at("ts")};
      names[n] = e.at("name");
    } else {
      ADD_FAILURE() << "an event of a phase csp does not write: " << e.dump();
    }
  }
  for (auto& [id, v] : t.slices) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.from < b.from; });
  }
  for (const auto& [n, both] : ends) {
    EXPECT_TRUE(both.first && both.second) << "flow " << n << " (" << names[n] << ") lacks an end";
    if (both.first && both.second) t.flows.push_back({names[n], *both.first, *both.second});
  }
  return t;
}

}  // namespace csp_test
