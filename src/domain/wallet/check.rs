//! The checks a signed EIP-4361 message must pass (API.md, "Sign-In with Ethereum").
//!
//! The `siwe` crate parses the message and recovers the signer (EIP-191 over k256). It
//! checks neither the chain id, the URI nor the issue time, and it verifies the signature
//! over its own rendering of the message, so each of those is checked here against what
//! this server expects, and the text posted must be exactly that rendering: what was
//! signed is then what was checked.

use crate::domain::{required, Error, Millis, Result};
use crate::model::{SiweChallenge, SiweInput};
use crate::store::NonceRow;
use sha2::{Digest, Sha256};
use siwe::Message;

/// How long a nonce can be used after it is given.
pub const NONCE_TTL: Millis = 10 * 60 * 1000;
/// How far in the future `Issued At` may be: clocks differ.
pub const CLOCK_SKEW: Millis = 60 * 1000;

/// Where users reach the server: the message's `domain` must be its authority (host and
/// port) and its `URI` on its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// `scheme://host[:port]`, default port omitted.
    origin: String,
}

impl Site {
    /// From a serialised web origin (`PUBLIC_URL`, or the request's scheme and `Host`).
    pub fn new(origin: &str) -> Site {
        Site {
            origin: origin.to_ascii_lowercase(),
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `host[:port]`: what the message's first line names.
    pub fn authority(&self) -> &str {
        self.origin
            .split_once("://")
            .map_or(self.origin.as_str(), |(_, rest)| rest)
    }
}

/// A message and its signature as posted; both present, neither checked yet.
#[derive(Clone, Debug)]
pub struct SiweProof {
    pub message: String,
    pub signature: String,
}

impl TryFrom<SiweInput> for SiweProof {
    type Error = Error;
    fn try_from(input: SiweInput) -> Result<Self> {
        Ok(SiweProof {
            message: required("message", input.message)?,
            signature: required("signature", input.signature)?,
        })
    }
}

/// What the pages ask wallets to sign.
const STATEMENT: &str = "Sign in to Squid with this wallet.";

/// The EIP-4361 text for `address` (`0x` and 40 hex digits, any case) answering
/// `challenge`; `None` when the address is not one.
pub fn message_text(challenge: &SiweChallenge, address: &str, chain_id: u64) -> Option<String> {
    let mut bytes = [0u8; 20];
    hex::decode_to_slice(address.strip_prefix("0x")?, &mut bytes).ok()?;
    let text = format!(
        "{} wants you to sign in with your Ethereum account:\n{}\n\n{STATEMENT}\n\n\
         URI: {}\nVersion: 1\nChain ID: {chain_id}\nNonce: {}\nIssued At: {}",
        challenge.domain,
        siwe::eip55(&bytes),
        challenge.uri,
        challenge.nonce,
        challenge.issued_at,
    );
    // What is built here must be what `Parsed::new` accepts.
    let proof = SiweProof {
        message: text,
        signature: String::new(),
    };
    Parsed::new(&proof).map(|_| proof.message)
}

/// The nonce's stored form.
pub fn nonce_hash(nonce: &str) -> [u8; 32] {
    Sha256::digest(nonce.as_bytes()).into()
}

/// Why a proof was refused: for the audit trail and the tests. Clients get one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an EIP-4361 message, or not in its one canonical form.
    Malformed,
    Domain,
    Uri,
    Chain,
    /// No nonce given to this session, another one, or an expired one.
    Nonce,
    IssuedInFuture,
    Expired,
    NotYetValid,
    /// Not `0x` and 130 hex digits, or not made by the message's address.
    Signature,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Domain => "domain",
            Refusal::Uri => "uri",
            Refusal::Chain => "chain",
            Refusal::Nonce => "nonce",
            Refusal::IssuedInFuture => "issued_at",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_before",
            Refusal::Signature => "signature",
        }
    }
}

/// What a message must match.
pub struct Expected<'a> {
    pub site: &'a Site,
    pub chain_ids: &'a [u64],
    /// The nonce this session was given (already taken from the store).
    pub nonce: Option<&'a NonceRow>,
    pub now: Millis,
}

/// A message that parsed: its address is known, so a failure can be counted against it.
pub struct Parsed {
    message: Message,
    signature: String,
}

impl Parsed {
    /// Parses the posted text; `None` unless it is an EIP-4361 message in the canonical
    /// form `siwe` signs and verifies.
    pub fn new(proof: &SiweProof) -> Option<Parsed> {
        let message: Message = proof.message.parse().ok()?;
        (message.to_string() == proof.message).then(|| Parsed {
            message,
            signature: proof.signature.clone(),
        })
    }

    /// The signing address, EIP-55 checksummed.
    pub fn wallet(&self) -> String {
        siwe::eip55(&self.message.address)
    }

    /// Every check of the contract, the signature last (it is the costly one).
    pub fn check(&self, expected: &Expected<'_>) -> Result<(), Refusal> {
        let m = &self.message;
        if !m
            .domain
            .as_str()
            .eq_ignore_ascii_case(expected.site.authority())
        {
            return Err(Refusal::Domain);
        }
        let on_site = url::Url::parse(m.uri.as_str())
            .is_ok_and(|uri| uri.origin().ascii_serialization() == expected.site.origin());
        if !on_site {
            return Err(Refusal::Uri);
        }
        if !expected.chain_ids.contains(&m.chain_id) {
            return Err(Refusal::Chain);
        }
        let nonce_ok = expected.nonce.is_some_and(|n| {
            n.expires_at > expected.now && n.nonce_hash[..] == nonce_hash(&m.nonce)[..]
        });
        if !nonce_ok {
            return Err(Refusal::Nonce);
        }
        let now = expected.now;
        if millis(m.issued_at.as_ref()) > now + CLOCK_SKEW {
            return Err(Refusal::IssuedInFuture);
        }
        if m.expiration_time
            .as_ref()
            .is_some_and(|t| millis(t.as_ref()) <= now)
        {
            return Err(Refusal::Expired);
        }
        if m.not_before
            .as_ref()
            .is_some_and(|t| millis(t.as_ref()) > now)
        {
            return Err(Refusal::NotYetValid);
        }
        let signature = parse_signature(&self.signature).ok_or(Refusal::Signature)?;
        m.verify_eip191(&signature)
            .map(drop)
            .map_err(|_| Refusal::Signature)
    }
}

fn millis(t: &time::OffsetDateTime) -> Millis {
    (t.unix_timestamp_nanos() / 1_000_000) as Millis
}

/// `0x` and 130 hex digits: r, s and v.
fn parse_signature(text: &str) -> Option<[u8; 65]> {
    let digits = text.strip_prefix("0x")?;
    let mut bytes = [0u8; 65];
    hex::decode_to_slice(digits, &mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_authority_is_the_origin_without_its_scheme() {
        let site = Site::new("https://Squid.Example.com");
        assert_eq!(site.authority(), "squid.example.com");
        assert_eq!(
            Site::new("http://127.0.0.1:3000").authority(),
            "127.0.0.1:3000"
        );
    }

    #[test]
    fn signatures_are_0x_and_130_hex_digits() {
        let good = format!("0x{}", "ab".repeat(65));
        assert_eq!(parse_signature(&good), Some([0xab; 65]));
        for bad in [
            "ab".repeat(65),
            format!("0x{}", "ab".repeat(64)),
            format!("0x{}", "ab".repeat(66)),
            format!("0x{}zz", "ab".repeat(64)),
            String::new(),
        ] {
            assert_eq!(parse_signature(&bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_canonical_text_of_a_message_parses() {
        let text = "127.0.0.1:3000 wants you to sign in with your Ethereum account:\n\
            0x6Da01670d8fc844e736095918bbE11fE8D564163\n\n\n\
            URI: http://127.0.0.1:3000\nVersion: 1\nChain ID: 1\n\
            Nonce: kEWepMt9knR6lWJ6A\nIssued At: 2021-12-07T18:28:18.807Z";
        let proof = |message: String| SiweProof {
            message,
            signature: String::new(),
        };
        let parsed = Parsed::new(&proof(text.to_string())).expect("canonical");
        assert_eq!(
            parsed.wallet(),
            "0x6Da01670d8fc844e736095918bbE11fE8D564163"
        );
        // The same message with a trailing newline, or the address not checksummed.
        assert!(Parsed::new(&proof(format!("{text}\n"))).is_none());
        let lower = text.replace(
            "0x6Da01670d8fc844e736095918bbE11fE8D564163",
            "0x6da01670d8fc844e736095918bbe11fe8d564163",
        );
        assert!(Parsed::new(&proof(lower)).is_none());
        assert!(Parsed::new(&proof("hello".into())).is_none());
    }

    #[test]
    fn the_pages_message_is_canonical_and_names_the_challenge() {
        let challenge = SiweChallenge {
            nonce: "abcdefgh12345678x".into(),
            domain: "127.0.0.1:3000".into(),
            uri: "http://127.0.0.1:3000".into(),
            chain_ids: vec![1],
            issued_at: "2026-11-29T18:00:00.000Z".into(),
        };
        let text = message_text(&challenge, "0x6da01670d8fc844e736095918bbe11fe8d564163", 5)
            .expect("an address");
        let parsed = Parsed::new(&SiweProof {
            message: text,
            signature: String::new(),
        })
        .expect("canonical");
        assert_eq!(
            parsed.wallet(),
            "0x6Da01670d8fc844e736095918bbE11fE8D564163"
        );
        assert_eq!(parsed.message.chain_id, 5);
        assert_eq!(parsed.message.nonce, "abcdefgh12345678x");
        assert_eq!(message_text(&challenge, "0x6da0", 1), None);
        assert_eq!(message_text(&challenge, "hello", 1), None);
    }
}
