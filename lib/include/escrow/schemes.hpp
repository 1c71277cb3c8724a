#pragma once
/// Five escrow designs behind one interface (SPEC §13), so that the attacks (attacks/) and the
/// benchmarks (bench/) run the same scenario against each:
///
///   clipper            EES structure: unit key XOR-split between two agents, a LEAF under a
///                      family key with a w-bit checksum (AES-256 in the historical structure)
///   naive-shamir       master key Shamir-split by a dealer; on a warrant the trustees hand their
///                      shares to the investigator, who rebuilds the key
///   threshold-elgamal  hashed ElGamal KEM, Joint-Feldman DKG, partials with DLEQ proofs, but the
///                      label travels beside the field unbound and nothing proves the field valid
///   tdh2               the project's design (GJKR DKG, labels bound, validity proof, refresh)
///   tdh2-crumple       tdh2 over K with t bits withheld: every recovery searches 2^t keys
///                      against the session's AEAD tag (Wright–Varia crumple zones)
///
/// Every session, whatever the design, is the same message layer: XChaCha20-Poly1305 under
/// H(K) with the field's hash and the label in the associated data, so an attack's result is
/// checked the same way for all: the recovered K opens the body, or it does not.
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/group.hpp"
#include "escrow/label.hpp"
#include "escrow/party.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"

namespace escrow::schemes {

using SessionKey = tdh2::SessionKey;

/// One escrowed session as the provider stores it.
struct Session {
  SessionLabel label;
  std::vector<uint8_t> field;     ///< the design's escrow field
  std::array<uint8_t, 24> nonce{};
  std::vector<uint8_t> body;      ///< XChaCha20-Poly1305(H(K), nonce, m, H(field) || label)
};

/// What a warrant lets the trustees open: sessions to or from a target inside a time window.
struct Scope {
  std::vector<std::string> targets;
  uint64_t window_start = 0;
  uint64_t window_end = 0;
  [[nodiscard]] bool covers(const SessionLabel& label) const;
  [[nodiscard]] bool covers_identity(const std::string& identity) const;
};

/// A court's warrant as the trustees receive it: the signed warrant, the key the agency signs its
/// requests with (the warrant's agency_sign_key), the policy the trustees hold it to and their clock.
struct Warrant {
  warrant::SignedWarrant signed_warrant;
  Secret<64> agency;  ///< Ed25519, libsodium layout
  warrant::Policy policy;
  uint64_t now = 0;
  /// What the warrant lets the trustees open.
  [[nodiscard]] Scope scope() const;
};

/// One trustee's log as it serves it: its entries, and a head over all of them signed now by the
/// trustee's log key (what an auditor fetches: escrow/audit.hpp checks it).
struct TrusteeLog {
  std::array<uint8_t, 32> key{};                 ///< the trustee's enrolled log key (Ed25519)
  std::vector<std::vector<uint8_t>> entries;     ///< translog::Entry encodings, in log order
  translog::TreeHead head;
};

/// How a trustee behaves when it answers (the attack hooks).
enum class Conduct {
  honest,
  wrong_share,           ///< answers with its share plus one (a cheater or a corrupted disk)
  skip_validity_check,   ///< a buggy trustee: answers for a field without the design's validity check
};

/// Trustee i's answer to a request: a partial decryption, or (naive-shamir, clipper) its secret.
struct Answer {
  PartyIndex index;
  SecureBytes bytes;
};

/// Everything a trustee holds (what stealing trustee i yields), at the epoch it was taken.
struct TrusteeSecret {
  PartyIndex index;
  uint32_t epoch = 0;
  SecureBytes bytes;
};

struct Recovered {
  SessionKey key;
  std::vector<PartyIndex> blamed;  ///< answers proven wrong (designs with proofs only)
};

/// accept(K): does K open the session? Crumple recovery searches with it; optimistic checks use it.
using KeyCheck = std::function<bool(const SessionKey&)>;

/// What an attacker holding trustee secrets runs on any field: no warrant, no trustee, no log.
using Decryptor = std::function<Result<SessionKey>(const Session&)>;

struct Properties {
  std::string_view key_generation;  ///< "dealer", "joint-feldman", "gjkr"
  bool label_bound = false;         ///< the field is cryptographically bound to its label
  bool validity_proof = false;      ///< anyone can check a field before decrypting it
  bool partial_proofs = false;      ///< a wrong answer is detected and its trustee named
  bool recipient_check = false;     ///< the recipient can check the field hides its K
  bool investigator_keeps_key = false;  ///< lawful access hands over long-lived key material
  bool refresh = false;             ///< proactive refresh of the shares is supported
  bool audit_log = false;           ///< trustees keep a signed Merkle log of every decision (a description:
                                    ///< verdicts read the logs themselves, Scheme::log)
  unsigned work_bits = 0;           ///< per-session recovery work 2^t (crumple), 0 otherwise
};

struct Config {
  std::size_t k = 3;
  std::size_t n = 5;
  unsigned crumple_bits = 12;       ///< tdh2-crumple's t
  unsigned checksum_bits = 16;      ///< clipper's LEAF checksum width: 16, 24 or 32
  bool dealer = false;              ///< tdh2 / threshold-elgamal: a trusted dealer instead of the DKG
  /// tdh2 designs: the trustees append decide()'s entries to their logs, as the daemon does. false
  /// is a test variant (tests/attacks_test.cpp): trustees that decide the same and write no log.
  bool trustees_log = true;
};

/// Re-randomised copy of a field carrying another label, and the blinding to undo afterwards.
struct Mauled {
  std::vector<uint8_t> field;
  group::Scalar blind;
};

class Scheme {
 public:
  virtual ~Scheme() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual const Properties& properties() const = 0;
  [[nodiscard]] virtual std::size_t threshold() const = 0;
  [[nodiscard]] virtual std::size_t trustees() const = 0;
  [[nodiscard]] virtual uint32_t epoch() const { return 0; }

  /// Sender: the escrow field for K in the session `label`.
  [[nodiscard]] virtual Result<std::vector<uint8_t>> escrow(const SessionKey& key, const SessionLabel& label,
                                                            Rng& rng) = 0;
  /// Recipient: the check it runs on an incoming field knowing K (ok where the design has none).
  [[nodiscard]] virtual Result<void> recipient_check(std::span<const uint8_t> field, const SessionKey& key,
                                                     const SessionLabel& label) const = 0;
  /// Trustee i's decision and answer for `field` presented as the session `label` under `scope`.
  [[nodiscard]] virtual Result<Answer> answer(PartyIndex i, std::span<const uint8_t> field,
                                              const SessionLabel& label, const Scope& scope, Conduct conduct,
                                              Rng& rng) const = 0;
  /// Trustee i's decision and answer for `field` under a warrant. The default checks the warrant
  /// (warrant::verify against its policy at its time) and answers under its scope. The tdh2 designs
  /// run the shipped trustee's decide() (SPEC §11.2) on a request the agency signs, over this
  /// trustee's state, and append its log entries to the trustee's log, as the daemon does.
  [[nodiscard]] virtual Result<Answer> answer_request(PartyIndex i, std::span<const uint8_t> field,
                                                      const SessionLabel& label, const Warrant& warrant, Rng& rng);
  /// Trustee i's log as it serves it now; nullopt where the design's trustees keep none.
  [[nodiscard]] virtual std::optional<TrusteeLog> log(PartyIndex) const { return std::nullopt; }
  /// Trustee i's log key signing a head over `leaves` it chose: what a trustee that shows an
  /// auditor another log than its own signs (log-equivocation). nullopt where there is no log key.
  [[nodiscard]] virtual std::optional<translog::TreeHead> sign_head(PartyIndex, std::span<const translog::Hash>,
                                                                    uint64_t) const {
    return std::nullopt;
  }
  /// Investigator: K from the answers (checking them where the design can), completed by search
  /// with `opens` where the design withholds bits.
  [[nodiscard]] virtual Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel& label,
                                                  std::span<const Answer> answers, const KeyCheck& opens) const = 0;
  /// Compromise: everything trustee i holds now.
  [[nodiscard]] virtual TrusteeSecret steal(PartyIndex i) const = 0;
  /// Compromise: a decryptor from stolen secrets; fails when they cannot rebuild the key.
  [[nodiscard]] virtual Result<Decryptor> decryptor(std::span<const TrusteeSecret> stolen) const = 0;
  /// What the party that generated the keys saw of the trustees' secrets: all of them under a
  /// dealer, only its own share under a DKG.
  [[nodiscard]] virtual std::vector<TrusteeSecret> keygen_view() const = 0;
  /// Proactive refresh: new shares of the same key, old shares useless. policy_denied if unsupported.
  [[nodiscard]] virtual Result<void> refresh(Rng&) {
    return fail(ErrorCategory::policy_denied, "schemes::refresh", "this design has no refresh");
  }
  /// Attack hook (ElGamal-shaped designs): re-randomise a field to carry `label`. nullopt otherwise.
  [[nodiscard]] virtual std::optional<Mauled> maul(std::span<const uint8_t>, const SessionLabel&, Rng&) const {
    return std::nullopt;
  }
  /// Attack hook: K of the original field from unchecked answers for its mauled copy.
  [[nodiscard]] virtual Result<SessionKey> unblind(std::span<const uint8_t>, std::span<const Answer>,
                                                   const group::Scalar&, const KeyCheck&) const {
    return fail(ErrorCategory::policy_denied, "schemes::unblind", "this design is not malleable this way");
  }
  /// Attack hook: the same field bytes presented under another label (a label swap).
  [[nodiscard]] virtual std::vector<uint8_t> relabel(std::span<const uint8_t> field, const SessionLabel& label) const;
};

/// The five design names, in the order the matrix shows them.
[[nodiscard]] const std::vector<std::string_view>& names();
[[nodiscard]] Result<std::unique_ptr<Scheme>> make(std::string_view name, const Config& config, Rng& rng);

/// A session under `scheme`: fresh K, its field, and the message under H(K).
struct Sealed {
  Session session;
  SessionKey key;
};
[[nodiscard]] Result<Sealed> seal(Scheme& scheme, const SessionLabel& label, std::span<const uint8_t> plaintext,
                                  Rng& rng);
/// The message layer alone, for a sender who chooses its own field (leaf forgery, superencryption).
[[nodiscard]] Session seal_with(const SessionLabel& label, std::vector<uint8_t> field, const SessionKey& key,
                                std::span<const uint8_t> plaintext, Rng& rng);
/// Opens the body with K; decryption_failed otherwise.
[[nodiscard]] Result<SecureBytes> open(const Session& session, const SessionKey& key);
/// Lawful access as the design prescribes: trustees 1..k answer under `scope`, the investigator combines
/// and opens. Fails with the first trustee's refusal.
[[nodiscard]] Result<SecureBytes> lawful_open(const Scheme& scheme, const Session& session, const Scope& scope,
                                              Rng& rng, std::vector<Answer>* kept = nullptr);
/// The same under a warrant: trustees 1..k each decide on the warrant (Scheme::answer_request).
[[nodiscard]] Result<SecureBytes> lawful_open(Scheme& scheme, const Session& session, const Warrant& warrant, Rng& rng,
                                              std::vector<Answer>* kept = nullptr);

}  // namespace escrow::schemes
