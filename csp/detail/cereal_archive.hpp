// The bytes under csp/codec.hpp: the checked reads and writes every codec is made of, and the
// cereal archive pair that carries a class with cereal serialization (rule 3 of codec.hpp).
// codec.hpp decides which codec a type gets; this file decides how bytes are written and read,
// and refuses a hostile length before anything is allocated for it.
//
// Invariants codec.hpp relies on: nothing here reads past its span. Every read goes through
// take(), which checks the bytes left first, and every length through take_count(), which
// checks that many elements fit in the bytes left before the caller allocates for them.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <cereal/cereal.hpp>
#include <csp/errors.hpp>

namespace csp::detail {

/// Names the type a message is about, computed only when the message is.
using namer = std::string (*)();

inline void put(std::vector<std::byte>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

inline void put_le(std::vector<std::byte>& out, std::uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}

inline std::string bytes_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

/// The first n bytes of in, which loses them; a codec_error about `name` if in is shorter.
inline std::span<const std::byte> take(std::span<const std::byte>& in, std::size_t n, namer name) {
  if (n > in.size()) {
    throw codec_error(name(), "truncated: needed " + bytes_text(n) + ", had " + std::to_string(in.size()));
  }
  auto head = in.first(n);
  in = in.subspan(n);
  return head;
}

inline std::uint64_t take_le(std::span<const std::byte>& in, int width, namer name) {
  auto b = take(in, static_cast<std::size_t>(width), name);
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= std::uint64_t(b[i]) << (8 * i);
  return v;
}

/// A length of elements that encode to at least min_size bytes each, checked against the bytes
/// left before the caller allocates for it.
inline std::size_t take_count(std::span<const std::byte>& in, std::size_t min_size, namer name) {
  std::uint64_t n = take_le(in, 8, name);
  if (n > in.size() / min_size) {
    throw codec_error(name(), "length " + std::to_string(n) + " does not fit in the " + bytes_text(in.size()) + " left");
  }
  return static_cast<std::size_t>(n);
}

// memcpy with a null pointer is undefined even for 0 bytes, and an empty vector's data() is null.
inline void copy_out(void* to, std::span<const std::byte> from) {
  if (!from.empty()) std::memcpy(to, from.data(), from.size());
}

// Why csp's own cereal archives and not cereal's BinaryInputArchive: cereal's loaders read a
// container's length and resize before reading any element (types/vector.hpp, string.hpp:
// `resize(size)`), so a binary archive fed 12 bytes claiming 2^40 elements allocates first and
// fails after; catching bad_alloc or cereal::Exception then is too late for a huge but
// satisfiable length. Every cereal container reads its length through a SizeTag, whose
// serialization is the archive's own: cereal_in checks it against the bytes left before the
// container sees it. The archive cannot know the element type, so the bound is one byte per
// element (decoding N bytes allocates at most N elements of a container); cereal_out enforces
// the same bound when encoding, so that a container of elements serialized to nothing fails at
// encode with a clear message instead of encoding something decode must refuse.
class cereal_out : public cereal::OutputArchive<cereal_out, cereal::AllowEmptyClassElision> {
 public:
  explicit cereal_out(std::vector<std::byte>& out) : OutputArchive(this), out_(out) {}
  void save_bytes(const void* p, std::size_t n) { put(out_, p, n); }
  void save_length(std::uint64_t n) {
    put_le(out_, n, 8);
    lengths_.emplace_back(out_.size(), n);
  }
  /// What cereal_in::load_length will check, once the whole value is written.
  void check_lengths() const {
    for (auto [after, n] : lengths_) {
      if (n > out_.size() - after) {
        throw codec_error({}, "a container of " + std::to_string(n) + " elements encodes to " +
                                  bytes_text(out_.size() - after) +
                                  " or less; decode needs one byte per element to check its "
                                  "length, and elements that serialize to nothing give none",
                          "encode");
      }
    }
  }

 private:
  std::vector<std::byte>& out_;
  std::vector<std::pair<std::size_t, std::uint64_t>> lengths_;
};

// The namer of errors inside a cereal value: none, for rethrow_about (codec.hpp) names the class.
inline std::string inside_cereal() { return {}; }

class cereal_in : public cereal::InputArchive<cereal_in, cereal::AllowEmptyClassElision> {
 public:
  explicit cereal_in(std::span<const std::byte> in) : InputArchive(this), in_(in) {}
  void load_bytes(void* p, std::size_t n) { copy_out(p, take(in_, n, inside_cereal)); }
  std::uint64_t load_length() { return take_count(in_, 1, inside_cereal); }
  std::size_t left() const noexcept { return in_.size(); }

 private:
  std::span<const std::byte> in_;
};

// The archive's own serialization of cereal's primitives, found by ADL on the archive.
template <class T>
  requires std::is_arithmetic_v<T>
void CEREAL_SAVE_FUNCTION_NAME(cereal_out& ar, const T& v) {
  ar.save_bytes(std::addressof(v), sizeof v);
}
template <class T>
  requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(cereal_in& ar, T& v) {
  if constexpr (std::same_as<T, bool>) {
    unsigned char b = 0;
    ar.load_bytes(&b, 1);
    if (b > 1) throw codec_error({}, "bad bool byte " + std::to_string(b) + " (expected 0 or 1)");
    v = b == 1;
  } else {
    ar.load_bytes(std::addressof(v), sizeof v);
  }
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(cereal_out& ar, const cereal::BinaryData<T>& b) {
  ar.save_bytes(b.data, static_cast<std::size_t>(b.size));
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(cereal_in& ar, cereal::BinaryData<T>& b) {
  ar.load_bytes(b.data, static_cast<std::size_t>(b.size));
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(cereal_out& ar, const cereal::SizeTag<T>& t) {
  ar.save_length(static_cast<std::uint64_t>(t.size));
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(cereal_in& ar, cereal::SizeTag<T>& t) {
  t.size = static_cast<std::remove_reference_t<T>>(ar.load_length());
}
template <class Archive, class T>
  requires std::same_as<Archive, cereal_in> || std::same_as<Archive, cereal_out>
void CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::NameValuePair<T>& nvp) {
  ar(nvp.value);
}

}  // namespace csp::detail

CEREAL_REGISTER_ARCHIVE(csp::detail::cereal_out)
CEREAL_REGISTER_ARCHIVE(csp::detail::cereal_in)
CEREAL_SETUP_ARCHIVE_TRAITS(csp::detail::cereal_in, csp::detail::cereal_out)
