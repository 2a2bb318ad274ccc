// The config file reader: read_toml parses the file with toml++ and checks every key and value
// into a pending config (file_reader), naming file:line:column in each error; toml_stand_ins
// works around toml++ 3.3's undefined behaviour on some non-ASCII characters. It is a file of
// its own so that toml++, and what the fuzz build does to it, stay in one place; config.cpp
// orders the sources and reads the flags, and config_file.hpp is what the two share.
#include "config_file.hpp"

#include <csp/detail/picture.hpp>

// The fuzz build instruments everything for coverage (-fsanitize=fuzzer-no-link), but Debian's
// toml++ is a prebuilt shared library that the fuzzer and the sanitizers cannot see into; there
// toml++ is compiled from its headers instead. Other builds use the shared library.
#if defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#endif
#endif
#include <toml++/toml.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace csp::detail {

std::string toml_key(std::string_view k) {
  auto bare = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  if (!k.empty() && std::all_of(k.begin(), k.end(), bare)) return std::string(k);
  std::string s = "\"";
  for (unsigned char c : k) {
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      s += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
    } else {
      s += static_cast<char>(c);
    }
  }
  return s + '"';
}

namespace {

constexpr std::size_t max_file_bytes = std::size_t{1} << 20;

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// toml++ 3.3 executes __builtin_unreachable (undefined behaviour; in practice any answer) when
// it asks whether one of the 3019 code points of hazardous() is whitespace, which it asks
// wherever whitespace may stand and after a line-ending backslash in a multi-line string: `x = 1é`
// and `"k"é = 1` (found by fuzz/config_file.cpp), but also the valid `s = """\` + newline +
// `§"""` (upstream: marzer/tomlplusplus issues 190 and 295). None of them is
// whitespace, so toml++ is handed a stand-in for each: the same code point moved up into a
// supplementary private-use plane, where toml++ answers at once. One code point for one keeps
// every line and column; what csp keeps of the document (keys, the backend, toml++'s messages)
// gets the originals back. A plane the document itself uses, raw or as a \U escape, is not
// used for stand-ins, so that restore() cannot mistake a character of the file for one.
class toml_stand_ins {
 public:
  toml_stand_ins(std::string_view text, std::string_view file) {
    bool any = false;
    std::array<bool, 2> used{};  // planes 15 and 16
    auto note = [&](char32_t c) {
      if (c >= 0xF0000) used[c >> 16 == 15 ? 0 : 1] = true;
    };
    for (std::size_t i = 0; i < text.size();) {
      const auto [c, n] = decode(text, i);
      any = any || hazardous(c);
      note(c);
      if (c == '\\' && i + 10 <= text.size() && text[i + 1] == 'U') {
        std::uint32_t escaped = 0;
        const auto [end, ec] = std::from_chars(text.data() + i + 2, text.data() + i + 10, escaped, 16);
        if (ec == std::errc() && end == text.data() + i + 10) note(escaped);
      }
      i += std::max<std::size_t>(n, 1);
    }
    if (!any) {
      text_ = text;
      return;
    }
    if (used[0] && used[1]) {
      throw bad_config(fmt::format(
          "{}: csp cannot read this file: it holds characters of both planes from U+F0000 up, which csp needs "
          "for stand-ins of characters such as U+00E9 that toml++ 3.3 mishandles",
          file));
    }
    base_ = used[0] ? 0x100000 : 0xF0000;
    for (std::size_t i = 0; i < text.size();) {
      const auto [c, n] = decode(text, i);
      if (hazardous(c)) {
        text_ += encode(base_ + c);
      } else {
        text_.append(text.substr(i, std::max<std::size_t>(n, 1)));
      }
      i += std::max<std::size_t>(n, 1);
    }
  }

  const std::string& text() const { return text_; }

  // `s`, a piece of the document as toml++ read it, with the original characters back.
  std::string restore(std::string_view s) const {
    if (base_ == 0) return std::string(s);
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      const auto [c, n] = decode(s, i);
      if (c >= base_ && c - base_ <= 0xFFFF && hazardous(c - base_)) {
        out += encode(c - base_);
      } else {
        out.append(s.substr(i, std::max<std::size_t>(n, 1)));
      }
      i += std::max<std::size_t>(n, 1);
    }
    return out;
  }

 private:
  // The code points that reach the unreachable default of toml++'s
  // impl::is_non_ascii_horizontal_whitespace.
  static bool hazardous(char32_t c) {
    return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) || (c >= 0xFB26 && c <= 0xFEFE);
  }

  // The code point of the well-formed UTF-8 sequence at s[i], and its length; {0, 0} if none.
  static std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
    static constexpr std::array<char32_t, 5> least{0, 0, 0x80, 0x800, 0x10000};
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || n > s.size() - i) return {0, 0};
    char32_t c = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return {0, 0};
      c = (c << 6) | (b & 0x3F);
    }
    if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return {0, 0};
    return {c, n};
  }

  static std::string encode(char32_t c) {
    std::string s;
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else if (c < 0x800) {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      s += static_cast<char>(0xE0 | (c >> 12));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (c >> 18));
      s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
    return s;
  }

  char32_t base_ = 0;  // 0: no stand-ins
  std::string text_;
};

// Reads one parsed TOML document into a pending config, checking every key and value and
// naming file:line:column in each error. `path` arguments are the dotted key of a node.
class file_reader {
 public:
  file_reader(std::string_view file, const toml_stand_ins& doc, pending& p) : file_(file), doc_(doc), p_(p) {}

  void read(const toml::table& root) {
    for (const auto& [k, v] : in_file_order(root)) {
      const std::string path = name(*k);
      if (k->str() == "backend") {
        const auto* s = v->as_string();
        if (s == nullptr) wrong_type(*v, path, fmt::format("a string: {}", join(config::known_backends())));
        p_.cfg.backend = doc_.restore(s->get());
        p_.backend_from = fmt::format("{}: backend", where(v->source()));
      } else if (k->str() == "threads") {
        p_.cfg.threads = static_cast<int>(integer(*v, path, 1, max_threads, accepted_threads));
      } else if (k->str() == "graph") {
        const auto* s = v->as_string();
        if (s == nullptr) wrong_type(*v, path, accepted_graph);
        std::string file = doc_.restore(s->get());
        if (picture_format(file).empty()) {
          fail(v->source(), fmt::format("graph = '{}' is not a picture file; accepted: {}", file, accepted_graph));
        }
        p_.cfg.graph = std::move(file);
      } else if (k->str() == "trace") {
        const auto* s = v->as_string();
        if (s == nullptr) wrong_type(*v, path, accepted_trace);
        std::string file = doc_.restore(s->get());
        if (!is_trace_file(file)) {
          fail(v->source(), fmt::format("trace = '{}' is not a trace file; accepted: {}", file, accepted_trace));
        }
        p_.cfg.trace = std::move(file);
      } else if (k->str() == "trace_limit") {
        p_.cfg.trace_limit = static_cast<std::size_t>(
            integer(*v, path, static_cast<std::int64_t>(min_trace_limit), static_cast<std::int64_t>(max_trace_limit), accepted_trace_limit));
      } else if (k->str() == "stats") {
        p_.cfg.stats = boolean(*v, path);
      } else if (k->str() == "progress") {
        p_.cfg.progress = boolean(*v, path);
      } else if (k->str() == "mpi") {
        read_mpi(table(*v, path, "a table with the keys placement, failure_timeout_ms"));
      } else if (k->str() == "cuda") {
        read_cuda(table(*v, path, "a table with the keys require_device, batch, streams"));
      } else {
        unknown(*k, path, "at the top level: backend, threads, graph, trace, trace_limit, stats, progress, [mpi], [cuda]");
      }
    }
  }

 private:
  using entry = std::pair<const toml::key*, const toml::node*>;

  // toml::table keeps its keys sorted; placement rules, and the first error, go by the file.
  static std::vector<entry> in_file_order(const toml::table& t) {
    std::vector<entry> v;
    for (const auto& [k, n] : t) v.emplace_back(&k, &n);
    std::stable_sort(v.begin(), v.end(), [](const entry& a, const entry& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return std::pair(x.line, x.column) < std::pair(y.line, y.column);
    });
    return v;
  }

  void read_mpi(const toml::table& t) {
    for (const auto& [k, v] : in_file_order(t)) {
      const std::string path = "mpi." + name(*k);
      if (k->str() == "failure_timeout_ms") {
        p_.cfg.mpi.failure_timeout_ms =
            static_cast<int>(integer(*v, path, 100, max_failure_timeout_ms, accepted_failure_timeout));
        continue;
      }
      if (k->str() != "placement") unknown(*k, path, "in [mpi]: placement, failure_timeout_ms");
      for (const auto& [pattern, ranks] : in_file_order(table(*v, path, "a table of process-name patterns to ranks"))) {
        p_.cfg.mpi.placement.push_back({doc_.restore(pattern->str()), read_ranks(*ranks, path + "." + name(*pattern))});
      }
    }
  }

  std::vector<int> read_ranks(const toml::node& v, const std::string& path) {
    constexpr std::int64_t max_rank = INT_MAX;
    if (v.is_integer()) return {static_cast<int>(integer(v, path, 0, max_rank, accepted_ranks))};
    const auto* a = v.as_array();
    if (a == nullptr) wrong_type(v, path, accepted_ranks);
    if (a->empty()) fail(v.source(), fmt::format("{} is an empty array; accepted: {}", path, accepted_ranks));
    std::vector<int> ranks;
    for (std::size_t i = 0; i < a->size(); ++i) {
      ranks.push_back(static_cast<int>(integer(*a->get(i), fmt::format("{}[{}]", path, i), 0, max_rank, accepted_ranks)));
    }
    return ranks;
  }

  void read_cuda(const toml::table& t) {
    for (const auto& [k, v] : in_file_order(t)) {
      const std::string path = "cuda." + name(*k);
      if (k->str() == "require_device") {
        p_.cfg.cuda.require_device = boolean(*v, path);
      } else if (k->str() == "batch") {
        p_.cfg.cuda.batch = static_cast<std::size_t>(integer(*v, path, 1, INT64_MAX, accepted_batch));
      } else if (k->str() == "streams") {
        p_.cfg.cuda.streams = static_cast<int>(integer(*v, path, 1, max_streams, accepted_streams));
      } else {
        unknown(*k, path, "in [cuda]: require_device, batch, streams");
      }
    }
  }

  std::int64_t integer(const toml::node& v, const std::string& path, std::int64_t lo, std::int64_t hi,
                       std::string_view accepted) const {
    const auto* i = v.as_integer();
    if (i == nullptr) wrong_type(v, path, accepted);
    if (i->get() < lo || i->get() > hi) {
      fail(v.source(), fmt::format("{} = {} is out of range; accepted: {}", path, i->get(), accepted));
    }
    return i->get();
  }

  const toml::table& table(const toml::node& v, const std::string& path, std::string_view accepted) const {
    const auto* t = v.as_table();
    if (t == nullptr) wrong_type(v, path, accepted);
    return *t;
  }

  std::string name(const toml::key& k) const { return toml_key(doc_.restore(k.str())); }

  std::string where(const toml::source_region& at) const {
    return fmt::format("{}:{}:{}", file_, at.begin.line, at.begin.column);
  }
  [[noreturn]] void fail(const toml::source_region& at, const std::string& message) const {
    throw bad_config(fmt::format("{}: {}", where(at), message));
  }
  bool boolean(const toml::node& v, const std::string& path) const {
    const auto* b = v.as_boolean();
    if (b == nullptr) wrong_type(v, path, "true or false");
    return b->get();
  }
  [[noreturn]] void wrong_type(const toml::node& v, const std::string& path, std::string_view accepted) const {
    fail(v.source(), fmt::format("{} is {}; accepted: {}", path, type_name(v.type()), accepted));
  }
  [[noreturn]] void unknown(const toml::key& k, const std::string& path, std::string_view accepted) const {
    fail(k.source(), fmt::format("unknown key '{}'; accepted {}", path, accepted));
  }

  std::string_view file_;
  const toml_stand_ins& doc_;
  pending& p_;
};

}  // namespace

void read_toml(std::string_view text, std::string_view file, pending& p) {
  const toml_stand_ins doc(text, file);
  toml::table root;
  try {
    root = toml::parse(doc.text(), file);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw bad_config(
        fmt::format("{}:{}:{}: TOML syntax error: {}", file, at.line, at.column, doc.restore(e.description())));
  }
  p.cfg.file = file;
  file_reader(file, doc, p).read(root);
}

std::string read_whole_file(const std::string& path) {
  struct closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw std::system_error(errno, std::generic_category());
  std::string text;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f.get())) {
    text.append(buffer.data(), n);
    if (text.size() > max_file_bytes) {
      throw std::runtime_error(fmt::format("it is larger than {} bytes, too large for a config file", max_file_bytes));
    }
  }
  if (std::ferror(f.get())) throw std::system_error(errno, std::generic_category());
  return text;
}

}  // namespace csp::detail
