// csp/codec.hpp: round trips of every built-in kind and of cereal types, the wire format,
// has_codec, and malformed input answered with csp::codec_error, never a crash or a big
// allocation.
#include <csp/codec.hpp>

#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <optional>

// The largest single allocation made while `tracking` is set on this thread: the proof that a
// huge claimed length fails before anything is allocated for it, satisfiable or not.
namespace {
thread_local bool tracking = false;
thread_local std::size_t largest = 0;
}  // namespace

// GCC cannot see that the delete below only ever gets the new above's pointers.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (tracking && n > largest) largest = n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Every other unaligned form too, so that no allocation made by one family is freed by the
// other (AddressSanitizer replaces the forms left out and reports the mismatch).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return operator new(n, std::nothrow); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

// A named namespace, so that type names in messages read the same under GCC and clang.
namespace codec_test {

using bytes = std::vector<std::byte>;

bytes make_bytes(std::initializer_list<int> values) {
  bytes b;
  for (int v : values) b.push_back(static_cast<std::byte>(v));
  return b;
}

bytes length(std::uint64_t n) {
  bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>(n >> (8 * i)));
  return b;
}

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class T>
void expect_round_trip(const T& v) {
  bytes b = csp::encode(v);
  EXPECT_EQ(csp::decode<T>(b), v) << csp::detail::type_name<T>();
  EXPECT_EQ(csp::encode(csp::decode<T>(b)), b) << csp::detail::type_name<T>();
}

// The message of the codec_error that decoding `b` as T throws, or a failure.
template <class T>
std::string decode_error(const bytes& b) {
  try {
    csp::decode<T>(b);
  } catch (const csp::codec_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "decoding as " << csp::detail::type_name<T>() << " succeeded";
  return {};
}

struct point {
  std::int32_t x, y;
  bool operator==(const point&) const = default;
};
enum class colour : std::uint8_t { red, green };

// Cereal types, one per way cereal offers.
struct record {
  std::string name;
  std::vector<std::int32_t> values;
  std::optional<double> weight;
  std::variant<std::monostate, std::string, std::int64_t> tag;
  bool flag = false;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, values, weight, tag, flag);
  }
  bool operator==(const record&) const = default;
};

class split {
 public:
  split() = default;
  explicit split(std::string s) : text_(std::move(s)) {}
  template <class Archive>
  void save(Archive& ar) const {
    ar(text_);
  }
  template <class Archive>
  void load(Archive& ar) {
    ar(text_);
  }
  bool operator==(const split&) const = default;

 private:
  std::string text_;
};

struct free_standing {
  std::map<std::string, std::int32_t> counts;
  bool operator==(const free_standing&) const = default;
};
template <class Archive>
void serialize(Archive& ar, free_standing& f) {
  ar(f.counts);
}

// Trivially copyable and serializable: serialize wins, so only `kept` crosses.
struct chosen {
  std::int32_t kept = 0;
  std::int32_t local = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(kept);
  }
};

// Its elements serialize to nothing, so decode could not check the length: refused at encode.
struct nothing {
  template <class Archive>
  void serialize(Archive&) {}
  bool operator==(const nothing&) const = default;
};
struct many_nothings {
  std::vector<nothing> all;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(all);
  }
  bool operator==(const many_nothings&) const = default;
};

// Its int constructor throws, to leave a variant valueless. Not trivially copyable, or the
// standard library would build it aside and never leave the variant valueless.
struct fragile {
  fragile() = default;
  explicit fragile(int) { throw 1; }
  std::string s;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(s);
  }
};

struct not_copyable_no_serialize {
  std::string s;
};

// has_codec: yes for the built-in kinds, their nesting and cereal types.
static_assert(csp::has_codec<int>);
static_assert(csp::has_codec<double>);
static_assert(csp::has_codec<bool>);
static_assert(csp::has_codec<std::byte>);
static_assert(csp::has_codec<colour>);
static_assert(csp::has_codec<point>);
static_assert(csp::has_codec<std::monostate>);
static_assert(csp::has_codec<std::string>);
static_assert(csp::has_codec<std::u16string>);
static_assert(csp::has_codec<std::vector<bool>>);
static_assert(csp::has_codec<std::vector<std::vector<std::string>>>);
static_assert(csp::has_codec<std::array<std::string, 3>>);
static_assert(csp::has_codec<std::pair<std::string, point>>);
static_assert(csp::has_codec<std::tuple<>>);
static_assert(csp::has_codec<std::optional<std::variant<std::monostate, int>>>);
static_assert(csp::has_codec<record>);
static_assert(csp::has_codec<split>);
static_assert(csp::has_codec<free_standing>);
static_assert(csp::has_codec<std::vector<record>>);
static_assert(csp::has_codec<chosen> && csp::detail::cereal_type<chosen> && std::is_trivially_copyable_v<chosen>);
// No: what points into the sender's memory, anything holding it, what is neither built in,
// cereal nor trivially copyable, and vectors of elements that encode to nothing.
static_assert(!csp::has_codec<int*>);
static_assert(!csp::has_codec<const char*>);
static_assert(!csp::has_codec<void (*)()>);
static_assert(!csp::has_codec<std::int32_t point::*>);
static_assert(!csp::has_codec<std::nullptr_t>);
static_assert(!csp::has_codec<int[3]>);
static_assert(!csp::has_codec<std::string_view>);
static_assert(!csp::has_codec<std::span<int>>);
static_assert(!csp::has_codec<std::reference_wrapper<int>>);
static_assert(!csp::has_codec<std::function<void()>>);
static_assert(!csp::has_codec<std::vector<int*>>);
static_assert(!csp::has_codec<std::optional<const char*>>);
static_assert(!csp::has_codec<std::pair<int, std::string_view>>);
static_assert(!csp::has_codec<std::tuple<int, int*>>);
static_assert(!csp::has_codec<std::variant<int, void*>>);
static_assert(!csp::has_codec<std::array<int*, 2>>);
static_assert(!csp::has_codec<not_copyable_no_serialize>);
static_assert(!csp::has_codec<std::vector<std::monostate>>);
static_assert(!csp::has_codec<std::vector<std::tuple<>>>);

TEST(codec, type_names_are_readable) {
  EXPECT_EQ(csp::detail::type_name<int>(), "int");
  EXPECT_EQ(csp::detail::type_name<std::string>(), "std::string");
  EXPECT_EQ(csp::detail::type_name<std::vector<std::string>>(), "std::vector<std::string>");
  EXPECT_EQ((csp::detail::type_name<std::map<std::string, int>>()), "std::map<std::string, int>");
  EXPECT_EQ(csp::detail::type_name<record>(), "codec_test::record");
}

TEST(codec, round_trips_trivially_copyable_types_and_bool) {
  expect_round_trip(0);
  expect_round_trip(INT64_MIN);
  expect_round_trip(3.25);
  expect_round_trip('x');
  expect_round_trip(std::byte{0xfe});
  expect_round_trip(colour::green);
  expect_round_trip(point{-1, 7});
  expect_round_trip(true);
  expect_round_trip(false);
}

TEST(codec, round_trips_strings_and_vectors) {
  expect_round_trip(std::string());
  expect_round_trip(std::string("with\0nul", 8));
  expect_round_trip(std::string(1000, 'z'));
  expect_round_trip(std::u16string(u"wide"));
  expect_round_trip(std::vector<int>());
  expect_round_trip(std::vector<int>{1, 2, 3});
  expect_round_trip(std::vector<bool>{true, false, true});
  expect_round_trip(std::vector<std::byte>{std::byte{1}, std::byte{2}});
  expect_round_trip(std::vector<point>{{1, 2}, {3, 4}});
  expect_round_trip(std::vector<std::string>{"a", "", "ccc"});
  expect_round_trip(std::vector<std::vector<int>>{{}, {1}, {2, 3}});
}

TEST(codec, round_trips_arrays_pairs_tuples) {
  expect_round_trip(std::array<int, 3>{1, 2, 3});
  expect_round_trip(std::array<int, 0>{});
  expect_round_trip(std::array<std::string, 2>{"x", "yy"});
  expect_round_trip(std::pair<std::string, int>{"k", 9});
  expect_round_trip(std::tuple<>{});
  expect_round_trip(std::tuple<int, std::string, double>{1, "two", 3.0});
}

TEST(codec, round_trips_optionals_variants_monostate) {
  expect_round_trip(std::optional<int>());
  expect_round_trip(std::optional<int>(4));
  expect_round_trip(std::optional<std::string>("s"));
  expect_round_trip(std::variant<int, std::string>(5));
  expect_round_trip(std::variant<int, std::string>("five"));
  expect_round_trip(std::variant<std::monostate, int>());
  expect_round_trip(std::variant<int, int>(std::in_place_index<1>, 3));
  expect_round_trip(std::monostate{});
}

using nested = std::vector<std::pair<std::string, std::optional<std::variant<int, std::vector<std::string>, record>>>>;

nested a_nested_value() {
  record r{"r", {1, 2}, 0.5, std::string("t"), true};
  return {{"none", std::nullopt},
          {"int", std::variant<int, std::vector<std::string>, record>(7)},
          {"strings", std::vector<std::string>{"a", "bc"}},
          {"record", r}};
}

TEST(codec, round_trips_nested_values) {
  expect_round_trip(a_nested_value());
  using other = std::tuple<std::array<std::optional<std::string>, 2>, std::variant<std::monostate, std::pair<int, bool>>>;
  expect_round_trip(other{{std::nullopt, "x"}, std::pair<int, bool>{1, true}});
}

TEST(codec, round_trips_cereal_types) {
  expect_round_trip(record{});
  expect_round_trip(record{"name", {1, -2, 3}, 1.5, std::int64_t{-9}, true});
  expect_round_trip(split("text"));
  expect_round_trip(free_standing{{{"a", 1}, {"b", 2}}});
  expect_round_trip(std::vector<record>{record{"x", {}, std::nullopt, std::monostate{}, false}});
}

TEST(codec, serialize_wins_over_trivially_copyable) {
  bytes b = csp::encode(chosen{5, 6});
  EXPECT_EQ(b.size(), 8u + 4u);
  chosen c = csp::decode<chosen>(b);
  EXPECT_EQ(c.kept, 5);
  EXPECT_EQ(c.local, 0);
}

TEST(codec, wire_format) {
  EXPECT_EQ(csp::encode(std::string("ab")), length(2) + make_bytes({'a', 'b'}));
  EXPECT_EQ(csp::encode(true), make_bytes({1}));
  EXPECT_EQ(csp::encode(std::optional<std::uint8_t>(7)), make_bytes({1, 7}));
  EXPECT_EQ(csp::encode(std::optional<std::uint8_t>()), make_bytes({0}));
  EXPECT_EQ(csp::encode(std::variant<std::int8_t, std::uint8_t>(std::uint8_t{5})), make_bytes({1, 0, 0, 0, 5}));
  EXPECT_EQ(csp::encode(std::pair<std::uint8_t, bool>(3, false)), make_bytes({3, 0}));
  EXPECT_EQ(csp::encode(std::monostate{}), bytes());
  EXPECT_EQ(csp::encode(std::vector<std::uint8_t>{9, 8}), length(2) + make_bytes({9, 8}));
  std::int32_t native = 0x01020304;
  bytes raw(sizeof native);
  std::memcpy(raw.data(), &native, sizeof native);
  EXPECT_EQ(csp::encode(native), raw);
  // A cereal value: its length, then cereal's binary form (here one int32).
  EXPECT_EQ(csp::encode(chosen{native, 0}), length(4) + raw);
}

TEST(codec, encode_appends) {
  bytes out = make_bytes({42});
  csp::codec<std::string>::encode("a", out);
  EXPECT_EQ(out, make_bytes({42}) + length(1) + make_bytes({'a'}));
}

TEST(codec, truncated_input_says_what_was_needed) {
  EXPECT_EQ(decode_error<std::int32_t>(make_bytes({1, 2, 3})), "cannot decode int: truncated: needed 4 bytes, had 3");
  EXPECT_EQ(decode_error<std::string>(make_bytes({1, 0})), "cannot decode std::string: truncated: needed 8 bytes, had 2");
  EXPECT_EQ(decode_error<bool>(bytes()), "cannot decode bool: truncated: needed 1 byte, had 0");
  EXPECT_EQ(decode_error<std::vector<std::optional<std::int32_t>>>(length(1) + make_bytes({1, 7, 0})),
            "cannot decode std::vector<std::optional<int>>: int: truncated: needed 4 bytes, had 2");
  EXPECT_EQ(decode_error<std::vector<std::string>>(length(1) + length(5) + make_bytes({1, 0})),
            "cannot decode std::vector<std::string>: std::string: length 5 does not fit in the 2 bytes left");
  EXPECT_EQ(decode_error<std::vector<std::string>>(length(2) + length(0)),
            "cannot decode std::vector<std::string>: length 2 does not fit in the 8 bytes left");
}

TEST(codec, bad_flags_indexes_and_trailing_bytes) {
  EXPECT_EQ((decode_error<std::variant<int, std::string>>(make_bytes({7, 0, 0, 0}))),
            "cannot decode std::variant<int, std::string>: bad variant index 7 of 2 alternatives");
  EXPECT_EQ(decode_error<std::optional<int>>(make_bytes({2, 0, 0, 0, 0})),
            "cannot decode std::optional<int>: bad optional flag 2 (expected 0 or 1)");
  EXPECT_EQ(decode_error<bool>(make_bytes({0xff})), "cannot decode bool: bad bool byte 255 (expected 0 or 1)");
  EXPECT_EQ(decode_error<std::int32_t>(make_bytes({1, 2, 3, 4, 5})), "cannot decode int: trailing bytes: 1 byte after the value");
  EXPECT_EQ(decode_error<std::vector<bool>>(length(1) + make_bytes({3})),
            "cannot decode std::vector<bool>: bool: bad bool byte 3 (expected 0 or 1)");
}

TEST(codec, codec_error_carries_type_and_reason) {
  try {
    csp::decode<std::optional<int>>(make_bytes({9}));
    FAIL() << "decoded";
  } catch (const csp::codec_error& e) {
    EXPECT_EQ(e.type(), "std::optional<int>");
    EXPECT_EQ(e.reason(), "bad optional flag 9 (expected 0 or 1)");
    const csp::error& base = e;
    EXPECT_STREQ(base.what(), "cannot decode std::optional<int>: bad optional flag 9 (expected 0 or 1)");
  }
}

TEST(codec, malformed_cereal_forms) {
  bytes good = csp::encode(record{"n", {1}, std::nullopt, std::monostate{}, true});
  bytes cut(good.begin(), good.end() - 1);
  EXPECT_EQ(decode_error<record>(cut), "cannot decode codec_test::record: length " + std::to_string(good.size() - 8) +
                                           " does not fit in the " + std::to_string(good.size() - 9) + " bytes left");
  // The same bytes, the form's length shortened to match: truncated inside cereal.
  bytes inner = length(good.size() - 9) + bytes(good.begin() + 8, good.end() - 1);
  EXPECT_EQ(decode_error<record>(inner), "cannot decode codec_test::record: truncated: needed 1 byte, had 0");
  bytes bad_bool = good;
  bad_bool.back() = std::byte{2};
  EXPECT_EQ(decode_error<record>(bad_bool), "cannot decode codec_test::record: bad bool byte 2 (expected 0 or 1)");
  bytes extra = length(good.size() - 7) + bytes(good.begin() + 8, good.end()) + make_bytes({0});
  EXPECT_EQ(decode_error<record>(extra), "cannot decode codec_test::record: 1 byte of its cereal form left unread");
  // cereal's own checks become codec_errors too: the variant index sits after name, values
  // (one int32) and the optional's flag.
  bytes bad_index = good;
  std::size_t index_at = 8 + (8 + 1) + (8 + 4) + 1;
  bad_index[index_at] = std::byte{9};
  EXPECT_EQ(decode_error<record>(bad_index),
            "cannot decode codec_test::record: Invalid 'index' selector when deserializing std::variant");
}

TEST(codec, elements_that_serialize_to_nothing_fail_at_encode) {
  bytes out = make_bytes({1});
  try {
    csp::codec<many_nothings>::encode(many_nothings{std::vector<nothing>(3)}, out);
    FAIL() << "encoded";
  } catch (const csp::codec_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot encode codec_test::many_nothings: a container of 3 elements encodes to 0 bytes or less; "
              "decode needs one byte per element to check its length, and elements that serialize to nothing "
              "give none");
  }
  EXPECT_EQ(out, make_bytes({1}));
  expect_round_trip(many_nothings{});
}

TEST(codec, valueless_variant_fails_at_encode) {
  std::variant<int, fragile> v;
  EXPECT_ANY_THROW(v.emplace<1>(1));
  ASSERT_TRUE(v.valueless_by_exception());
  EXPECT_THROW(csp::encode(v), csp::codec_error);
}

// Every claimed length is checked against the bytes left before anything is allocated for it:
// neither a hopeless 2^60 nor a satisfiable 2^27 elements allocate more than a few bytes.
TEST(codec, huge_claimed_lengths_fail_without_allocating) {
  auto expect_cheap_failure = [](auto decode, const bytes& b) {
    largest = 0;
    tracking = true;
    EXPECT_THROW(decode(b), csp::codec_error);
    tracking = false;
    EXPECT_LT(largest, 1024u);
  };
  for (std::uint64_t n : {std::uint64_t{1} << 60, std::uint64_t{1} << 27, ~std::uint64_t{0}}) {
    bytes b = length(n) + make_bytes({1, 2, 3, 4});
    expect_cheap_failure([](const bytes& in) { csp::decode<std::vector<std::uint64_t>>(in); }, b);
    expect_cheap_failure([](const bytes& in) { csp::decode<std::string>(in); }, b);
    expect_cheap_failure([](const bytes& in) { csp::decode<std::vector<std::string>>(in); }, b);
    expect_cheap_failure([](const bytes& in) { csp::decode<std::vector<bool>>(in); }, b);
    expect_cheap_failure([](const bytes& in) { csp::decode<record>(in); }, b);
    // Inside cereal: the form's length is honest, the string's length inside it is not.
    expect_cheap_failure([](const bytes& in) { csp::decode<split>(in); }, length(12) + b);
    expect_cheap_failure([](const bytes& in) { csp::decode<free_standing>(in); }, length(12) + b);
  }
}

TEST(codec, every_prefix_of_a_nested_encoding_fails_cleanly) {
  bytes whole = csp::encode(a_nested_value());
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_THROW(csp::decode<nested>(std::span(whole).first(n)), csp::codec_error) << "prefix of " << n;
  }
}

// Every byte replaced by a few values: a codec_error or a value, nothing else.
TEST(codec, every_corrupted_byte_fails_cleanly_or_decodes) {
  const bytes whole = csp::encode(a_nested_value());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    for (int v : {0x00, 0x01, 0x02, 0x7f, 0xff}) {
      bytes b = whole;
      b[i] = static_cast<std::byte>(v);
      try {
        csp::decode<nested>(b);
      } catch (const csp::codec_error&) {
      }
    }
  }
}

// A vector of trivially copyable elements is read in place when its bytes are aligned for the
// element, and copied out when they are not: both give the same values.
TEST(codec, vectors_decode_from_aligned_and_unaligned_bytes) {
  const std::vector<double> v{1.5, -2.25, 1e300, 0.0, 42.0};
  const std::vector<std::byte> bytes = csp::encode(v);
  for (std::size_t shift = 0; shift < alignof(double) + 1; ++shift) {
    std::vector<std::byte> storage(bytes.size() + 16);
    const auto base = reinterpret_cast<std::uintptr_t>(storage.data());
    const std::size_t at = (alignof(double) - base % alignof(double)) % alignof(double) + shift;
    std::memcpy(storage.data() + at, bytes.data(), bytes.size());
    EXPECT_EQ(csp::decode<std::vector<double>>(std::span<const std::byte>(storage).subspan(at, bytes.size())), v)
        << "payload at " << shift << " bytes past an 8-aligned address";
  }
}

// What the mpi backend moves large values in place with (value_codec::in_place_ops): only
// vectors and strings of trivially copyable elements have it; their bytes are their storage; a
// T made to receive into is the size asked, and one reused keeps its storage; a size that is no
// whole number of elements is a codec_error; settle moves or copies into a receive's slot.
TEST(codec, in_place_ops_move_contiguous_values_without_encoding) {
  EXPECT_EQ(csp::detail::value_codec_for<int>().in_place, nullptr);
  EXPECT_EQ(csp::detail::value_codec_for<std::vector<std::string>>().in_place, nullptr);
  EXPECT_EQ(csp::detail::value_codec_for<std::vector<bool>>().in_place, nullptr);
  ASSERT_NE(csp::detail::value_codec_for<std::string>().in_place, nullptr);
  const csp::detail::value_codec c = csp::detail::value_codec_for<std::vector<std::uint32_t>>();
  ASSERT_NE(c.in_place, nullptr);
  const auto& ops = *c.in_place;

  std::vector<std::uint32_t> sent{1, 2, 3, 4};
  const std::uint32_t* storage = sent.data();
  void* held = ops.adopt(&sent);
  EXPECT_TRUE(sent.empty()) << "adopt moves the value out of the sender";
  EXPECT_EQ(ops.bytes(held).data(), reinterpret_cast<const std::byte*>(storage)) << "no copy";
  EXPECT_EQ(ops.bytes(held).size(), 16u);

  void* made = ops.make(8, held);  // reuse: the sent vector's storage, resized to 2 elements
  EXPECT_EQ(made, held);
  EXPECT_EQ(ops.storage(made).size(), 8u);
  EXPECT_EQ(ops.storage(made).data(), reinterpret_cast<std::byte*>(const_cast<std::uint32_t*>(storage)));
  const std::uint32_t incoming[2] = {7, 9};
  std::memcpy(ops.storage(made).data(), incoming, sizeof incoming);

  std::optional<std::vector<std::uint32_t>> copied, moved;
  ops.settle(made, &copied, false);
  EXPECT_EQ(copied, (std::vector<std::uint32_t>{7, 9}));
  ops.settle(made, &moved, true);
  EXPECT_EQ(moved, (std::vector<std::uint32_t>{7, 9}));
  EXPECT_EQ(moved->data(), storage) << "settle moves: the receive gets the storage received into";
  ops.destroy(made);

  EXPECT_THROW(ops.make(6, nullptr), csp::codec_error);
  void* fresh = ops.make(12, nullptr);
  EXPECT_EQ(ops.bytes(fresh).size(), 12u);
  ops.destroy(fresh);
}

}  // namespace codec_test
