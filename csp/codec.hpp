// csp::codec<T>: a value as bytes, for channels whose ends live in different processes (the
// mpi backend, DESIGN.md section 3).
//
//   std::vector<std::byte> bytes = csp::encode(std::pair{std::string("x"), 42});
//   auto v = csp::decode<std::pair<std::string, int>>(bytes);   // or csp::codec_error
//
// Which codec a type gets, first match wins (docs/codecs.md):
//   1. none: pointers, member pointers, nullptr_t, C arrays, std::string_view, std::span,
//      std::reference_wrapper. They point into the sender's memory, meaningless elsewhere.
//   2. built in: bool, std::monostate, std::basic_string<C>, std::vector, std::array, std::pair,
//      std::tuple, std::optional, std::variant, each when its elements have a codec.
//   3. a class with cereal serialization (serialize, save/load, members or free functions): a
//      cereal archive. This wins over 4 for a trivially copyable class: the user asked for it.
//   4. any other trivially copyable type: its object bytes, one memcpy. Both ends must share the
//      ABI (same architecture and compiler, which MPI on one cluster gives), and its fields are
//      not checked: a bool or enum member holds whatever the bytes say.
//
// Wire format, no header, no padding: lengths are u64 little-endian, variant indexes u32
// little-endian, optional flags and bools one byte 0|1; rule 4 types, string characters and a
// vector of rule 4 elements are native bytes; a cereal value is a length and then cereal's
// binary form as detail::cereal_out writes it (csp/detail/cereal_archive.hpp, with take() and
// the other checked reads and writes below).
//
// Invariants that make decoding hostile bytes an error, never a crash:
// - decode reads only through take(), which checks the bytes left first; it never reads past
//   its span.
// - every codec<T> states min_size, the fewest bytes any T encodes to, and a claimed count of n
//   elements is checked as n <= left / min_size BEFORE anything is allocated; so decoding N
//   bytes allocates at most N / min_size * sizeof(element) per container. A vector needs
//   min_size > 0 of its element: a length of elements that encode to nothing (std::monostate,
//   std::tuple<>) could not be checked, so such a vector has no codec.
// - every encoding is canonical but type 4's padding: decode(bytes) succeeding means
//   encode(decoded) == bytes (the fuzz target checks it), except where cereal's own format is
//   not canonical (std::map, std::set).
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <cereal/cereal.hpp>
#include <csp/detail/cereal_archive.hpp>
#include <csp/detail/remote.hpp>
#include <csp/errors.hpp>

namespace csp {

/// How a T crosses processes: `static constexpr std::size_t min_size` (the fewest bytes any T
/// encodes to), `static void encode(const T&, std::vector<std::byte>& out)` appending to out,
/// `static T decode(std::span<const std::byte>& in)` consuming from the front of in. The
/// primary template is empty: T has no codec. Specialize it only where cereal cannot serve.
template <class T>
struct codec {};

/// True exactly for the types csp can carry between processes.
/// Example: `static_assert(csp::has_codec<std::vector<std::string>>);`
template <class T>
concept has_codec = requires(const T& v, std::vector<std::byte>& out, std::span<const std::byte>& in) {
  { codec<T>::min_size } -> std::convertible_to<std::size_t>;
  codec<T>::encode(v, out);
  { codec<T>::decode(in) } -> std::same_as<T>;
};

namespace detail {

template <class T>
const char* pretty_function() {
  return __PRETTY_FUNCTION__;
}

/// A readable name of T for messages, e.g. "std::vector<std::string>" (GCC and clang): the
/// compiler's spelling without the allocators, traits and comparators it defaulted.
template <class T>
std::string type_name() {
  std::string_view f = pretty_function<T>();
  std::size_t start = f.find("T = ") + 4;
  std::string name(f.substr(start, f.size() - 1 - start));
  // Builds a new string rather than replacing in place: GCC 12 at -O3 warns falsely
  // (-Wrestrict) about std::string::replace on a name it folded to a constant.
  auto replace_all = [&name](std::string_view from, std::string_view to) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t hit = name.find(from); hit != std::string::npos; hit = name.find(from, at)) {
      out.append(name, at, hit - at).append(to);
      at = hit + from.size();
    }
    out.append(name, at);
    name = std::move(out);
  };
  replace_all("std::__cxx11::", "std::");
  replace_all(" >", ">");
  for (std::string_view defaulted : {", std::char_traits<", ", std::allocator<", ", std::less<", ", std::hash<",
                                     ", std::equal_to<"}) {
    for (std::size_t at = name.find(defaulted); at != std::string::npos; at = name.find(defaulted, at)) {
      std::size_t end = at + defaulted.size();
      for (int depth = 1; depth > 0 && end < name.size(); ++end) depth += name[end] == '<' ? 1 : name[end] == '>' ? -1 : 0;
      name.erase(at, end - at);
    }
  }
  replace_all("std::basic_string<char>", "std::string");
  return name;
}

template <class T, template <class...> class Template>
inline constexpr bool is_instance = false;
template <class... A, template <class...> class Template>
inline constexpr bool is_instance<Template<A...>, Template> = true;
template <class T>
inline constexpr bool is_std_array = false;
template <class T, std::size_t N>
inline constexpr bool is_std_array<std::array<T, N>> = true;
template <class T>
inline constexpr bool is_span = false;
template <class T, std::size_t N>
inline constexpr bool is_span<std::span<T, N>> = true;

template <class T>
concept pointer_like = std::is_pointer_v<T> || std::is_member_pointer_v<T> || std::is_null_pointer_v<T> ||
                       std::is_array_v<T> || is_instance<T, std::basic_string_view> || is_span<T> ||
                       is_instance<T, std::reference_wrapper>;

template <class T>
concept built_in = std::same_as<T, bool> || std::same_as<T, std::monostate> || is_std_array<T> ||
                   is_instance<T, std::basic_string> || is_instance<T, std::vector> ||
                   is_instance<T, std::pair> || is_instance<T, std::tuple> ||
                   is_instance<T, std::optional> || is_instance<T, std::variant>;


/// A class serialized by cereal (rule 3 at the top).
template <class T>
concept cereal_type = std::is_class_v<T> && !built_in<T> && !pointer_like<T> && std::default_initializable<T> &&
                      cereal::traits::is_output_serializable<T, cereal_out>::value &&
                      cereal::traits::is_input_serializable<T, cereal_in>::value;

/// Carried as its object bytes (rule 4 at the top).
template <class T>
concept raw = std::is_trivially_copyable_v<T> && !built_in<T> && !pointer_like<T> && !cereal_type<T>;

/// Rethrows the exception in flight as a codec_error about T; an inner codec_error keeps the
/// type it named in the reason: "cannot decode outer: inner: truncated: ...".
template <class T>
[[noreturn]] void rethrow_about(const char* doing) {
  try {
    throw;
  } catch (const codec_error& e) {
    if (e.type() == type_name<T>()) throw;
    throw codec_error(type_name<T>(), e.type().empty() ? e.reason() : e.type() + ": " + e.reason(), doing);
  } catch (const cereal::Exception& e) {
    throw codec_error(type_name<T>(), e.what(), doing);
  } catch (const std::logic_error& e) {  // a user's load rejecting a value, std::bitset's string
    throw codec_error(type_name<T>(), e.what(), doing);
  }
}

}  // namespace detail

template <class T>
  requires detail::raw<T>
struct codec<T> {
  static constexpr std::size_t min_size = sizeof(T);
  static void encode(const T& v, std::vector<std::byte>& out) { detail::put(out, std::addressof(v), sizeof(T)); }
  static T decode(std::span<const std::byte>& in) {
    std::array<std::byte, sizeof(T)> b;
    detail::copy_out(b.data(), detail::take(in, sizeof(T), detail::type_name<T>));
    return std::bit_cast<T>(b);
  }
};

template <>
struct codec<bool> {
  static constexpr std::size_t min_size = 1;
  static void encode(bool v, std::vector<std::byte>& out) { out.push_back(std::byte{v ? std::uint8_t{1} : std::uint8_t{0}}); }
  static bool decode(std::span<const std::byte>& in) {
    auto b = std::to_integer<unsigned>(detail::take(in, 1, detail::type_name<bool>)[0]);
    if (b > 1) throw codec_error("bool", "bad bool byte " + std::to_string(b) + " (expected 0 or 1)");
    return b == 1;
  }
};

template <>
struct codec<std::monostate> {
  static constexpr std::size_t min_size = 0;
  static void encode(std::monostate, std::vector<std::byte>&) {}
  static std::monostate decode(std::span<const std::byte>&) { return {}; }
};

template <class C>
  requires detail::raw<C>
struct codec<std::basic_string<C>> {
  using S = std::basic_string<C>;
  static constexpr std::size_t min_size = 8;
  static void encode(const S& s, std::vector<std::byte>& out) {
    detail::put_le(out, s.size(), 8);
    detail::put(out, s.data(), s.size() * sizeof(C));
  }
  static S decode(std::span<const std::byte>& in) {
    std::size_t n = detail::take_count(in, sizeof(C), detail::type_name<S>);
    S s(n, C{});
    detail::copy_out(s.data(), detail::take(in, n * sizeof(C), detail::type_name<S>));
    return s;
  }
};

template <class T>
  requires has_codec<T> && (codec<T>::min_size > 0)
struct codec<std::vector<T>> {
  using V = std::vector<T>;
  static constexpr std::size_t min_size = 8;
  static void encode(const V& v, std::vector<std::byte>& out) {
    detail::put_le(out, v.size(), 8);
    if constexpr (detail::raw<T>) {
      detail::put(out, v.data(), v.size() * sizeof(T));
    } else {
      for (const T& e : v) codec<T>::encode(e, out);
    }
  }
  static V decode(std::span<const std::byte>& in) {
    std::size_t n = detail::take_count(in, codec<T>::min_size, detail::type_name<V>);
    if constexpr (detail::raw<T> && std::default_initializable<T>) {
      auto from = detail::take(in, n * sizeof(T), detail::type_name<V>);
      if (reinterpret_cast<std::uintptr_t>(from.data()) % alignof(T) == 0) {
        // Copied straight from the bytes, without zero-filling first. The bytes' storage (an
        // array of std::byte) holds implicitly created T objects ([intro.object]): aligned,
        // they can be read as Ts. The mpi backend keeps payloads 8-aligned for this.
        const T* first = reinterpret_cast<const T*>(from.data());
        return V(first, first + n);
      }
      V v(n);
      detail::copy_out(v.data(), from);
      return v;
    } else {
      V v;
      v.reserve(n);
      for (std::size_t i = 0; i < n; ++i) v.push_back(codec<T>::decode(in));
      return v;
    }
  }
};

template <class T, std::size_t N>
  requires has_codec<T> && std::default_initializable<T>
struct codec<std::array<T, N>> {
  using A = std::array<T, N>;
  static constexpr std::size_t min_size = N * codec<T>::min_size;
  static void encode(const A& a, std::vector<std::byte>& out) {
    if constexpr (detail::raw<T>) {
      detail::put(out, a.data(), N * sizeof(T));
    } else {
      for (const T& e : a) codec<T>::encode(e, out);
    }
  }
  static A decode(std::span<const std::byte>& in) {
    A a{};
    if constexpr (detail::raw<T> && N > 0) {  // array<T, 0>::data() may be null
      detail::copy_out(a.data(), detail::take(in, N * sizeof(T), detail::type_name<A>));
    } else {
      for (T& e : a) e = codec<T>::decode(in);
    }
    return a;
  }
};

// Braced initialization evaluates its elements left to right, which is the wire order.
template <class A, class B>
  requires has_codec<A> && has_codec<B>
struct codec<std::pair<A, B>> {
  static constexpr std::size_t min_size = codec<A>::min_size + codec<B>::min_size;
  static void encode(const std::pair<A, B>& p, std::vector<std::byte>& out) {
    codec<A>::encode(p.first, out);
    codec<B>::encode(p.second, out);
  }
  static std::pair<A, B> decode(std::span<const std::byte>& in) {
    return std::pair<A, B>{codec<A>::decode(in), codec<B>::decode(in)};
  }
};

template <class... Ts>
  requires(has_codec<Ts> && ...)
struct codec<std::tuple<Ts...>> {
  static constexpr std::size_t min_size = (std::size_t{0} + ... + codec<Ts>::min_size);
  static void encode(const std::tuple<Ts...>& t, std::vector<std::byte>& out) {
    std::apply([&](const Ts&... e) { (codec<Ts>::encode(e, out), ...); }, t);
  }
  static std::tuple<Ts...> decode([[maybe_unused]] std::span<const std::byte>& in) {
    return std::tuple<Ts...>{codec<Ts>::decode(in)...};
  }
};

template <class T>
  requires has_codec<T>
struct codec<std::optional<T>> {
  using O = std::optional<T>;
  static constexpr std::size_t min_size = 1;
  static void encode(const O& o, std::vector<std::byte>& out) {
    codec<bool>::encode(o.has_value(), out);
    if (o) codec<T>::encode(*o, out);
  }
  static O decode(std::span<const std::byte>& in) {
    auto flag = std::to_integer<unsigned>(detail::take(in, 1, detail::type_name<O>)[0]);
    if (flag > 1) {
      throw codec_error(detail::type_name<O>(), "bad optional flag " + std::to_string(flag) + " (expected 0 or 1)");
    }
    if (flag == 0) return std::nullopt;
    return O(std::in_place, codec<T>::decode(in));
  }
};

template <class... Ts>
  requires(has_codec<Ts> && ...)
struct codec<std::variant<Ts...>> {
  using V = std::variant<Ts...>;
  static constexpr std::size_t min_size = 4;
  static void encode(const V& v, std::vector<std::byte>& out) {
    if (v.valueless_by_exception()) {
      throw codec_error(detail::type_name<V>(), "the variant is valueless (an exception interrupted an assignment)",
                        "encode");
    }
    detail::put_le(out, v.index(), 4);
    std::visit([&out](const auto& alt) { codec<std::remove_cvref_t<decltype(alt)>>::encode(alt, out); }, v);
  }
  static V decode(std::span<const std::byte>& in) {
    std::uint64_t k = detail::take_le(in, 4, detail::type_name<V>);
    if (k >= sizeof...(Ts)) {
      throw codec_error(detail::type_name<V>(), "bad variant index " + std::to_string(k) + " of " +
                                                    std::to_string(sizeof...(Ts)) + " alternatives");
    }
    return [&in, k]<std::size_t... I>(std::index_sequence<I...>) {
      constexpr std::array table{&alternative<I>...};
      return table[k](in);
    }(std::index_sequence_for<Ts...>{});
  }

 private:
  template <std::size_t I>
  static V alternative(std::span<const std::byte>& in) {
    return V(std::in_place_index<I>, codec<std::variant_alternative_t<I, V>>::decode(in));
  }
};

// A length first, so that the cereal form is checked whole and is never empty (min_size 8).
template <class T>
  requires detail::cereal_type<T>
struct codec<T> {
  static constexpr std::size_t min_size = 8;
  static void encode(const T& v, std::vector<std::byte>& out) {
    std::size_t at = out.size();
    detail::put_le(out, 0, 8);
    try {
      detail::cereal_out ar(out);
      ar(v);
      ar.check_lengths();
    } catch (...) {
      out.resize(at);
      detail::rethrow_about<T>("encode");
    }
    std::uint64_t n = out.size() - at - 8;
    for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::byte>(n >> (8 * i));
  }
  static T decode(std::span<const std::byte>& in) {
    std::size_t n = detail::take_count(in, 1, detail::type_name<T>);
    auto bytes = detail::take(in, n, detail::type_name<T>);
    T v{};
    detail::cereal_in ar(bytes);
    try {
      ar(v);
    } catch (...) {
      detail::rethrow_about<T>("decode");
    }
    if (ar.left() != 0) {
      throw codec_error(detail::type_name<T>(), detail::bytes_text(ar.left()) + " of its cereal form left unread");
    }
    return v;
  }
};

/// The bytes of v. Example: `auto bytes = csp::encode(std::vector<int>{1, 2, 3});`
template <has_codec T>
std::vector<std::byte> encode(const T& v) {
  std::vector<std::byte> out;
  codec<T>::encode(v, out);
  return out;
}

/// The T that `bytes` encode, all of them; csp::codec_error for anything else.
/// Example: `auto v = csp::decode<std::vector<int>>(bytes);`
template <has_codec T>
T decode(std::span<const std::byte> bytes) {
  try {
    T v = codec<T>::decode(bytes);
    if (!bytes.empty()) {
      throw codec_error(detail::type_name<T>(), "trailing bytes: " + detail::bytes_text(bytes.size()) + " after the value");
    }
    return v;
  } catch (...) {
    detail::rethrow_about<T>("decode");
  }
}

namespace detail {

/// Whether a T's value is one run of bytes, its elements', in memory: a vector or string of
/// raw elements. The mpi backend moves large ones in place (value_codec::in_place_ops).
template <class T>
inline constexpr bool contiguous = false;
template <class E>
  requires raw<E> && std::default_initializable<E>
inline constexpr bool contiguous<std::vector<E>> = true;
template <class C>
  requires raw<C>
inline constexpr bool contiguous<std::basic_string<C>> = true;

template <class T>
  requires contiguous<T>
inline constexpr value_codec::in_place_ops in_place_ops_for = {
    .bytes = [](const void* object) -> std::span<const std::byte> {
      const T& v = *static_cast<const T*>(object);
      return std::as_bytes(std::span(v.data(), v.size()));
    },
    .storage = [](void* object) -> std::span<std::byte> {
      T& v = *static_cast<T*>(object);
      return std::as_writable_bytes(std::span(v.data(), v.size()));
    },
    .adopt = [](void* value) -> void* { return new T(std::move(*static_cast<T*>(value))); },
    .make = [](std::size_t size, void* reuse) -> void* {
      using E = typename T::value_type;
      if (size % sizeof(E) != 0) {
        throw codec_error(type_name<T>(), bytes_text(size) + " is no whole number of " + std::to_string(sizeof(E)) +
                                              "-byte elements", "decode");
      }
      if (reuse == nullptr) return new T(size / sizeof(E), E{});
      static_cast<T*>(reuse)->resize(size / sizeof(E));  // fills only what it adds
      return reuse;
    },
    .settle = [](void* object, void* slot, bool move) {
      T& v = *static_cast<T*>(object);
      if (move) {
        static_cast<std::optional<T>*>(slot)->emplace(std::move(v));
      } else {
        static_cast<std::optional<T>*>(slot)->emplace(v);
      }
    },
    .destroy = [](void* object) { delete static_cast<T*>(object); },
};

/// codec<T> as a channel keeps it (detail/remote.hpp): empty when T has no codec.
template <class T>
value_codec value_codec_for() noexcept {
  value_codec c{};
  if constexpr (has_codec<T>) {
    c.encode = [](const void* value, std::vector<std::byte>& out) { codec<T>::encode(*static_cast<const T*>(value), out); };
    c.decode = [](std::span<const std::byte> bytes, void* slot) {
      static_cast<std::optional<T>*>(slot)->emplace(csp::decode<T>(bytes));
    };
    if constexpr (contiguous<T>) c.in_place = &in_place_ops_for<T>;
  }
  if constexpr (std::is_trivially_copyable_v<T>) c.fixed_size = sizeof(T);
  return c;
}

}  // namespace detail
}  // namespace csp
