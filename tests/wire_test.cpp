#include "escrow/wire.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace escrow::wire {
namespace {
using test::failed_with;

TEST(Wire, IntegersAreBigEndianAndRoundTrip) {
  Writer w;
  w.header(ObjectType::tdh2_ciphertext).u8(0xab).u16(0x1234).u32(0xdeadbeef).u64(0x0102030405060708ull);
  const auto bytes = w.take();
  EXPECT_EQ(to_hex(bytes), "44524d540103" "ab" "1234" "deadbeef" "0102030405060708");
  Reader r(bytes, "test");
  r.header(ObjectType::tdh2_ciphertext);
  EXPECT_EQ(r.u8(), 0xab);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 0x0102030405060708ull);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(Wire, ReaderRefusesTruncation) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03};
  Reader r(bytes, "test");
  (void)r.u32();
  EXPECT_TRUE(failed_with(r.finish(), ErrorCategory::malformed));
}

TEST(Wire, ReaderRefusesTrailingBytes) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03};
  Reader r(bytes, "test");
  (void)r.u16();
  auto done = r.finish();
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().detail.find("trailing"), std::string::npos);
}

TEST(Wire, ReaderFailureIsSticky) {
  const std::vector<uint8_t> bytes = {0x00, 0x05, 0xaa, 0xbb, 0xcc};
  Reader r(bytes, "test");
  auto field = r.bytes_u16();  // claims 5 bytes, 3 are left
  EXPECT_TRUE(field.empty());
  EXPECT_EQ(r.u8(), 0);  // every read after the failure returns zero
  EXPECT_FALSE(r.finish().has_value());
}

TEST(Wire, ReaderRefusesLengthOverItsLimit) {
  Writer w;
  w.bytes_u16(std::vector<uint8_t>(10, 7));
  const auto bytes = w.take();
  Reader r(bytes, "test");
  (void)r.bytes_u16(9);
  EXPECT_TRUE(failed_with(r.finish(), ErrorCategory::malformed));
}

TEST(Wire, HeaderRefusesWrongMagicVersionAndType) {
  auto good = Writer().header(ObjectType::envelope).take();
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= 0x01;
    Reader r(bad, "test");
    r.header(ObjectType::envelope);
    EXPECT_FALSE(r.finish().has_value()) << "flipped byte " << i;
  }
  Reader r(good, "test");
  r.header(ObjectType::envelope);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(Wire, HexRoundTripsAndRefusesBadDigits) {
  const std::vector<uint8_t> b = {0x00, 0x7f, 0xff};
  EXPECT_EQ(to_hex(b), "007fff");
  EXPECT_EQ(from_hex("007FFF").value(), b);
  EXPECT_FALSE(from_hex("0").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
}


// Each prefix at its limit round-trips; one byte more fails the writer instead of wrapping.
TEST(Wire, PrefixedFieldAtItsLimitRoundTrips) {
  const std::vector<uint8_t> b8(255, 1), b16(65535, 2);
  Writer w;
  w.bytes_u8(b8).bytes_u16(b16).count_u8(255).count_u16(65535);
  auto bytes = w.finish("test");
  ASSERT_TRUE(bytes.has_value());
  Reader r(*bytes, "test");
  EXPECT_EQ(r.bytes_u8().size(), 255u);
  EXPECT_EQ(r.bytes_u16().size(), 65535u);
  EXPECT_EQ(r.u8(), 255);
  EXPECT_EQ(r.u16(), 65535);
  EXPECT_TRUE(r.finish().has_value());
}

TEST(Wire, OverflowIsAStickyErrorNotAWrappedLength) {
  auto over = [](auto write) {
    Writer w;
    w.u8(1);
    write(w);
    w.u8(2);  // nothing after the failure is written either
    EXPECT_FALSE(w.ok());
    EXPECT_TRUE(w.view().empty());
    auto done = w.finish("test");
    ASSERT_TRUE(failed_with(done, ErrorCategory::malformed));
    EXPECT_NE(done.error().detail.find("over its"), std::string::npos) << done.error().detail;
  };
  over([](Writer& w) { w.bytes_u8(std::vector<uint8_t>(256, 0)); });
  over([](Writer& w) { w.bytes_u16(std::vector<uint8_t>(65536, 0)); });
  over([](Writer& w) { w.count_u8(256); });
  over([](Writer& w) { w.count_u16(65536); });
}

TEST(WireDeathTest, TakeAbortsOnAFailedWriter) {
  Writer w;
  w.bytes_u8(std::vector<uint8_t>(256, 0));
  EXPECT_DEATH((void)w.take(), "over its u8 prefix");
}

}  // namespace
}  // namespace escrow::wire
