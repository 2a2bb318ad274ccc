// Fuzzes csp::decode, what the mpi backend runs on the bytes another rank sent. The first byte
// of the input picks one of the types below, the rest is decoded as that type. csp::codec_error
// is the expected answer to malformed bytes; anything else that escapes (another exception, a
// crash, an out-of-bounds read, undefined behaviour, an allocation over -malloc_limit_mb) is a
// bug. A decode that succeeds must re-encode to the very same bytes, which every type here
// guarantees (no padding, no cereal std::map): the target aborts otherwise.
//
// The types cover each codec of csp/codec.hpp, alone and nested: raw bytes, bool, strings,
// vectors (memcpy and element-wise), arrays, pairs, tuples, optionals, variants, monostate, and
// a cereal type read through csp's checking archive, inside and outside built-in containers.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <csp/codec.hpp>

namespace codec_fuzz {

struct point {
  std::int32_t x, y;
};

struct record {
  std::string name;
  std::vector<std::int32_t> values;
  std::optional<std::string> note;
  std::variant<std::monostate, std::string, std::int64_t> tag;
  std::vector<bool> bits;
  bool flag = false;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, values, note, tag, bits, flag);
  }
};

// Index = the first input byte modulo the count.
using kinds = std::tuple<
    std::vector<std::string>,
    std::tuple<std::optional<std::int32_t>, std::variant<std::monostate, std::string, double>, std::array<std::uint16_t, 3>>,
    std::vector<std::pair<std::string, std::vector<std::int32_t>>>,
    record,
    std::optional<std::vector<std::variant<bool, std::int64_t, std::string>>>,
    std::vector<std::optional<record>>,
    std::pair<std::u16string, std::vector<bool>>,
    std::tuple<point, std::array<std::string, 2>, std::vector<std::vector<std::uint8_t>>>>;

template <class T>
void check(std::span<const std::byte> in) {
  std::optional<T> value;
  try {
    value.emplace(csp::decode<T>(in));
  } catch (const csp::codec_error&) {
    return;
  }
  std::vector<std::byte> again = csp::encode(*value);
  if (again.size() != in.size() || !std::equal(again.begin(), again.end(), in.begin())) {
    std::fprintf(stderr, "%s: decoded %zu bytes, re-encoded to %zu different ones\n",
                 csp::detail::type_name<T>().c_str(), in.size(), again.size());
    std::abort();
  }
}

template <std::size_t... I>
void check_as(std::size_t kind, std::span<const std::byte> in, std::index_sequence<I...>) {
  ((kind == I ? check<std::tuple_element_t<I, kinds>>(in) : void()), ...);
}

}  // namespace codec_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::size_t count = std::tuple_size_v<codec_fuzz::kinds>;
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  codec_fuzz::check_as(data[0] % count, in, std::make_index_sequence<count>{});
  return 0;
}
