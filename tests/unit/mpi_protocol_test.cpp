// backends/mpi/protocol.hpp: records in a batch come back in order, each header and payload
// 8-aligned, and a batch cut short is an error, never a read past its end. Header-only and
// free of MPI, so it runs in every build, the sanitizer ones included.
#include <backends/mpi/protocol.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <vector>

namespace {

using csp::mpi::header;
using csp::mpi::msg;

std::vector<std::byte> bytes_of(std::size_t n, int seed) {
  std::vector<std::byte> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((seed + static_cast<int>(i)) & 0xff);
  return b;
}

TEST(mpi_protocol, records_come_back_in_order_with_their_payloads) {
  const std::vector<std::vector<std::byte>> payloads{{}, bytes_of(3, 1), bytes_of(1000, 2), bytes_of(8, 3)};
  std::vector<std::byte> batch;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    csp::mpi::append(batch, header{.type = msg::offer, .channel = static_cast<std::uint32_t>(i), .owner = 40 + i},
                     payloads[i]);
  }
  csp::mpi::records in(batch);
  header h{};
  std::span<const std::byte> payload;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    ASSERT_TRUE(in.next(h, payload)) << "record " << i;
    EXPECT_EQ(h.type, msg::offer);
    EXPECT_EQ(h.channel, i);
    EXPECT_EQ(h.owner, 40 + i);
    EXPECT_EQ(h.size, payloads[i].size());
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), payloads[i].begin(), payloads[i].end())) << "record " << i;
    EXPECT_EQ((payload.data() - batch.data()) % 8, 0) << "record " << i << "'s payload is not 8-aligned";
  }
  EXPECT_FALSE(in.next(h, payload));
}

TEST(mpi_protocol, a_payload_appended_in_place_is_measured) {
  std::vector<std::byte> batch;
  csp::mpi::append(batch, header{.type = msg::complete}, [](std::vector<std::byte>& out) {
    for (int i = 0; i < 13; ++i) out.push_back(std::byte{7});
  });
  EXPECT_EQ(batch.size() % 8, 0);
  csp::mpi::records in(batch);
  header h{};
  std::span<const std::byte> payload;
  ASSERT_TRUE(in.next(h, payload));
  EXPECT_EQ(h.size, 13u);
  EXPECT_EQ(payload.size(), 13u);
}

TEST(mpi_protocol, a_batch_cut_short_is_an_error) {
  std::vector<std::byte> batch;
  csp::mpi::append(batch, header{.type = msg::offer}, bytes_of(100, 0));
  header h{};
  std::span<const std::byte> payload;
  for (std::size_t cut : {std::size_t{1}, sizeof(header) - 1, sizeof(header) + 50}) {
    csp::mpi::records in(std::span<const std::byte>(batch).first(cut));
    EXPECT_THROW(in.next(h, payload), std::runtime_error) << "cut at " << cut;
  }
}

}  // namespace
