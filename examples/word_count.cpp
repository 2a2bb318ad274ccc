// MapReduce word count over a text file.
//
// The Python recipe: MapReduce (with multiprocessing); a map step splits the text into words,
// a shuffle gathers each word's occurrences in one place, and a reduce step counts them.
//
// Here each step is a set of processes. The reader sends the file's lines; a free mapper
// takes the next line, splits it into words (lower case, letters and apostrophes) and
// shuffles them: each word goes to the reducer that hash(word) % r names, so all occurrences
// of a word meet in one reducer. Each reducer counts its words and, at end-of-stream, sends
// its counts to the collector.
//
//   reader --lines (buffered 16)--> mapper[0..m-1] --"words[k]" (shared)--> reducer[k]   for k < r
//   reducer[0..r-1] --counts (shared)--> collector
//
// Termination is the end of the stream flowing through: the reader retires `lines` after the
// last line; each mapper then ends, and once every mapper has, the reducers see the end of
// their streams, send their counts and end; then the collector sees the end of `counts`.
//
// The collector checks that no word came from two reducers (the shuffle's promise) and that
// the counts are what a sequential count of the file finds, prints the most frequent words,
// and ends with
//
//   word_count: channels.txt, 485 words, 191 distinct, by 3 mappers and 2 reducers, as a sequential count finds: ok
//
// The default file is examples/data/channels.txt, a short text about process networks.
//
//   word_count [--file=PATH] [--mappers=M] [--reducers=R] [--top=K] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

#ifndef WORD_COUNT_DEFAULT_FILE
#define WORD_COUNT_DEFAULT_FILE "examples/data/channels.txt"
#endif

namespace {

using counts = std::map<std::string, std::size_t>;

/// The words of a line: runs of letters and apostrophes, in lower case.
std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : line + ' ') {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c) || (c == '\'' && !word.empty())) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      while (word.back() == '\'') word.pop_back();
      words.push_back(std::move(word));
      word.clear();
    }
  }
  return words;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open --file=" + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(std::move(line));
  return lines;
}

void reader(const std::vector<std::string>& lines, csp::writer<std::string> out) {
  for (const std::string& line : lines) out.send(line);
}

void mapper(csp::reader<std::string> lines, std::vector<csp::writer<std::vector<std::string>>> reducers) {
  std::vector<std::vector<std::string>> shuffled(reducers.size());
  for (std::string& line : lines) {
    for (std::string& word : words_of(line)) {
      shuffled[std::hash<std::string>{}(word) % reducers.size()].push_back(std::move(word));
    }
    for (std::size_t k = 0; k < reducers.size(); ++k) {
      if (shuffled[k].empty()) continue;
      reducers[k].send(std::move(shuffled[k]));
      shuffled[k].clear();
    }
  }
}

void reducer(csp::reader<std::vector<std::string>> words, csp::writer<counts> out) {
  counts mine;
  for (const std::vector<std::string>& some : words) {
    for (const std::string& word : some) ++mine[word];
  }
  out.send(std::move(mine));
}

struct summary {
  std::string file;
  std::size_t mappers;
  std::size_t reducers;
  std::size_t top;
};

void collector(const std::vector<std::string>& lines, summary s, csp::reader<counts> partial) {
  counts all;
  std::size_t parts = 0;
  for (counts& part : partial) {
    ++parts;
    for (auto& [word, n] : part) {
      if (!all.emplace(word, n).second) {
        throw std::runtime_error("'" + word + "' came from two reducers");
      }
    }
  }
  if (parts != s.reducers) throw std::runtime_error(std::to_string(parts) + " reducers sent their counts");
  counts expected;
  std::size_t total = 0;
  for (const std::string& line : lines) {
    for (std::string& word : words_of(line)) {
      ++expected[word];
      ++total;
    }
  }
  if (all != expected) throw std::runtime_error("the counts differ from a sequential count");

  std::vector<std::pair<std::string, std::size_t>> ranked(all.begin(), all.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  ranked.resize(std::min(ranked.size(), s.top));
  for (const auto& [word, n] : ranked) std::cout << n << ' ' << word << '\n';
  std::cout << "word_count: " << std::filesystem::path(s.file).filename().string() << ", " << total
            << " words, " << all.size() << " distinct, by " << s.mappers << " mappers and " << s.reducers
            << " reducers, as a sequential count finds: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"file", "mappers", "reducers", "top"});
  const std::string file = flags.text("file", WORD_COUNT_DEFAULT_FILE);
  const int mappers = flags.integer("mappers", 3);
  const int reducers = flags.integer("reducers", 2);
  const int top = flags.integer("top", 5);
  if (mappers < 1 || reducers < 1 || top < 0) {
    throw std::invalid_argument("need --mappers >= 1, --reducers >= 1 and --top >= 0");
  }
  const std::vector<std::string> lines = read_lines(file);

  csp::network net("word_count");
  auto line_channel = net.channel<std::string>("lines", csp::buffered(16));
  auto count_channel = net.channel<counts>("counts");
  std::vector<csp::writer<std::vector<std::string>>> to_reducers;
  for (int k = 0; k < reducers; ++k) {
    auto words = net.channel<std::vector<std::string>>("words[" + std::to_string(k) + "]");
    to_reducers.push_back(words.writer());
    net.spawn("reducer[" + std::to_string(k) + "]", reducer, words.reader(), count_channel.writer());
  }
  net.spawn("reader", reader, std::cref(lines), line_channel.writer());
  net.spawn_n(static_cast<std::size_t>(mappers), "mapper", mapper, line_channel.reader(), to_reducers);
  to_reducers.clear();  // the mappers hold their own copies
  net.spawn("collector", collector, std::cref(lines),
            summary{file, static_cast<std::size_t>(mappers), static_cast<std::size_t>(reducers),
                    static_cast<std::size_t>(top)},
            count_channel.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "word_count: " << e.what() << '\n';
  return 1;
}
