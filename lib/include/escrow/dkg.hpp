#pragma once
/// Distributed key generation and proactive refresh (SPEC §12), as transport-agnostic state
/// machines: each party is fed the messages of a round and produces its own. No party ever holds
/// the authority's secret x.
///
/// - Joint-Feldman (Pedersen 1991): every party deals a Feldman VSS; complaints, justifications,
///   disqualification. Known weakness: a rushing adversary can bias Y (GJKR 1999) — kept for the
///   dkg-bias attack and for comparison.
/// - GJKR (Gennaro–Jarecki–Krawczyk–Rabin 1999): Pedersen commitments fix the qualified set
///   before anything about Y is revealed; then a Feldman extraction phase publishes a_i0 G, and
///   a dealer who cheats there has its polynomial reconstructed in the open.
/// - Refresh (Herzberg et al. 1995): every party deals a Feldman sharing of zero; shares change,
///   Y does not, the epoch goes up.
///
/// Rounds: deal → complain → justify → (GJKR only: extract → extraction complaints → reveal) →
/// finish. The caller closes a round by asking for the next one's messages; a party whose message
/// did not arrive by then is silent, and is complained about or disqualified.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/group.hpp"
#include "escrow/party.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::dkg {

enum class Protocol { joint_feldman, gjkr, refresh };
/// Rounds of messages before finish(): GJKR's six, three for Joint-Feldman and refresh. Every
/// driver of a ceremony (run_honest, the trustee daemon, the coordinator) reads it from here.
[[nodiscard]] constexpr int rounds(Protocol protocol) { return protocol == Protocol::gjkr ? 6 : 3; }

/// Round 1, broadcast: the dealer's commitment vector. Feldman: C_m = a_m G (k entries).
/// GJKR: E_m = a_m G + b_m Gbar (k entries). Refresh: C_m = a_m G for m = 1..k-1 (a_0 = 0).
struct Deal {
  PartyIndex from;
  std::vector<group::Point> commitments;
};

/// Round 1, private (sealed to `to` by the transport): f(to), and f'(to) for GJKR.
struct Share {
  PartyIndex from;
  PartyIndex to;
  group::Scalar s;
  group::Scalar s_prime;  ///< GJKR only; zero otherwise
};

/// Round 2 (and GJKR round 5), broadcast: `from` says `against`'s share to it is wrong or missing.
/// In GJKR's extraction phase the complainer publishes its share, proving the dealer cheated.
struct Complaint {
  PartyIndex from;
  PartyIndex against;
  std::optional<Share> evidence;  ///< GJKR extraction complaints only
};

/// Round 3, broadcast: the accused dealer publishes the share it sent the complainer.
using Justification = Share;

/// GJKR round 4, broadcast: the Feldman commitments A_m = a_m G of the dealer's polynomial.
struct Extraction {
  PartyIndex from;
  std::vector<group::Point> commitments;
};

/// GJKR round 6, broadcast: a party's shares from a dealer accused in extraction, so everyone
/// can rebuild that dealer's polynomial.
using Reveal = Share;

struct Outcome {
  std::vector<PartyIndex> qualified;
  std::map<PartyIndex, std::string> disqualified;  ///< party -> why, in words
  tdh2::PublicKey public_key;
  tdh2::KeyShare share;
};

class Party {
 public:
  /// `previous` is required for refresh: this party's current share and the current public key.
  Party(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, Rng& rng,
        std::optional<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous = std::nullopt);

  // Round 1: this party's deal and one share for every other party.
  [[nodiscard]] Deal deal() const { return deal_; }
  [[nodiscard]] std::vector<Share> shares() const;
  /// Incoming round-1 messages. Refused (with blame) when from an unknown party, addressed to
  /// someone else, repeated with different content (equivocation), malformed (wrong length,
  /// identity point), or sent after the round closed.
  [[nodiscard]] Result<void> receive(const Deal& deal);
  [[nodiscard]] Result<void> receive(const Share& share);

  // Round 2: closes round 1; complaints about wrong or missing shares. Silent dealers are
  // disqualified here.
  [[nodiscard]] std::vector<Complaint> complaints();
  [[nodiscard]] Result<void> receive(const Complaint& complaint);

  // Round 3: closes round 2; this party's answers to complaints against it.
  [[nodiscard]] std::vector<Justification> justifications();
  [[nodiscard]] Result<void> receive_justification(const Justification& j);

  // GJKR rounds 4-6.
  [[nodiscard]] std::optional<Extraction> extraction();  ///< closes round 3; nullopt if this party was disqualified
  [[nodiscard]] Result<void> receive(const Extraction& e);
  [[nodiscard]] std::vector<Complaint> extraction_complaints();  ///< closes round 4
  [[nodiscard]] Result<void> receive_extraction_complaint(const Complaint& c);
  [[nodiscard]] std::vector<Reveal> reveals();  ///< closes round 5
  [[nodiscard]] Result<void> receive_reveal(const Reveal& r);

  /// Closes the last round. Fails if this party itself was disqualified or fewer than k remain.
  [[nodiscard]] Result<Outcome> finish();

  [[nodiscard]] PartyIndex index() const { return me_; }
  [[nodiscard]] const std::map<PartyIndex, std::string>& disqualified() const { return disqualified_; }

 private:
  enum class Phase { deal, complain, justify, extract, extract_complain, reveal, done };
  bool expects_pedersen() const { return protocol_ == Protocol::gjkr; }
  std::size_t commitment_count() const { return protocol_ == Protocol::refresh ? k_ - 1 : k_; }
  bool share_valid(const std::vector<group::Point>& commitments, const Share& s, bool pedersen) const;
  Result<void> check_sender(PartyIndex from, Phase expected, std::string_view fn) const;
  void disqualify(PartyIndex who, std::string why);
  bool qualified(PartyIndex i) const { return !disqualified_.contains(i); }
  group::Point image(const std::vector<group::Point>& commitments, PartyIndex at) const;

  Protocol protocol_;
  PartyIndex me_;
  std::size_t k_, n_;
  Phase phase_ = Phase::deal;
  std::vector<group::Scalar> f_, f_prime_;  // secret polynomials (coefficients)
  Deal deal_;
  std::map<PartyIndex, Deal> deals_;
  std::map<PartyIndex, Share> received_;              // shares sent to me, by dealer
  std::map<PartyIndex, std::vector<PartyIndex>> complaints_;  // dealer -> complainers
  std::map<PartyIndex, std::vector<Justification>> justified_;
  std::map<PartyIndex, Extraction> extractions_;
  std::map<PartyIndex, std::map<PartyIndex, Share>> revealed_;  // accused dealer -> holder -> share
  std::map<PartyIndex, std::string> disqualified_;
  std::vector<PartyIndex> accused_in_extraction_;
  std::optional<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous_;
};

/// Byte encodings of the messages (SPEC §12.3). A transport signs broadcasts and seals shares;
/// these are the payloads. Decoding checks encodings only; the state machine checks the rest.
[[nodiscard]] std::vector<uint8_t> encode(const Deal& d);
[[nodiscard]] SecureBytes encode(const Share& s);  ///< secret while private; public as a justification or reveal
[[nodiscard]] std::vector<uint8_t> encode(const Complaint& c);
[[nodiscard]] std::vector<uint8_t> encode(const Extraction& e);
[[nodiscard]] Result<Deal> decode_deal(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Share> decode_share(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Complaint> decode_complaint(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Extraction> decode_extraction(std::span<const uint8_t> bytes);

/// Runs a whole protocol among n honest in-memory parties: for tests, benchmarks and the dealer
/// comparison. Returns each party's result in index order.
[[nodiscard]] Result<std::vector<Outcome>> run_honest(Protocol protocol, std::size_t k, std::size_t n, Rng& rng,
                                                      const std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>>& previous = {});

}  // namespace escrow::dkg
