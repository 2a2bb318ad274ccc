// The results a conformance case reads after a run, made whole on the mpi backend.
//
// On mpi every rank runs the same case and builds the same network (SPMD), but each process
// runs on one rank only, so what a process writes into a variable of the case changes that
// rank's copy. A case names the variables it checks after the run, once they are declared:
//
//   int got = 0;
//   std::vector<int> seen;
//   CSP_SHARED(got, seen);
//   net.spawn("reader", [&](csp::reader<int> in) { for (int v : in) seen.push_back(v); ... });
//   EXPECT_EQ(run(net), 0);          // conformance::run, i.e. csp_test::run below
//   EXPECT_EQ(got, 3);               // on mpi, every rank now holds the merged value
//
// csp_test::run, on mpi, records each declared variable's value as the run begins (the same on
// every rank: only the case's own code has run), runs, and then, whether the run returned or
// threw, gathers every rank's value to every rank and merges:
//   - unchanged everywhere: unchanged;
//   - changed on one rank: that rank's value, everywhere;
//   - changed on several ranks:
//       numbers, and std::atomic of them: the value before plus each rank's change;
//       vectors (and other ranges, such as std::deque): the value before, then each rank's
//         appended elements, in rank order: a case that checks the order of values appended by
//         processes on different ranks would see rank order, not time order (no case does:
//         each one that appends from several processes sorts, or keeps one vector a process);
//       vectors of the size before, and std::array: element by element, by these rules;
//       anything else: a test failure naming the variable.
// On every other backend run is csp::run and CSP_SHARED changes nothing.
//
// The values cross ranks as csp::codec<T> bytes (a std::atomic<U> as a U, a range without a
// codec as a std::vector of its elements). The ranks' bytes are gathered by the function in
// `gather_from_ranks`, which the mpi conformance binary installs (mpi_instantiate.cpp): only that
// file calls MPI, so the cases compile and link the same way with MPI and without.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <csp/codec.hpp>
#include <csp/config.hpp>
#include <csp/network.hpp>
#include <csp/run.hpp>

/// Declares the variables a case reads after run: `CSP_SHARED(got, calls);` after their
/// declarations (it declares a guard that lives as long as they do). A macro so that a failure
/// can name the variable.
#define CSP_SHARED(...) \
  const ::csp_test::shared_scope CSP_SHARED_NAME(csp_shared_, __LINE__)(#__VA_ARGS__, __VA_ARGS__)
#define CSP_SHARED_NAME(a, b) CSP_SHARED_JOIN(a, b)
#define CSP_SHARED_JOIN(a, b) a##b

namespace csp_test {

/// Every rank's bytes, in rank order, as every rank receives them: installed by the mpi
/// conformance binary before its cases run; empty elsewhere.
inline std::function<std::vector<std::vector<std::byte>>(std::span<const std::byte>)> gather_from_ranks;

namespace detail {

using csp::detail::is_instance;  // is_instance<T, std::vector>: T is a std::vector
using csp::detail::is_std_array;

/// What crosses ranks for a T: U for std::atomic<U>, a std::vector of the elements' for a
/// range that has no codec or holds atomics (std::deque, std::multiset, a vector of atomics),
/// and T itself for the rest. (GCC counts std::atomic<int> as trivially copyable, so it and a
/// vector of it would otherwise pass for a raw codec's bytes.)
template <class T>
struct plain_of {
  using type = T;
};
template <class U>
struct plain_of<std::atomic<U>> {
  using type = U;
};
template <std::ranges::range T>
  requires(!csp::has_codec<T> ||
           !std::is_same_v<typename plain_of<std::ranges::range_value_t<T>>::type, std::ranges::range_value_t<T>>)
struct plain_of<T> {
  using type = std::vector<typename plain_of<std::ranges::range_value_t<T>>::type>;
};
template <class T>
using plain = typename plain_of<T>::type;

template <class T>
plain<T> load(const T& v) {
  if constexpr (is_instance<T, std::atomic>) {
    return v.load();
  } else if constexpr (std::is_same_v<plain<T>, T>) {
    return v;
  } else {
    plain<T> out;
    for (const auto& e : v) out.push_back(load(e));
    return out;
  }
}

template <class T>
void store(T& v, plain<T> p) {
  if constexpr (is_instance<T, std::atomic>) {
    v.store(p);
  } else if constexpr (std::is_same_v<plain<T>, T>) {
    v = std::move(p);
  } else {
    v = T(p.begin(), p.end());
  }
}

/// Whether two values are the same, as their bytes on the wire (operator== is not always
/// there, nor always usable: a vector of a struct without one still declares it).
template <class P>
bool same(const P& a, const P& b) {
  return csp::encode(a) == csp::encode(b);
}

/// `before` merged with every rank's value (see the top of this file), or nothing when
/// several ranks changed a value of a kind that has no merge.
template <class P>
std::optional<P> merge(const P& before, const std::vector<P>& ranks) {
  std::vector<P> changed;  // copies: an element of a std::vector<bool> has no address
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (!same<P>(ranks[r], before)) changed.push_back(ranks[r]);
  }
  if (changed.empty()) return before;
  if (changed.size() == 1) return changed.front();
  if constexpr (std::is_arithmetic_v<P> && !std::is_same_v<P, bool>) {
    P sum = before;
    for (const P& v : changed) sum += v - before;
    return sum;
  } else if constexpr (is_instance<P, std::vector> || is_std_array<P>) {
    auto column = [&ranks](std::size_t i) {
      std::vector<typename P::value_type> c;
      for (const P& v : ranks) c.push_back(v[i]);
      return c;
    };
    auto element_by_element = [&]() -> std::optional<P> {
      P out = before;
      for (std::size_t i = 0; i < before.size(); ++i) {
        auto e = merge(before[i], column(i));
        if (!e) return std::nullopt;
        out[i] = std::move(*e);
      }
      return out;
    };
    if constexpr (is_std_array<P>) {
      return element_by_element();
    } else {
      auto extends_before = [&before](const P& v) {
        return v.size() >= before.size() &&
               std::equal(before.begin(), before.end(), v.begin(),
                          [](const auto& a, const auto& b) { return same<typename P::value_type>(a, b); });
      };
      auto same_size = [&before](const P& v) { return v.size() == before.size(); };
      if (std::all_of(changed.begin(), changed.end(), same_size)) return element_by_element();
      if (!std::all_of(changed.begin(), changed.end(), extends_before)) return std::nullopt;
      P out = before;
      for (const P& v : changed) out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(before.size()), v.end());
      return out;
    }
  } else {
    return std::nullopt;
  }
}

/// One declared variable.
class shared_entry {
 public:
  explicit shared_entry(std::string name) : name_(std::move(name)) {}
  virtual ~shared_entry() = default;
  const std::string& name() const noexcept { return name_; }
  /// Remembers the value as it is now (as a run begins).
  virtual void record() = 0;
  /// Appends this rank's value.
  virtual void encode(std::vector<std::byte>& out) const = 0;
  /// Reads each rank's value from the front of its bytes and stores the merged one; a test
  /// failure naming the variable when there is none.
  virtual void merge_from(std::vector<std::span<const std::byte>>& ranks) = 0;

 private:
  std::string name_;
};

template <class T>
class shared_var final : public shared_entry {
  static_assert(csp::has_codec<plain<T>>, "CSP_SHARED: a variable of this type cannot cross ranks (no csp::codec)");

 public:
  shared_var(std::string name, T& var) : shared_entry(std::move(name)), var_(var), before_(load(var)) {}

  void record() override { before_ = load(var_); }
  void encode(std::vector<std::byte>& out) const override { csp::codec<plain<T>>::encode(load(var_), out); }
  void merge_from(std::vector<std::span<const std::byte>>& ranks) override {
    std::vector<plain<T>> values;
    std::string changed_on;
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      values.push_back(csp::codec<plain<T>>::decode(ranks[r]));
      if (!same<plain<T>>(values.back(), before_)) changed_on += (changed_on.empty() ? "" : ", ") + std::to_string(r);
    }
    std::optional<plain<T>> merged = merge(before_, values);
    if (merged) {
      store(var_, std::move(*merged));
    } else {
      ADD_FAILURE() << "CSP_SHARED: '" << name() << "' (" << csp::detail::type_name<T>() << ") changed on ranks "
                    << changed_on << ", and such changes cannot be merged (tests/support/shared.hpp)";
    }
  }

 private:
  T& var_;
  plain<T> before_;
};

/// The declared variables that are alive now, in declaration order (the same on every rank).
inline std::vector<shared_entry*>& live_entries() {
  static std::vector<shared_entry*> live;
  return live;
}

/// "got, calls" -> {"got", "calls"}.
inline std::vector<std::string> split_names(std::string_view names) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= names.size();) {
    std::size_t comma = std::min(names.find(',', at), names.size());
    std::string_view n = names.substr(at, comma - at);
    while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
    while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
    out.emplace_back(n);
    at = comma + 1;
  }
  return out;
}

}  // namespace detail

/// What CSP_SHARED declares: registers its variables for the runs of their lifetime.
class shared_scope {
 public:
  template <class... T>
  explicit shared_scope(std::string_view names, T&... vars) {
    const std::vector<std::string> name = detail::split_names(names);
    std::size_t i = 0;
    (entries_.push_back(std::make_unique<detail::shared_var<T>>(name.at(i++), vars)), ...);
    for (auto& e : entries_) detail::live_entries().push_back(e.get());
  }
  ~shared_scope() {
    auto& live = detail::live_entries();
    for (auto& e : entries_) std::erase(live, e.get());
  }
  shared_scope(const shared_scope&) = delete;
  shared_scope& operator=(const shared_scope&) = delete;

 private:
  std::vector<std::unique_ptr<detail::shared_entry>> entries_;
};

/// Gathers every live CSP_SHARED variable from every rank and stores the merged values.
inline void merge_shared_across_ranks() {
  std::vector<std::byte> mine;
  for (const detail::shared_entry* e : detail::live_entries()) e->encode(mine);
  const std::vector<std::vector<std::byte>> all = gather_from_ranks(mine);
  std::vector<std::span<const std::byte>> ranks(all.begin(), all.end());
  for (detail::shared_entry* e : detail::live_entries()) e->merge_from(ranks);
}

/// csp::run(net, cfg); on mpi, the CSP_SHARED variables are then merged across ranks (see the
/// top of this file), after a run that returned and after one that threw alike.
inline int run(csp::network& net, const csp::config& cfg) {
  if (cfg.backend != "mpi") return csp::run(net, cfg);
  if (!gather_from_ranks) throw std::logic_error("csp_test::run on mpi: no gather_from_ranks installed");
  for (detail::shared_entry* e : detail::live_entries()) e->record();
  int result = 0;
  try {
    result = csp::run(net, cfg);
  } catch (...) {
    merge_shared_across_ranks();
    throw;
  }
  merge_shared_across_ranks();
  return result;
}

}  // namespace csp_test
