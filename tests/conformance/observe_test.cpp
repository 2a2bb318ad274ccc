// Conformance: seeing a network (DESIGN.md section 5, docs/observability.md). --csp-graph
// draws the network as it starts and again, with message counts, once it has ended; the
// cases read the file back (tests/support/dot.hpp parses the DOT csp writes) and check its
// processes, channels, counts and clusters against the network that ran.
//
// On mpi, rank 0 draws the network with each process's rank and the counts summed over the
// ranks; a sub-network, which ran inside one rank's process, comes from that rank's picture.
// The cases check the file on rank 0 (OMPI_COMM_WORLD_RANK, which mpirun sets), where the
// processes' ranks are taken off their labels and checked against the placement.
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance/conformance.hpp"
#include "support/dot.hpp"
#include "support/outputs.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

/// The picture in `path`. On mpi, each process's label ends with its rank ("count\nrank 1"):
/// that line is checked (a rank of the run) and taken off, so that cases compare names.
csp_test::dot_graph read_graph(const std::string& path, bool mpi) {
  csp_test::dot_graph g = csp_test::parse_dot(csp_test::read_all(path));
  if (!mpi) return g;
  for (auto& n : g.nodes) {
    if (n.id.starts_with("c")) continue;  // a channel
    const std::size_t at = n.label.rfind("\nrank ");
    EXPECT_NE(at, std::string::npos) << "no rank in " << n.label;
    if (at == std::string::npos) continue;
    const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
    const int rank = std::stoi(n.label.substr(at + 6));
    EXPECT_GE(rank, 0) << n.label;
    if (size != nullptr) {
      EXPECT_LT(rank, std::atoi(size)) << n.label;
    }
    n.label.resize(at);
  }
  for (auto& c : g.clusters) {
    for (std::string& label : c.node_labels) label.resize(std::min(label.size(), label.rfind("\nrank ")));
  }
  return g;
}

/// Runs `net` drawn into a .dot file of this case; the picture, where this address space
/// draws it.
std::optional<csp_test::dot_graph> run_and_read(csp::network& net, csp::config cfg) {
  const csp_test::output_file file("dot");
  cfg.graph = file.path;
  EXPECT_EQ(csp::run(net, cfg), 0);
  if (!csp_test::draws_here()) return std::nullopt;
  return read_graph(cfg.graph, cfg.backend == "mpi");
}

void count_to(csp::writer<long> out, long n) {
  for (long i = 1; i <= n; ++i) out.send(i);
}
void square(csp::reader<long> in, csp::writer<long> out) {
  for (long v : in) out.send(v * v);
}
void drain(csp::reader<long> in) {
  for (long v : in) (void)v;
}

/// csp::parallel("stage", count -> square) -> sink, over "numbers" and "squares", 4 values.
void spawn_stage_and_sink(csp::network& net) {
  auto numbers = net.channel<long>("numbers");
  auto squares = net.channel<long>("squares");
  net.spawn(csp::parallel("stage", csp::process("count", count_to, numbers.writer(), 4),
                          csp::process("square", square, numbers.reader(), squares.writer())));
  net.spawn("sink", drain, squares.reader());
}

}  // namespace

// §5 "draws the network: processes, channels with their flavor, and after a run the message
// counts". A channel with one writer and one reader is an edge between them, labelled with
// its name, type, flavor and count; a shared channel is a node of its own with an edge from
// each writer and to each reader.
TEST_P(conformance, graph_draws_processes_channels_flavors_and_counts) {
  csp::network net("squares");
  auto numbers = net.channel<long>("numbers");
  auto squares = net.channel<long>("squares", csp::buffered(4));
  auto merged = net.channel<long>("merged");
  net.spawn("count", count_to, numbers.writer(), 10);
  net.spawn("square", square, numbers.reader(), squares.writer());
  net.spawn("sink", drain, squares.reader());
  net.spawn_n(2, "extra", count_to, merged.writer(), 3);
  net.spawn("merge_sink", drain, merged.reader());
  const std::optional<csp_test::dot_graph> drawn = run_and_read(net, config());
  if (!drawn) return;
  const csp_test::dot_graph& g = *drawn;
  EXPECT_THAT(g.label, HasSubstr("network 'squares' on " + GetParam().backend));
  EXPECT_THAT(g.node_labels(), UnorderedElementsAre("count", "square", "sink", "extra[0]", "extra[1]", "merge_sink",
                                                   "merged\nlong, rendezvous\n6 messages"));
  EXPECT_THAT(g.edges_between("count", "square"), ElementsAre("numbers\nlong, rendezvous\n10 messages"));
  EXPECT_THAT(g.edges_between("square", "sink"), ElementsAre("squares\nlong, bounded(4)\n10 messages"));
  const std::string shared = "merged\nlong, rendezvous\n6 messages";
  EXPECT_THAT(g.edges_between("extra[0]", shared), ElementsAre(""));
  EXPECT_THAT(g.edges_between("extra[1]", shared), ElementsAre(""));
  EXPECT_THAT(g.edges_between(shared, "merge_sink"), ElementsAre(""));
  EXPECT_EQ(g.edges.size(), 5u);
}

// §5, with §1's composition: a sub-network is drawn as a cluster named after the process that
// ran it, holding its processes; csp::parallel's ends are drawn at its children, which hold
// them, and the composite itself is not a node.
TEST_P(conformance, graph_draws_a_sub_network_as_a_cluster_of_its_processes) {
  csp::network net("outer");
  spawn_stage_and_sink(net);
  const std::optional<csp_test::dot_graph> drawn = run_and_read(net, config());
  if (!drawn) return;
  const csp_test::dot_graph& g = *drawn;
  EXPECT_THAT(g.node_labels(), UnorderedElementsAre("count", "square", "sink"));
  ASSERT_EQ(g.clusters.size(), 1u);
  EXPECT_EQ(g.clusters[0].label, "stage");  // csp::parallel names its sub-network after itself
  EXPECT_THAT(g.clusters[0].node_labels, UnorderedElementsAre("count", "square"));
  EXPECT_THAT(g.edges_between("count", "square"), ElementsAre("numbers\nlong, rendezvous\n4 messages"));
  EXPECT_THAT(g.edges_between("square", "sink"), ElementsAre("squares\nlong, rendezvous\n4 messages"));
}

// §5, with §1's "a process may build and run a sub-network of its own": its cluster names
// the process and the sub-network, the channel made inside it is drawn there, and an end the
// process keeps for itself stays on the process, drawn beside its cluster.
TEST_P(conformance, graph_draws_a_sub_network_run_inside_a_process) {
  csp::network net("outer");
  auto numbers = net.channel<long>("numbers");
  auto squares = net.channel<long>("squares");
  auto total = net.channel<long>("total");
  net.spawn("count", count_to, numbers.writer(), 3);
  net.spawn("square_twice", [](csp::reader<long> in, csp::writer<long> out, csp::writer<long> sum) {
    csp::network sub("inner");
    auto mid = sub.channel<long>("mid");
    sub.spawn("first", square, std::move(in), mid.writer());
    sub.spawn("second", square, mid.reader(), std::move(out));
    csp::run(sub);
    sum.send(98);  // 1 + 16 + 81
  }, numbers.reader(), squares.writer(), total.writer());
  net.spawn("sink", drain, squares.reader());
  net.spawn("total_sink", drain, total.reader());
  const std::optional<csp_test::dot_graph> drawn = run_and_read(net, config());
  if (!drawn) return;
  const csp_test::dot_graph& g = *drawn;
  EXPECT_THAT(g.node_labels(), UnorderedElementsAre("count", "square_twice", "sink", "total_sink", "first", "second"));
  ASSERT_EQ(g.clusters.size(), 1u);
  EXPECT_EQ(g.clusters[0].label, "square_twice (sub-network 'inner')");
  EXPECT_THAT(g.clusters[0].node_labels, UnorderedElementsAre("first", "second"));
  EXPECT_THAT(g.edges_between("count", "first"), ElementsAre("numbers\nlong, rendezvous\n3 messages"));
  EXPECT_THAT(g.edges_between("first", "second"), ElementsAre("mid\nlong, rendezvous\n3 messages"));
  EXPECT_THAT(g.edges_between("second", "sink"), ElementsAre("squares\nlong, rendezvous\n3 messages"));
  EXPECT_THAT(g.edges_between("square_twice", "total_sink"), ElementsAre("total\nlong, rendezvous\n1 message"));
  EXPECT_EQ(g.edges.size(), 4u);
}

// §5 and §2 "a failing process shuts the network down and run reports it": the picture is
// drawn as the run starts, and redrawn with the counts when it ends in a failure too.
TEST_P(conformance, graph_is_drawn_when_the_run_fails) {
  csp::network net("failing");
  auto numbers = net.channel<long>("numbers");
  net.spawn("count", count_to, numbers.writer(), 100);
  net.spawn("picky", [](csp::reader<long> in) {
    for (long v : in) {
      if (v == 3) throw std::runtime_error("three");
    }
  }, numbers.reader());
  csp::config cfg = config();
  const csp_test::output_file file("dot");
  cfg.graph = file.path;
  EXPECT_THROW(csp::run(net, cfg), csp::process_error);
  if (!csp_test::draws_here()) return;

  const csp_test::dot_graph g = read_graph(cfg.graph, on_mpi());
  EXPECT_THAT(g.edges_between("count", "picky"), ElementsAre("numbers\nlong, rendezvous\n3 messages"));
}

// The Mermaid variant of §5's picture: the same processes, channels and counts.
TEST_P(conformance, graph_in_mermaid_has_the_same_processes_and_channels) {
  csp::network net("squares");
  auto numbers = net.channel<long>("numbers");
  auto squares = net.channel<long>("squares", csp::buffered(4));
  net.spawn("count", count_to, numbers.writer(), 5);
  net.spawn("square", square, numbers.reader(), squares.writer());
  net.spawn("sink", drain, squares.reader());
  csp::config cfg = config();
  const csp_test::output_file file("mmd");
  cfg.graph = file.path;
  ASSERT_EQ(csp::run(net, cfg), 0);
  if (!csp_test::draws_here()) return;

  const std::string text = csp_test::read_all(cfg.graph);
  EXPECT_THAT(text, HasSubstr("flowchart LR\n"));
  if (on_mpi()) {
    EXPECT_THAT(text, HasSubstr("  p0[\"count<br/>rank "));
  } else {
    EXPECT_THAT(text, HasSubstr("  p0[\"count\"]\n  p1[\"square\"]\n  p2[\"sink\"]\n"));
  }
  EXPECT_THAT(text, HasSubstr("  p0 -->|\"numbers<br/>long, rendezvous<br/>5 messages\"| p1\n"));
  EXPECT_THAT(text, HasSubstr("  p1 -->|\"squares<br/>long, bounded(4)<br/>5 messages\"| p2\n"));
}

namespace {

// alice and bob each wait to receive from the other; carol waits on a channel whose writer
// end alice holds. run() throws csp::deadlock; its graph is returned.
std::string deadlock_graph_of(csp::network& net, const csp::config& cfg) {
  auto a_to_b = net.channel<int>("a_to_b");
  auto b_to_a = net.channel<int>("b_to_a");
  auto to_carol = net.channel<int>("to_carol");
  net.spawn("alice", [](csp::reader<int> in, csp::writer<int> out, csp::writer<int> carol) {
    in.recv();
    out.send(1);
    carol.send(1);
  }, b_to_a.reader(), a_to_b.writer(), to_carol.writer());
  net.spawn("bob", [](csp::reader<int> in, csp::writer<int> out) {
    in.recv();
    out.send(1);
  }, a_to_b.reader(), b_to_a.writer());
  net.spawn("carol", [](csp::reader<int> in) { in.recv(); }, to_carol.reader());
  try {
    csp::run(net, cfg);
  } catch (const csp::deadlock& e) {
    return e.graph();
  }
  ADD_FAILURE() << "no csp::deadlock";
  return {};
}

bool red(const std::string& attributes) { return attributes.find("color=red") != std::string::npos; }

}  // namespace

// §5 "The deadlock report (section 2) comes as text and as a DOT picture of the wait-for
// cycle": csp::deadlock::graph() has a node per blocked process and an edge to each process
// it waits on, labelled with the operation; the cycle's nodes and edges are red, the rest not.
TEST_P(conformance, deadlock_graph_draws_the_wait_for_cycle_in_red) {
  csp::network net("ring");
  const csp_test::dot_graph g = [&] {
    csp_test::dot_graph parsed = csp_test::parse_dot(deadlock_graph_of(net, config()));
    for (auto& n : parsed.nodes) {  // on mpi: "alice\nrank 0"
      if (const std::size_t at = n.label.find("\nrank "); on_mpi() && at != std::string::npos) n.label.resize(at);
    }
    return parsed;
  }();
  EXPECT_EQ(g.label, "deadlock: wait-for graph, the cycle in red");
  EXPECT_THAT(g.node_labels(), UnorderedElementsAre("alice", "bob", "carol"));
  EXPECT_THAT(g.edges_between("alice", "bob"), ElementsAre("receive on 'b_to_a'"));
  EXPECT_THAT(g.edges_between("bob", "alice"), ElementsAre("receive on 'a_to_b'"));
  EXPECT_THAT(g.edges_between("carol", "alice"), ElementsAre("receive on 'to_carol'"));
  EXPECT_EQ(g.edges.size(), 3u);
  for (const auto& n : g.nodes) EXPECT_EQ(red(n.attributes), n.label != "carol") << n.label;
  for (const auto& e : g.edges) {
    EXPECT_EQ(red(e.attributes), e.label != "receive on 'to_carol'") << e.label;
  }
}

// With --csp-graph=FILE, the wait-for graph is also written beside FILE: net.dot gives
// net.deadlock.dot (docs/observability.md), on mpi by rank 0.
TEST_P(conformance, deadlock_graph_is_written_beside_the_network_picture) {
  csp::network net("ring");
  csp::config cfg = config();
  const csp_test::output_file file("dot");
  cfg.graph = file.path;
  const std::string graph = deadlock_graph_of(net, cfg);
  if (!csp_test::draws_here()) return;
  EXPECT_FALSE(graph.empty());
  EXPECT_EQ(csp_test::read_all(file.beside), graph);
  // The network's own picture is there too, with the counts of the messages that did move.
  EXPECT_THAT(csp_test::read_all(cfg.graph), HasSubstr("label=\"to_carol\\nint, rendezvous\\n0 messages\""));
}

namespace {

/// The words of the line of `table` whose first word is `name`, or nothing.
std::vector<std::string> stats_row(const std::string& table, const std::string& name) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    if (!row.empty() && row[0] == name) return row;
  }
  return {};
}

double number(const std::string& s) { return std::stod(s); }

/// Runs `net` with --csp-stats; what it printed to stderr, where this address space prints.
std::optional<std::string> run_for_stats(csp::network& net, csp::config cfg) {
  cfg.stats = true;
  ::testing::internal::CaptureStderr();
  int rc = -1;
  try {
    rc = csp::run(net, cfg);
  } catch (...) {
    ::testing::internal::GetCapturedStderr();
    throw;
  }
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 0);
  if (!csp_test::draws_here()) return std::nullopt;
  return err;
}

/// A process row: name, life, "ms", running, "ms", parked, "ms", in alts, "ms", running %.
void expect_process_row(const std::string& table, const std::string& name) {
  const std::vector<std::string> r = stats_row(table, name);
  ASSERT_EQ(r.size(), 10u) << name << " in\n" << table;
  EXPECT_NEAR(number(r[1]), number(r[3]) + number(r[5]), 0.0015) << name << ": life is running + parked";
  EXPECT_LE(number(r[7]), number(r[5])) << name << ": its alts are part of its parked time";
}

}  // namespace

// §5 "--csp-stats prints per-channel traffic and per-process blocked time at exit": a row per
// channel with its messages, its bytes where the type's size is fixed, and the time its writers
// and readers spent parked, and a row per process whose life is its running plus parked time.
// A value through a rendezvous finds its partner waiting, so one side of each channel waited.
TEST_P(conformance, stats_count_messages_bytes_and_waits_per_channel_and_process) {
  csp::network net("stats");
  auto numbers = net.channel<long>("numbers");
  auto words = net.channel<std::string>("words", csp::buffered(2));
  net.spawn("count", count_to, numbers.writer(), 10);
  net.spawn("spell", [](csp::reader<long> in, csp::writer<std::string> out) {
    for (long v : in) out.send(std::to_string(v));
  }, numbers.reader(), words.writer());
  net.spawn("print", [](csp::reader<std::string> in) {
    for (const std::string& w : in) (void)w;
  }, words.reader());
  const std::optional<std::string> table = run_for_stats(net, config());
  if (!table) return;
  const std::string& err = *table;

  EXPECT_THAT(err, HasSubstr("csp stats: network 'stats' on " + GetParam().backend));
  const std::vector<std::string> n = stats_row(err, "numbers");
  ASSERT_EQ(n.size(), 9u) << err;
  EXPECT_THAT(std::vector(n.begin(), n.begin() + 5), ElementsAre("numbers", "long", "rendezvous", "10", "80"));
  EXPECT_GT(number(n[5]) + number(n[7]), 0.0) << "nobody waited on a rendezvous:\n" << err;
  const std::vector<std::string> w = stats_row(err, "words");
  ASSERT_GE(w.size(), 6u) << err;
  EXPECT_THAT(std::vector(w.end() - 6, w.end() - 4), ElementsAre("10", "-"));  // a string's size varies
  for (const char* p : {"count", "spell", "print"}) expect_process_row(err, p);
}

// A sub-network's rows are named after the process that ran it: "stage/count". On mpi, the
// rank that ran it sends rank 0 its rows.
TEST_P(conformance, stats_name_a_sub_network_after_the_process_that_ran_it) {
  csp::network net("outer");
  spawn_stage_and_sink(net);
  const std::optional<std::string> table = run_for_stats(net, config());
  if (!table) return;
  const std::string& err = *table;

  expect_process_row(err, "stage");
  expect_process_row(err, "sink");
  expect_process_row(err, "stage/count");
  expect_process_row(err, "stage/square");
  EXPECT_THAT(stats_row(err, "squares"), testing::Contains("4"));
}

// --csp-progress keeps its line on a terminal only (tests/observe/progress_on_a_terminal.sh
// checks the line on one): where stderr is a file, as under a test, the run writes nothing.
TEST_P(conformance, progress_writes_nothing_where_stderr_is_not_a_terminal) {
  csp::network net("quiet");
  spawn_stage_and_sink(net);
  csp::config cfg = config();
  cfg.progress = true;
  ::testing::internal::CaptureStderr();
  const int rc = csp::run(net, cfg);
  EXPECT_EQ(csp_test::without_device_notice(::testing::internal::GetCapturedStderr()), "");
  EXPECT_EQ(rc, 0);
}
