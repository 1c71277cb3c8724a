// Google Benchmark suite for the core (SPEC §5, §7), named after spec steps, with the floors and
// the no-escrow baselines in the same binary so that every ratio comes from one run.
#include <benchmark/benchmark.h>
#include <sodium.h>

#if defined(DOORMAT_GROUP_DECAF)
#include <decaf/point_255.h>
#endif

#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include "escrow/envelope.hpp"
#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "escrow/group.hpp"
#include "escrow/hash.hpp"
#include "escrow/label.hpp"
#include "escrow/shamir.hpp"
#include "escrow/schemes.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"

#include <botan/auto_rng.h>
#include <botan/dl_group.h>
#include <botan/elgamal.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

namespace {
using namespace escrow;
using group::Point;
using group::Scalar;

struct Setup {
  explicit Setup(std::size_t k, std::size_t n)
      : dealt(tdh2::deal(k, n, rng).value()),
        key(tdh2::random_session_key(rng)),
        label(SessionLabel::make("alice", "bob", 1'790'000'000, rng).value().encode()),
        ct(tdh2::encrypt_recipient_verifiable(pk(), key, label, rng).value()) {
    for (const auto& s : dealt.shares) partials.push_back(tdh2::partial_decrypt(pk(), s, ct, rng).value());
  }
  const tdh2::PublicKey& pk() const { return dealt.public_key; }
  SystemRng rng;
  tdh2::Dealt dealt;
  tdh2::SessionKey key;
  std::vector<uint8_t> label;
  tdh2::Ciphertext ct;
  std::vector<tdh2::PartialDecryption> partials;
};

// ---- group operations: the floors everything else is measured against ----

void BM_group_base_mul(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  for (auto _ : state) benchmark::DoNotOptimize(Point::base_mul(s));
}
BENCHMARK(BM_group_base_mul)->Name("group/base_mul");

void BM_group_mul(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  const Point p = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) benchmark::DoNotOptimize(p * s);
}
BENCHMARK(BM_group_mul)->Name("group/mul");

void BM_group_add(benchmark::State& state) {
  SystemRng rng;
  const Point p = Point::base_mul(Scalar::random(rng)), q = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) benchmark::DoNotOptimize(p + q);
}
BENCHMARK(BM_group_add)->Name("group/add");

// A sum as it leaves the process: under libdecaf the encoding is the expensive part (group.hpp).
void BM_group_add_encoded(benchmark::State& state) {
  SystemRng rng;
  const Point p = Point::base_mul(Scalar::random(rng)), q = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) {
    const Point r = p + q;
    benchmark::DoNotOptimize(r.to_bytes());
  }
}
BENCHMARK(BM_group_add_encoded)->Name("group/add_then_encode");

// Parsing a point from its 32 bytes (what a verifier pays per point it receives).
void BM_group_decode(benchmark::State& state) {
  SystemRng rng;
  const auto bytes = Point::base_mul(Scalar::random(rng)).to_bytes();
  for (auto _ : state) benchmark::DoNotOptimize(Point::from_bytes(bytes));
}
BENCHMARK(BM_group_decode)->Name("group/decode");

#if defined(DOORMAT_GROUP_DECAF)
// The same with libdecaf's own encoder, which the backend does not use on its points because it
// branches in Debian's build (lib/group/decaf_ct.hpp): what the constant-time encoding costs.
void BM_decaf_add_encoded(benchmark::State& state) {
  SystemRng rng;
  std::array<uint8_t, 32> seed;
  rng.fill(seed);
  decaf_255_scalar_t a, b;
  decaf_255_scalar_set_unsigned(a, seed[0] + 2u);
  decaf_255_scalar_set_unsigned(b, seed[1] + 3u);
  decaf_255_point_t p, q, r;
  decaf_255_precomputed_scalarmul(p, decaf_255_precomputed_base, a);
  decaf_255_precomputed_scalarmul(q, decaf_255_precomputed_base, b);
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    decaf_255_point_add(r, p, q);
    decaf_255_point_encode(out.data(), r);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_decaf_add_encoded)->Name("decaf/add_then_point_encode");
#endif

// libsodium's own calls on encodings, in the same run: the reference backend's floor, against
// which group/* above (the configured backend, SPEC §2.1) is read.
void BM_sodium_base_mul(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255_base(out.data(), s.to_bytes().data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_sodium_base_mul)->Name("sodium/base_mul");

void BM_sodium_mul(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  const Point p = Point::base_mul(Scalar::random(rng));
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(out.data(), s.to_bytes().data(), p.to_bytes().data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_sodium_mul)->Name("sodium/mul");

void BM_sodium_add(benchmark::State& state) {
  SystemRng rng;
  const Point p = Point::base_mul(Scalar::random(rng)), q = Point::base_mul(Scalar::random(rng));
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_core_ristretto255_add(out.data(), p.to_bytes().data(), q.to_bytes().data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_sodium_add)->Name("sodium/add");

void BM_scalar_invert(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  for (auto _ : state) benchmark::DoNotOptimize(s.invert());
}
BENCHMARK(BM_scalar_invert)->Name("group/scalar_invert");

// The arithmetic encrypt cannot avoid with libsodium: 2 fixed-base (u = rG, a1 = sG) and
// 3 variable-base (rY, r Gbar, s Gbar) multiplications.
void BM_floor_encrypt(benchmark::State& state) {
  SystemRng rng;
  const Scalar r = Scalar::random(rng), s = Scalar::random(rng);
  const Point y = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) {
    benchmark::DoNotOptimize(Point::base_mul(r));
    benchmark::DoNotOptimize(Point::base_mul(s));
    benchmark::DoNotOptimize(y * r);
    benchmark::DoNotOptimize(Point::generator_bar() * r);
    benchmark::DoNotOptimize(Point::generator_bar() * s);
  }
}
BENCHMARK(BM_floor_encrypt)->Name("floor/tdh2_encrypt");

// The same floors in libsodium's own calls on encodings, whatever the configured backend: the
// libsodium floor against which the libdecaf build's tdh2/* are read in one run (issue 17's
// targets). Encrypt: 2 fixed-base and 3 variable-base multiplications.
void BM_sodium_floor_encrypt(benchmark::State& state) {
  SystemRng rng;
  const Scalar r = Scalar::random(rng), s = Scalar::random(rng);
  const auto y = Point::base_mul(Scalar::random(rng)).to_bytes();
  const auto gbar = Point::generator_bar().to_bytes();
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255_base(out.data(), r.to_bytes().data()));
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255_base(out.data(), s.to_bytes().data()));
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(out.data(), r.to_bytes().data(), y.data()));
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(out.data(), r.to_bytes().data(), gbar.data()));
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(out.data(), s.to_bytes().data(), gbar.data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_sodium_floor_encrypt)->Name("sodium_floor/tdh2_encrypt");

// Combine with k partials, as floor/tdh2_combine below, in libsodium's own calls: k + 1 proofs of
// two equations a·P - b·Q (1 fixed-base, 3 variable-base multiplications, 2 subtractions), then k
// variable-base multiplications and k - 1 additions.
void BM_sodium_floor_combine(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  const auto p = Point::base_mul(Scalar::random(rng)).to_bytes();
  std::array<uint8_t, 32> a, b, c, d, out;
  for (auto _ : state) {
    for (std::size_t i = 0; i < k + 1; ++i) {
      benchmark::DoNotOptimize(crypto_scalarmult_ristretto255_base(a.data(), s.to_bytes().data()));
      benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(b.data(), s.to_bytes().data(), p.data()));
      benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(c.data(), s.to_bytes().data(), p.data()));
      benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(d.data(), s.to_bytes().data(), p.data()));
      benchmark::DoNotOptimize(crypto_core_ristretto255_sub(out.data(), a.data(), b.data()));
      benchmark::DoNotOptimize(crypto_core_ristretto255_sub(out.data(), c.data(), d.data()));
    }
    benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(a.data(), s.to_bytes().data(), p.data()));
    for (std::size_t i = 1; i < k; ++i) {
      benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(b.data(), s.to_bytes().data(), p.data()));
      benchmark::DoNotOptimize(crypto_core_ristretto255_add(a.data(), a.data(), b.data()));
    }
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_sodium_floor_combine)->Name("sodium_floor/tdh2_combine")->Arg(2)->Arg(3)->Arg(5)->Arg(7)->Arg(10);

// The verification equations on their own: a·G + b·P and a·P + b·Q in variable time (SPEC §8)
// against the constant-time products and sum they replace.
void BM_group_double_mul_vartime(benchmark::State& state, bool base) {
  SystemRng rng;
  const Scalar a = Scalar::random(rng), b = Scalar::random(rng);
  const Point p = base ? Point::generator() : Point::base_mul(Scalar::random(rng));
  const Point q = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) benchmark::DoNotOptimize(group::double_mul_vartime(a, p, b, q));
}
BENCHMARK_CAPTURE(BM_group_double_mul_vartime, base, true)->Name("group/double_mul_vartime/base");
BENCHMARK_CAPTURE(BM_group_double_mul_vartime, any, false)->Name("group/double_mul_vartime/any");

// The variable-time multi-scalar product of m points; µs_per_point is the time over m. At 191
// points it is Straus, from 192 Pippenger's buckets (lib/group/vartime_decaf.cpp): the two rows
// side by side show the switch sits where the methods cross. Under libsodium, the naive sum.
void BM_group_multi_mul_vartime(benchmark::State& state) {
  SystemRng rng;
  const auto m = static_cast<std::size_t>(state.range(0));
  std::vector<Scalar> s;
  std::vector<Point> p;
  for (std::size_t i = 0; i < m; ++i) {
    s.push_back(Scalar::random(rng));
    p.push_back(Point::base_mul(Scalar::random(rng)));
  }
  for (auto _ : state) benchmark::DoNotOptimize(group::multi_mul_vartime(s, p));
  state.counters["us_per_point"] = benchmark::Counter(static_cast<double>(m) * 1e-6,
                                                      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_group_multi_mul_vartime)->Name("group/multi_mul_vartime")->Arg(10)->Arg(42)->Arg(191)->Arg(192)->Arg(512)->Arg(1024);

void BM_group_fixed_base_mul(benchmark::State& state) {
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  const group::FixedBase table(Point::base_mul(Scalar::random(rng)));
  for (auto _ : state) benchmark::DoNotOptimize(table.mul(s));
}
BENCHMARK(BM_group_fixed_base_mul)->Name("group/fixed_base_mul");

// Building the table of a point (a trustee builds one of u per field; libsodium keeps the point).
void BM_group_fixed_base_build(benchmark::State& state) {
  SystemRng rng;
  const Point p = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) benchmark::DoNotOptimize(group::FixedBase(p));
}
BENCHMARK(BM_group_fixed_base_build)->Name("group/fixed_base_build");

// ---- TDH2 ----

using EncryptFn = Result<tdh2::Ciphertext> (*)(const tdh2::PublicKey&, const tdh2::SessionKey&,
                                               std::span<const uint8_t>, Rng&);

void BM_tdh2_encrypt(benchmark::State& state, EncryptFn encrypt) {
  Setup s(3, 5);
  for (auto _ : state) {
    auto ct = encrypt(s.pk(), s.key, s.label, s.rng);
    if (!ct) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(ct);
  }
  state.counters["wire_bytes"] = static_cast<double>(s.ct.encode().size());
}
BENCHMARK_CAPTURE(BM_tdh2_encrypt, plain, &tdh2::encrypt)->Name("tdh2/encrypt");
BENCHMARK_CAPTURE(BM_tdh2_encrypt, rv, &tdh2::encrypt_recipient_verifiable)->Name("tdh2/encrypt_recipient_verifiable");

void BM_tdh2_verify(benchmark::State& state) {
  Setup s(3, 5);
  for (auto _ : state)
    if (!tdh2::verify(s.pk(), s.ct)) state.SkipWithError("verify failed");
}
BENCHMARK(BM_tdh2_verify)->Name("tdh2/verify");

void BM_tdh2_check_recipient(benchmark::State& state) {
  Setup s(3, 5);
  for (auto _ : state)
    if (!tdh2::check_recipient(s.pk(), s.ct, s.key)) state.SkipWithError("check failed");
}
BENCHMARK(BM_tdh2_check_recipient)->Name("tdh2/check_recipient");

// What a trustee does per field: verify the ciphertext, then x_i u and its proof.
void BM_tdh2_partial_decrypt(benchmark::State& state) {
  Setup s(3, 5);
  for (auto _ : state) {
    auto pd = tdh2::partial_decrypt(s.pk(), s.dealt.shares[0], s.ct, s.rng);
    if (!pd) state.SkipWithError("partial_decrypt failed");
    benchmark::DoNotOptimize(pd);
  }
}
BENCHMARK(BM_tdh2_partial_decrypt)->Name("tdh2/partial_decrypt");

// The same on a version-1 field (SPEC §3.5), whose proof is (e, f): the trustee's field before
// version 2, and under libsodium issue 17's reference. Setup's field is recipient-verifiable, so its
// r is H(K, L) and the version-1 proof of the same (c, L, u, ubar) can be made here.
void BM_tdh2_partial_decrypt_v1(benchmark::State& state) {
  Setup s(3, 5);
  tdh2::Ciphertext v1 = s.ct;
  const Scalar r = group::hash_to_scalar(domain::kTdh2RecipientR, {s.key.expose(), s.label});
  const auto proof = dleq::prove(domain::kTdh2Validity, {v1.c, v1.label}, {Point::generator(), v1.u, Point::generator_bar(), v1.ubar},
                                 r, s.rng);
  v1.format = tdh2::CiphertextFormat::challenge;
  v1.e = proof.challenge;
  v1.f = proof.response;
  v1 = tdh2::Ciphertext::decode(v1.encode()).value();
  for (auto _ : state) {
    auto pd = tdh2::partial_decrypt(s.pk(), s.dealt.shares[0], v1, s.rng);
    if (!pd) state.SkipWithError("partial_decrypt of a version-1 field failed");
    benchmark::DoNotOptimize(pd);
  }
}
BENCHMARK(BM_tdh2_partial_decrypt_v1)->Name("tdh2/partial_decrypt_v1");

// What a trustee does per chunk of a request (SPEC §11.2 step 7, trustee::check_fields' chunks of
// 64): verify_all over the chunk's distinct version-2 fields (one batch under libdecaf, one by one
// under libsodium), then each field's partial decryption. Time per chunk; per field is / Arg.
void BM_tdh2_trustee_fields(benchmark::State& state) {
  Setup s(3, 5);
  std::vector<tdh2::Ciphertext> fields;
  for (int64_t i = 0; i < state.range(0); ++i)
    fields.push_back(tdh2::encrypt(s.pk(), tdh2::random_session_key(s.rng), s.label, s.rng).value());
  for (auto _ : state) {
    auto verified = tdh2::verify_all(s.pk(), fields);
    for (const auto& v : verified) {
      if (!v) state.SkipWithError("a field failed verify_all");
      else benchmark::DoNotOptimize(tdh2::partial_decrypt(s.pk(), s.dealt.shares[0], *v, s.rng));
    }
  }
  state.counters["fields"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_tdh2_trustee_fields)->Name("tdh2/trustee_fields")->Arg(64)->Arg(128);

// verify_all over a chunk of 64 version-2 fields: all valid (the batch holds), one invalid (the
// batch fails, then each field alone: what a bad field costs its chunk, SPEC §11.8), and each field
// alone for comparison (64 calls of verify).
void BM_tdh2_verify_chunk(benchmark::State& state, int how) {
  Setup s(3, 5);
  std::vector<tdh2::Ciphertext> fields;
  for (int i = 0; i < 64; ++i) fields.push_back(tdh2::encrypt(s.pk(), tdh2::random_session_key(s.rng), s.label, s.rng).value());
  if (how == 1) fields[37].f = fields[37].f + Scalar::from_u64(1);
  for (auto _ : state) {
    if (how == 2) {
      for (const auto& f : fields) benchmark::DoNotOptimize(tdh2::verify(s.pk(), f));
    } else {
      benchmark::DoNotOptimize(tdh2::verify_all(s.pk(), fields));
    }
  }
}
BENCHMARK_CAPTURE(BM_tdh2_verify_chunk, all_valid, 0)->Name("tdh2/verify_all/64/all_valid");
BENCHMARK_CAPTURE(BM_tdh2_verify_chunk, one_invalid, 1)->Name("tdh2/verify_all/64/one_invalid");
BENCHMARK_CAPTURE(BM_tdh2_verify_chunk, one_by_one, 2)->Name("tdh2/verify/64_one_by_one");

void BM_tdh2_verify_partial(benchmark::State& state) {
  Setup s(3, 5);
  for (auto _ : state)
    if (!tdh2::verify_partial(s.pk(), s.ct, s.partials[0])) state.SkipWithError("verify_partial failed");
}
BENCHMARK(BM_tdh2_verify_partial)->Name("tdh2/verify_partial");

// Combine with exactly k partials (n = k + 2): verifies the ciphertext and all k proofs.
void BM_tdh2_combine(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  Setup s(k, k + 2);
  const std::vector<tdh2::PartialDecryption> k_partials(s.partials.begin(), s.partials.begin() + static_cast<std::ptrdiff_t>(k));
  for (auto _ : state) {
    auto out = tdh2::combine(s.pk(), s.ct, k_partials);
    if (!out || !out->key.equals(s.key)) state.SkipWithError("combine failed");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_tdh2_combine)->Name("tdh2/combine")->Arg(2)->Arg(3)->Arg(5)->Arg(7)->Arg(10);

// The arithmetic combine cannot avoid when it checks everything, with libsodium 1.0.18 (no
// multi-scalar multiplication): the ciphertext's validity proof and each partial's DLEQ proof are
// two equations a·P - b·Q each (1 fixed-base + 3 variable-base multiplications, 2 subtractions),
// and the interpolation is k variable-base multiplications and k - 1 additions. An addition
// decodes both points and encodes the sum, about a quarter of a multiplication, so it belongs in
// the floor; floor/tdh2_combine_mults leaves it out, for comparison.
void combine_floor(benchmark::State& state, bool with_additions) {
  const auto k = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  const Scalar s = Scalar::random(rng);
  const Point p = Point::base_mul(Scalar::random(rng));
  for (auto _ : state) {
    for (std::size_t i = 0; i < k + 1; ++i) {
      const Point a = Point::base_mul(s), b = p * s, c = p * s, d = p * s;
      if (with_additions) {
        benchmark::DoNotOptimize(a - b);
        benchmark::DoNotOptimize(c - d);
      } else {
        benchmark::DoNotOptimize(a);
        benchmark::DoNotOptimize(b);
        benchmark::DoNotOptimize(c);
        benchmark::DoNotOptimize(d);
      }
    }
    Point sum = p * s;
    for (std::size_t i = 1; i < k; ++i) {
      const Point term = p * s;
      if (with_additions) sum = sum + term;
      else benchmark::DoNotOptimize(term);
    }
    benchmark::DoNotOptimize(sum);
  }
}
void BM_floor_combine(benchmark::State& state) { combine_floor(state, true); }
void BM_floor_combine_mults(benchmark::State& state) { combine_floor(state, false); }
BENCHMARK(BM_floor_combine)->Name("floor/tdh2_combine")->Arg(2)->Arg(3)->Arg(5)->Arg(7)->Arg(10);
BENCHMARK(BM_floor_combine_mults)->Name("floor/tdh2_combine_mults")->Arg(2)->Arg(3)->Arg(5)->Arg(7)->Arg(10);

// What an investigator does per field: recover K and open the body. Always-verify combine
// versus the optimistic one (SPEC §5.8), both with the AEAD open they need anyway.
void BM_recover(benchmark::State& state, bool optimistic) {
  const auto k = static_cast<std::size_t>(state.range(0));
  Setup s(k, k + 2);
  envelope::X25519PublicKey pk{};
  envelope::X25519SecretKey sk;
  crypto_box_keypair(pk.data(), sk.expose().data());
  const std::vector<uint8_t> msg(64, 'x');
  const auto env = envelope::seal_with_key(s.ct, s.key, pk, msg, s.rng).value();
  const std::vector<tdh2::PartialDecryption> k_partials(s.partials.begin(), s.partials.begin() + static_cast<std::ptrdiff_t>(k));
  for (auto _ : state) {
    if (optimistic) {
      auto out = tdh2::combine_optimistic(s.pk(), s.ct, k_partials,
                                          [&](const tdh2::SessionKey& key) { return envelope::open_with_session_key(env, key).has_value(); });
      if (!out) state.SkipWithError("optimistic combine failed");
    } else {
      auto out = tdh2::combine(s.pk(), s.ct, k_partials);
      if (!out || !envelope::open_with_session_key(env, out->key)) state.SkipWithError("combine failed");
    }
  }
}
BENCHMARK_CAPTURE(BM_recover, always_verify, false)->Name("investigator/combine_and_open")->Arg(3)->Arg(5)->Arg(10);
BENCHMARK_CAPTURE(BM_recover, optimistic, true)->Name("investigator/optimistic_combine_and_open")->Arg(3)->Arg(5)->Arg(10);

// ---- per warrant: what a trustee does once per request, besides the fields ----

void BM_warrant_verify(benchmark::State& state) {
  const auto root = pki::create_root("Bench Root", 10).value();
  const auto judge = pki::appoint_judge(root, "Bench Judge", 10).value();
  warrant::SignedWarrant sw;
  sw.warrant.case_reference = "BENCH";
  sw.warrant.court = "Bench Court";
  sw.warrant.targets = {"bob"};
  sw.warrant.window_end = 1;
  sw.warrant.max_sessions = 1;
  sw.warrant.not_after = UINT64_MAX;
  crypto_scalarmult_base(sw.warrant.agency_box_key.data(), std::array<uint8_t, 32>{42}.data());  // a usable key
  if (!warrant::add_signature(sw, judge)) return state.SkipWithError("signing failed");
  const warrant::Policy policy{root.certificate_pem, pki::issue_crl(root, {}, 24).value(), 1};
  const auto now = static_cast<uint64_t>(std::time(nullptr));
  for (auto _ : state)
    if (!warrant::verify(sw, policy, now)) state.SkipWithError("warrant refused");
}
BENCHMARK(BM_warrant_verify)->Name("warrant/verify_chain_and_crl");

// The Merkle side of a log append: hash the entry, and the new root a signed head commits to,
// through the frontier the trustee keeps (O(log n), whatever the log's size).
void BM_log_append(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  translog::Frontier frontier;
  translog::Entry e{1'790'000'000, {}, {}, {}, 0, "issued"};
  for (std::size_t i = 0; i < size; ++i) frontier.append(translog::leaf_hash(e.encode()));
  for (auto _ : state) {
    frontier.append(translog::leaf_hash(e.encode()));
    benchmark::DoNotOptimize(frontier.root());
  }
}
BENCHMARK(BM_log_append)->Name("log/append_and_root")->Arg(1000)->Arg(1000000);

// ---- after compromise ----

// Whoever holds x (a dealer, or a thief who rebuilt it from k shares once) opens any escrow
// field with one variable-base multiplication and a hash: K = c xor H1(x u). No warrant, no
// trustee, no log. `product` is the thief's x u.
template <class Product>
void mass_decrypt(benchmark::State& state, Product product) {
  const auto k = static_cast<std::size_t>(state.range(0));
  Setup s(k, k + 2);
  std::vector<shamir::Share> stolen;
  for (std::size_t i = 0; i < k; ++i) stolen.push_back({s.dealt.shares[i].index(), s.dealt.shares[i].expose_secret()});
  const Scalar x = shamir::reconstruct(stolen).value();  // once, up front
  std::vector<tdh2::Ciphertext> fields;
  std::vector<std::array<uint8_t, 32>> keys;
  for (int i = 0; i < 64; ++i) {
    const auto key = tdh2::random_session_key(s.rng);
    fields.push_back(tdh2::encrypt(s.pk(), key, s.label, s.rng).value());
    keys.push_back({});
    std::copy(key.expose().begin(), key.expose().end(), keys.back().begin());
  }
  // Each session is followed by one constant-time variable-base multiplication (group/mul's) of
  // the same u, each timed on its own: `pace` is the multiplications' time over the sessions',
  // the thief's rate in sessions per multiplication's time, from interleaved pairs (a separate
  // group/mul run minutes apart drifts with the shared machine's load). The benchmark's own time
  // is the sessions' alone (manual time, wall clock).
  const Scalar y = Scalar::random(s.rng);
  using Clock = std::chrono::steady_clock;
  Clock::duration sessions{}, multiplications{};
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& ct = fields[i % fields.size()];
    const auto t0 = Clock::now();
    const Point xu = product(x, ct.u);
    const auto ry = xu.to_bytes();
    auto mask = Hasher(domain::kTdh2Mask, 32).add(ry).finish<32>();
    for (std::size_t b = 0; b < 32; ++b) mask[b] ^= ct.c[b];
    const auto t1 = Clock::now();
    benchmark::DoNotOptimize(ct.u * y);
    const auto t2 = Clock::now();
    if (mask != keys[i % keys.size()]) state.SkipWithError("the thief did not get the key");
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    sessions += t1 - t0;
    multiplications += t2 - t1;
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (sessions.count() > 0)
    state.counters["pace"] = std::chrono::duration<double>(multiplications) / std::chrono::duration<double>(sessions);
}
// With the constant-time product every escrow code path uses on a secret.
void BM_mass_decrypt(benchmark::State& state) {
  mass_decrypt(state, [](const Scalar& x, const Point& u) { return u * x; });
}
BENCHMARK(BM_mass_decrypt)->Name("attack/mass_decrypt/k_shares_stolen")->Arg(3)->UseManualTime();
// A thief needs no constant time: x is its own (stolen) key, so group::multi_mul_vartime (SPEC
// §9: Straus under libdecaf, the naive product under libsodium) is fair here.
void BM_mass_decrypt_vartime(benchmark::State& state) {
  mass_decrypt(state, [](const Scalar& x, const Point& u) {
    return group::multi_mul_vartime(std::array<Scalar, 1>{x}, std::array<Point, 1>{u});
  });
}
BENCHMARK(BM_mass_decrypt_vartime)->Name("attack/mass_decrypt_vartime/k_shares_stolen")->Arg(3)->UseManualTime();

// ---- envelope ----

// An authority, Bob's key pair, a label and a message of state.range(0) bytes.
struct Conversation : Setup {
  explicit Conversation(const benchmark::State& state)
      : Setup(3, 5), session(SessionLabel::make("alice", "bob", 1'790'000'000, rng).value()),
        message(static_cast<std::size_t>(state.range(0)), 'x') {
    crypto_box_keypair(bob_pk.data(), bob_sk.expose().data());
  }
  envelope::X25519PublicKey bob_pk{};
  envelope::X25519SecretKey bob_sk;
  SessionLabel session;
  std::vector<uint8_t> message;
};

void BM_envelope_seal(benchmark::State& state) {
  Conversation c(state);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto env = envelope::seal(c.pk(), c.session, c.bob_pk, c.message, c.rng);
    if (!env) state.SkipWithError("seal failed");
    bytes = env->encode().size();
  }
  state.counters["wire_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_envelope_seal)->Name("envelope/seal")->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_envelope_open(benchmark::State& state) {
  Conversation c(state);
  const auto env = envelope::seal(c.pk(), c.session, c.bob_pk, c.message, c.rng).value();
  for (auto _ : state) {
    auto plain = envelope::open(c.pk(), env, c.bob_pk, c.bob_sk);
    if (!plain) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(plain);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_envelope_open)->Name("envelope/open")->Arg(64)->Arg(1024)->Arg(64 * 1024);

// ---- no-escrow baselines ----

// What a forward-secret messenger pays per session without escrow: an ephemeral X25519 key pair,
// one Diffie–Hellman, and a key derivation.
void BM_baseline_x25519_session(benchmark::State& state) {
  uint8_t peer_pk[crypto_box_PUBLICKEYBYTES], peer_sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(peer_pk, peer_sk);
  for (auto _ : state) {
    uint8_t epk[crypto_box_PUBLICKEYBYTES], esk[crypto_box_SECRETKEYBYTES], shared[crypto_scalarmult_BYTES], key[32];
    crypto_box_keypair(epk, esk);
    if (crypto_scalarmult(shared, esk, peer_pk) != 0) state.SkipWithError("x25519 failed");
    crypto_generichash(key, sizeof key, shared, sizeof shared, epk, sizeof epk);
    benchmark::DoNotOptimize(key);
    sodium_memzero(esk, sizeof esk);
    sodium_memzero(shared, sizeof shared);
  }
  state.counters["wire_bytes"] = crypto_box_PUBLICKEYBYTES;
}
BENCHMARK(BM_baseline_x25519_session)->Name("baseline/x25519_session");

void BM_baseline_aead_1KiB(benchmark::State& state) {
  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(key, sizeof key);
  randombytes_buf(nonce, sizeof nonce);
  std::vector<uint8_t> msg(1024, 'x'), out(1024 + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  for (auto _ : state) {
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, msg.data(), msg.size(), nullptr, 0, nullptr, nonce, key);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1024);
}
BENCHMARK(BM_baseline_aead_1KiB)->Name("baseline/aead_1KiB");

// The public-key escrow of the 1990s (PGP "additional decryption key" style): the session key
// wrapped to one escrow agent's RSA-3072 key with OAEP, or to an ElGamal key in the 2048-bit
// MODP group. One agent, one key, no threshold: the comparison the critique needs.
void BM_historical_wrap(benchmark::State& state, bool rsa) {
  Botan::AutoSeeded_RNG rng;
  std::unique_ptr<Botan::Private_Key> key;
  if (rsa) key = std::make_unique<Botan::RSA_PrivateKey>(rng, 3072);
  else key = std::make_unique<Botan::ElGamal_PrivateKey>(rng, Botan::DL_Group("modp/ietf/2048"));
  Botan::PK_Encryptor_EME enc(*key, rng, rsa ? "OAEP(SHA-256)" : "Raw");
  const std::vector<uint8_t> session(32, 7);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto wrapped = enc.encrypt(session, rng);
    bytes = wrapped.size();
    benchmark::DoNotOptimize(wrapped.data());
  }
  state.counters["wire_bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_historical_wrap, rsa, true)->Name("historical/rsa3072_oaep_wrap");
BENCHMARK_CAPTURE(BM_historical_wrap, elgamal, false)->Name("historical/elgamal2048_wrap");

// The five designs of lib/schemes escrowing one session key (`clipper` is the 1993 LEAF with
// AES-256: the historical baseline), with the escrow field's bytes on the wire. Same label for all.
void BM_scheme_escrow(benchmark::State& state, std::string_view design) {
  escrow::SystemRng rng;
  auto scheme = escrow::schemes::make(design, escrow::schemes::Config{}, rng);
  if (!scheme) return state.SkipWithError(scheme.error().message().c_str());
  const auto label = escrow::SessionLabel::make("alice", "bob", 1767225600, rng).value();
  const auto key = escrow::tdh2::random_session_key(rng);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto field = (*scheme)->escrow(key, label, rng);
    if (!field) return state.SkipWithError(field.error().message().c_str());
    bytes = field->size();
    benchmark::DoNotOptimize(field->data());
  }
  state.counters["wire_bytes"] = static_cast<double>(bytes);
  state.counters["label_bytes"] = static_cast<double>(label.encode().size());
}
BENCHMARK_CAPTURE(BM_scheme_escrow, clipper, "clipper")->Name("scheme/escrow/clipper_leaf");
BENCHMARK_CAPTURE(BM_scheme_escrow, naive_shamir, "naive-shamir")->Name("scheme/escrow/naive_shamir");
BENCHMARK_CAPTURE(BM_scheme_escrow, threshold_elgamal, "threshold-elgamal")->Name("scheme/escrow/threshold_elgamal");
BENCHMARK_CAPTURE(BM_scheme_escrow, tdh2, "tdh2")->Name("scheme/escrow/tdh2");
BENCHMARK_CAPTURE(BM_scheme_escrow, tdh2_crumple, "tdh2-crumple")->Name("scheme/escrow/tdh2_crumple");

}  // namespace

BENCHMARK_MAIN();
