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
/// - Resharing refresh (Desmedt-Jajodia 1997; Herzberg et al. 1995's share recovery): a set D of at
///   least k parties holding shares of the same epoch e deals Feldman sharings of lambda_j^D x_j;
///   every party, including those left on an older epoch, gets a share of the same x at epoch
///   e + 1. It repairs trustees split across epochs (SPEC §12.7).
///
/// Rounds are data: `rounds(protocol)` lists them in order, and every driver of a ceremony
/// (run_honest, the trustee daemon, the coordinator, the tests) walks that list. A round is open
/// until the driver calls `close()`: what did not arrive by then is silence, complained about or
/// disqualified. The getters only read; `close()` alone moves the party on. The code is one file
/// per protocol under lib/dkg/ (party.cpp holds the rounds all three share).
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/group.hpp"
#include "escrow/party.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::dkg {

/// The byte values are those of the signed message frame (SPEC §12.4).
enum class Protocol : uint8_t { joint_feldman = 1, gjkr = 2, refresh = 3, reshare = 4 };

/// A round of messages. The value is the round's byte in the signed message frame (SPEC §12.4).
enum class Round : uint8_t {
  deal = 1,              ///< Deal (broadcast) and Share (private to each other party)
  complain = 2,          ///< Complaint against a dealer whose share is wrong or missing
  justify = 3,           ///< Justification: the accused dealer publishes the share
  extract = 4,           ///< GJKR: Extraction, the Feldman commitments of the dealer's polynomial
  extract_complain = 5,  ///< GJKR: Complaint carrying the share that fails the extraction
  reveal = 6,            ///< GJKR: Reveal, every holder's share from an accused dealer
};

inline constexpr Round kFeldmanRounds[] = {Round::deal, Round::complain, Round::justify};
inline constexpr Round kGjkrRounds[] = {Round::deal, Round::complain, Round::justify,
                                        Round::extract, Round::extract_complain, Round::reveal};

/// The rounds of a protocol, in the order they run, before finish(): the one place the round
/// structure is written. GJKR runs six, Joint-Feldman, refresh and reshare three.
[[nodiscard]] constexpr std::span<const Round> rounds(Protocol protocol) {
  if (protocol == Protocol::gjkr) return kGjkrRounds;
  return kFeldmanRounds;
}
[[nodiscard]] std::string_view name(Protocol protocol);  ///< "joint_feldman", "gjkr", "refresh", "reshare"
[[nodiscard]] std::string_view name(Round round);        ///< "deal", "complain", ...
[[nodiscard]] std::optional<Protocol> protocol_named(std::string_view name);
[[nodiscard]] std::optional<Protocol> protocol_of_byte(uint8_t value);
[[nodiscard]] std::optional<Round> round_of_byte(uint8_t value);

/// Round deal, broadcast: the dealer's commitment vector. Feldman: C_m = a_m G (k entries).
/// GJKR: E_m = a_m G + b_m Gbar (k entries). Refresh: C_m = a_m G for m = 1..k-1 (a_0 = 0).
/// Reshare: C_m = a_m G (k entries) with a_0 = lambda_from^D x_from, so C_0 = lambda_from^D Y_from.
struct Deal {
  PartyIndex from;
  std::vector<group::Point> commitments;
};

/// Round deal, private (sealed to `to` by the transport): f(to), and f'(to) for GJKR.
struct Share {
  PartyIndex from;
  PartyIndex to;
  group::Scalar s;
  group::Scalar s_prime;  ///< GJKR only; zero otherwise
};

/// Rounds complain and extract_complain, broadcast: `from` says `against`'s share to it is wrong
/// or missing. In GJKR's extraction phase the complainer publishes its share, proving the dealer
/// cheated: evidence.from == against, evidence.to == from.
struct Complaint {
  PartyIndex from;
  PartyIndex against;
  std::optional<Share> evidence;  ///< GJKR extraction complaints only
};

/// Round justify, broadcast: the accused dealer `from` publishes the share it sent complainer `to`.
struct Justification {
  PartyIndex from;
  PartyIndex to;
  group::Scalar s;
  group::Scalar s_prime;
};

/// GJKR round extract, broadcast: the Feldman commitments A_m = a_m G of the dealer's polynomial.
struct Extraction {
  PartyIndex from;
  std::vector<group::Point> commitments;
};

/// GJKR round reveal, broadcast: `from`'s share from `dealer`, a dealer accused in extraction, so
/// everyone can rebuild that dealer's polynomial.
struct Reveal {
  PartyIndex from;
  PartyIndex dealer;
  group::Scalar s;
  group::Scalar s_prime;
};

using Message = std::variant<Deal, Share, Complaint, Justification, Extraction, Reveal>;
[[nodiscard]] PartyIndex sender(const Message& m);
/// The one recipient of a private message (a Share); nullopt for a broadcast.
[[nodiscard]] std::optional<PartyIndex> recipient(const Message& m);
/// Whether a message of this kind belongs to `round` (a Complaint belongs to two).
[[nodiscard]] bool belongs_to(const Message& m, Round round);

struct Outcome {
  std::vector<PartyIndex> qualified;
  std::map<PartyIndex, std::string> disqualified;  ///< party -> why, in words
  tdh2::PublicKey public_key;
  tdh2::KeyShare share;
};

/// A resharing refresh (SPEC §12.7): who deals, and the epoch of the shares they deal from.
struct Resharing {
  std::vector<PartyIndex> dealers;  ///< D: at least k, increasing, each holding its share of `epoch`
  uint32_t epoch = 0;               ///< e: the dealers' epoch; every party ends at e + 1
};

namespace detail {
struct State;
}

class Party {
 public:
  using Previous = std::optional<std::pair<tdh2::PublicKey, tdh2::KeyShare>>;
  /// `previous` is required for refresh: this party's current share and the current public key.
  Party(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, Rng& rng, Previous previous = std::nullopt);
  /// A party dealing the given polynomials (coefficients a_0..a_{k-1}; a_0 = 0 for a refresh; and
  /// b_0..b_{k-1} for GJKR, empty otherwise): for the test vectors, which list them.
  [[nodiscard]] static Result<Party> with_polynomials(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n,
                                                      std::vector<group::Scalar> f, std::vector<group::Scalar> f_prime,
                                                      Previous previous = std::nullopt);
  /// A party of a resharing refresh (SPEC §12.7). `previous` is this party's key and share: of
  /// epoch e for a dealer (which deals lambda_me^D x_me) or any party at e (which then checks every
  /// C_j0 = lambda_j^D Y_j of epoch e); of an earlier epoch for a lagging party (which deals nothing
  /// and checks only that the dealers' C_j0 add up to its Y). Refused: a plan with fewer than k
  /// dealers or indices outside 1..n or not increasing, a dealer not at epoch e, a party past e (the
  /// result would not be above its own epoch), a key of another k or n.
  [[nodiscard]] static Result<Party> resharing(PartyIndex me, std::size_t k, std::size_t n, const Resharing& plan,
                                               std::pair<tdh2::PublicKey, tdh2::KeyShare> previous, Rng& rng);
  /// The same with a dealer's a_1..a_{k-1} given (its a_0 is lambda_me^D x_me; empty for a party
  /// that does not deal): for the test vectors, which list them.
  [[nodiscard]] static Result<Party> resharing_with_polynomial(PartyIndex me, std::size_t k, std::size_t n, const Resharing& plan,
                                                               std::pair<tdh2::PublicKey, tdh2::KeyShare> previous,
                                                               std::vector<group::Scalar> higher);
  Party(Party&&) noexcept;
  Party& operator=(Party&&) noexcept;
  ~Party();

  /// The open round; after the last close(), closed() is true and round() is the last round.
  [[nodiscard]] Round round() const;
  [[nodiscard]] bool closed() const;
  /// This party's messages for the open round, in a fixed order (none once closed()).
  [[nodiscard]] std::vector<Message> messages() const;
  /// An incoming message of the open round. Refused (with blame) when from an unknown party, out
  /// of its round, addressed to someone else, repeated with different content (equivocation), or
  /// malformed (wrong length, identity point, evidence that does not prove the complaint).
  [[nodiscard]] Result<void> receive(const Message& m);
  /// Closes the open round and prepares this party's messages for the next. Closing the deal
  /// round disqualifies silent dealers and writes complaints; closing justify fixes QUAL.
  void close();
  /// After every round is closed: the key. Fails if this party itself was disqualified, fewer than
  /// k remain, or a round is still open.
  [[nodiscard]] Result<Outcome> finish();

  // The open round's messages by kind, for drivers that handle one kind (tests, attacks).
  [[nodiscard]] const Deal& deal() const;
  [[nodiscard]] std::vector<Share> shares() const;
  [[nodiscard]] std::vector<Complaint> complaints() const;  ///< complain and extract_complain rounds
  [[nodiscard]] std::vector<Justification> justifications() const;
  [[nodiscard]] std::optional<Extraction> extraction() const;  ///< nullopt if this party was disqualified
  [[nodiscard]] std::vector<Reveal> reveals() const;

  [[nodiscard]] PartyIndex index() const;
  [[nodiscard]] const std::map<PartyIndex, std::string>& disqualified() const;

 private:
  explicit Party(std::unique_ptr<detail::State> state);
  std::unique_ptr<detail::State> state_;
};

/// Byte encodings of the messages (SPEC §12.3). A transport signs broadcasts and seals shares
/// (escrow/dkg_message.hpp); these are the payloads. Decoding checks encodings only; the state
/// machine checks the rest.
[[nodiscard]] std::vector<uint8_t> encode(const Deal& d);
[[nodiscard]] SecureBytes encode(const Share& s);  ///< secret: sealed to its recipient
[[nodiscard]] std::vector<uint8_t> encode(const Complaint& c);
[[nodiscard]] std::vector<uint8_t> encode(const Justification& j);
[[nodiscard]] std::vector<uint8_t> encode(const Extraction& e);
[[nodiscard]] std::vector<uint8_t> encode(const Reveal& r);
[[nodiscard]] Result<Deal> decode_deal(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Share> decode_share(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Complaint> decode_complaint(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Justification> decode_justification(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Extraction> decode_extraction(std::span<const uint8_t> bytes);
[[nodiscard]] Result<Reveal> decode_reveal(std::span<const uint8_t> bytes);
/// Any message, as its own encoding (the type byte of its header says which).
[[nodiscard]] SecureBytes encode(const Message& m);
/// The header's type byte of a message's encoding (wire::ObjectType, SPEC §3.2).
[[nodiscard]] uint8_t type_byte(const Message& m);
/// Decodes the encoding of any message; `type` is the expected header type byte.
[[nodiscard]] Result<Message> decode(uint8_t type, std::span<const uint8_t> bytes);

/// Runs a whole protocol among n honest in-memory parties: for tests, benchmarks and the dealer
/// comparison. Returns each party's result in index order.
[[nodiscard]] Result<std::vector<Outcome>> run_honest(Protocol protocol, std::size_t k, std::size_t n, Rng& rng,
                                                      const std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>>& previous = {});

}  // namespace escrow::dkg
