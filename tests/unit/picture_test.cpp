// csp/detail/picture.hpp: drawing a picture's values as DOT and Mermaid, names that need
// escaping, the formats by extension, and rendering through Graphviz's dot program (or the DOT
// file csp writes instead where dot is missing). The conformance cases (observe_test.cpp) draw
// real networks on every backend. Also progress.hpp's status line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <csp/detail/picture.hpp>
#include <csp/detail/progress.hpp>
#include <csp/errors.hpp>

#include "support/dot.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using csp::detail::picture;

// writer "a \"quoted\" name" -> reader "back\slash" over a channel whose type has <>, and a
// shared channel with two writers and no reader.
picture sample() {
  picture p;
  p.network = "net";
  p.where = "fiber, 1 thread";
  p.processes = {{.name = "a \"quoted\" name"}, {.name = "back\\slash", .rank = 1}, {.name = "third"}};
  p.channels = {{.name = "pairs", .type = "std::pair<int, int>", .flavor = "rendezvous", .messages = 7,
                 .writers = {0}, .readers = {1}},
                {.name = "fan#in", .type = "int", .flavor = "buffered(2)", .messages = {}, .writers = {0, 2}, .readers = {}}};
  return p;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string temp_path(const std::string& name) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".dot");
  return path;
}

}  // namespace

TEST(picture, dot_escapes_names_and_reads_back_the_same) {
  const csp_test::dot_graph g = csp_test::parse_dot(csp::detail::to_dot(sample()));
  EXPECT_EQ(g.label, "network 'net' on fiber, 1 thread");
  EXPECT_THAT(g.node_labels(),
              ElementsAre("a \"quoted\" name", "back\\slash\nrank 1", "third", "fan#in\nint, buffered(2)"));
  EXPECT_THAT(g.edges_between("a \"quoted\" name", "back\\slash\nrank 1"),
              ElementsAre("pairs\nstd::pair<int, int>, rendezvous\n7 messages"));
  EXPECT_THAT(g.edges_between("third", "fan#in\nint, buffered(2)"), ElementsAre(""));
  EXPECT_EQ(g.edges.size(), 3u);
}

TEST(picture, mermaid_writes_entities_for_what_its_parser_reads_as_syntax) {
  const std::string m = csp::detail::to_mermaid(sample());
  EXPECT_THAT(m, StartsWith("---\ntitle: \"network 'net' on fiber, 1 thread\"\n---\nflowchart LR\n"));
  EXPECT_THAT(m, HasSubstr("  p0[\"a #quot;quoted#quot; name\"]\n"));
  EXPECT_THAT(m, HasSubstr("  p1[\"back\\slash<br/>rank 1\"]\n"));
  EXPECT_THAT(m, HasSubstr("  p0 -->|\"pairs<br/>std::pair#lt;int, int#gt;, rendezvous<br/>7 messages\"| p1\n"));
  EXPECT_THAT(m, HasSubstr("  c1([\"fan#35;in<br/>int, buffered(2)\"])\n  p0 --> c1\n  p2 --> c1\n"));
}

TEST(picture, the_extension_names_the_format) {
  using csp::detail::picture_format;
  EXPECT_EQ(picture_format("a.dot"), "dot");
  EXPECT_EQ(picture_format("dir.x/a.GV"), "dot");
  EXPECT_EQ(picture_format("a.mmd"), "mermaid");
  EXPECT_EQ(picture_format("a.mermaid"), "mermaid");
  EXPECT_EQ(picture_format("a.Svg"), "svg");
  EXPECT_EQ(picture_format("a.png"), "png");
  EXPECT_EQ(picture_format("a.pdf"), "pdf");
  EXPECT_EQ(picture_format("a.jpg"), "");
  EXPECT_EQ(picture_format("dir.dot/a"), "");
  EXPECT_EQ(picture_format("a"), "");
}

TEST(picture, an_unwritable_file_is_an_error_naming_it) {
  try {
    csp::detail::write_picture(sample(), "/nonexistent-dir/net.dot");
    ADD_FAILURE() << "no error";
  } catch (const csp::error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write the picture '/nonexistent-dir/net.dot'"));
  }
}

TEST(picture, svg_is_drawn_by_graphviz) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz's dot is not installed (apt-get install graphviz; scripts/setup.sh installs it)";
  }
  const std::string path = temp_path("picture.svg");
  csp::detail::write_picture(sample(), path);
  const std::string svg = read_all(path);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("back\\slash"));
  EXPECT_FALSE(std::filesystem::exists(path + ".dot"));
  std::filesystem::remove(path);
}

// Where there is no dot program, an image is written as DOT beside the file asked for, and
// stderr says so. PATH is emptied for the call, so that no dot can be found.
TEST(picture, without_graphviz_the_picture_is_written_as_dot_and_stderr_says_so) {
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  ASSERT_EQ(setenv("PATH", "/nonexistent-dir", 1), 0);
  const std::string path = temp_path("no_graphviz.png");
  ::testing::internal::CaptureStderr();
  csp::detail::write_picture(sample(), path);
  const std::string err = ::testing::internal::GetCapturedStderr();
  setenv("PATH", saved.c_str(), 1);
  EXPECT_THAT(err, HasSubstr("Graphviz's dot program is not installed"));
  EXPECT_THAT(err, HasSubstr(path + ".dot"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_THAT(read_all(path + ".dot"), StartsWith("digraph \"net\" {\n"));
  std::filesystem::remove(path + ".dot");
}

TEST(picture, a_deadlock_graph_goes_beside_the_picture_in_dot_or_its_image_format) {
  using csp::detail::deadlock_file;
  EXPECT_EQ(deadlock_file("net.dot"), "net.deadlock.dot");
  EXPECT_EQ(deadlock_file("out/net.svg"), "out/net.deadlock.svg");
  EXPECT_EQ(deadlock_file("net.PNG"), "net.deadlock.PNG");
  EXPECT_EQ(deadlock_file("net.mmd"), "net.deadlock.dot");  // the wait-for graph is DOT only
}

TEST(picture, crosses_address_spaces_as_bytes_and_checks_its_indices_there) {
  const picture p = sample();
  const picture q = csp::detail::decode_picture(csp::detail::encode_picture(p));
  EXPECT_EQ(csp::detail::to_dot(q), csp::detail::to_dot(p));
  picture bad = sample();
  bad.channels[0].readers = {7};  // no process 7
  EXPECT_THROW(csp::detail::decode_picture(csp::detail::encode_picture(bad)), csp::codec_error);
  bad = sample();
  bad.processes[0].cluster = 0;  // no cluster at all
  EXPECT_THROW(csp::detail::decode_picture(csp::detail::encode_picture(bad)), csp::codec_error);
}

// The mpi backend's merge: rank 1 ran "stage" as a sub-network of "count" and "square", which
// holds stage's end of "squares"; rank 0 saw stage as a plain process.
TEST(picture, another_address_space_adds_the_sub_networks_its_processes_ran) {
  picture top;
  top.network = "outer";
  top.processes = {{.name = "stage"}, {.name = "sink"}};
  top.channels = {{.name = "squares", .type = "long", .flavor = "rendezvous", .messages = 4, .writers = {0}, .readers = {1}}};
  picture there = top;
  there.processes[0].runs = 1;
  there.processes.push_back({.name = "count", .cluster = 0});
  there.processes.push_back({.name = "square", .cluster = 0});
  there.clusters = {{.name = "stage", .network = "stage", .parent = -1}};
  there.channels[0].writers = {3};
  there.channels.push_back({.name = "numbers", .type = "long", .flavor = "rendezvous", .messages = 4, .writers = {2}, .readers = {3}});

  picture merged = top;
  csp::detail::add_sub_networks(merged, there, 2, 1, 1);
  ASSERT_EQ(merged.processes.size(), 4u);
  EXPECT_EQ(merged.processes[0].runs, 1);
  EXPECT_EQ(merged.processes[2].name, "count");
  EXPECT_EQ(merged.processes[2].rank, 1);
  EXPECT_EQ(merged.processes[3].cluster, 0);
  ASSERT_EQ(merged.clusters.size(), 1u);
  EXPECT_THAT(merged.channels[0].writers, ElementsAre(3));  // square, not stage
  EXPECT_THAT(merged.channels[0].readers, ElementsAre(1));
  ASSERT_EQ(merged.channels.size(), 2u);
  EXPECT_THAT(merged.channels[1].writers, ElementsAre(2));
  EXPECT_THAT(merged.channels[1].readers, ElementsAre(3));
  const csp_test::dot_graph g = csp_test::parse_dot(csp::detail::to_dot(merged));
  ASSERT_EQ(g.clusters.size(), 1u);
  EXPECT_EQ(g.clusters[0].label, "stage");

  picture unchanged = top;  // a rank where no process ran a sub-network adds nothing
  csp::detail::add_sub_networks(unchanged, top, 2, 1, 2);
  EXPECT_EQ(csp::detail::to_dot(unchanged), csp::detail::to_dot(top));
}

TEST(progress, the_line_says_messages_rate_blocked_processes_and_time) {
  using namespace std::chrono_literals;
  EXPECT_EQ(csp::detail::progress_text("net", 1200, 2400.4, 2, 3, 500ms),
            "csp: 'net' 1200 messages (2400/s), 2 of 3 processes blocked, 0.5 s");
  EXPECT_EQ(csp::detail::progress_text("one", 1, 0, 0, 1, 12s), "csp: 'one' 1 message (0/s), 0 of 1 process blocked, 12.0 s");
}
