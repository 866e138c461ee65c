//! Verifying credentials, and nothing else: a digest answer or a bearer token goes in, and what it proves (or a
//! refusal) comes out. API keys sign requests with HTTP Digest and service accounts send OAuth 2.0 bearer
//! tokens, exactly as Atlas expects (https://www.mongodb.com/docs/atlas/api/api-authentication/). Looking the
//! credential up, recording the nonce use and deciding what the caller may do are the service's business.

pub mod digest;
pub mod links;
pub mod oauth;

use crate::clock::UnixSeconds;
use crate::domain::ApiKey;
use digest::{Algorithm, DigestResponse, NonceIssuer, NonceKey, NonceState};
use links::LinkSigner;
use oauth::{Claims, TokenSigner};

/// How long a challenge's nonce may be answered ("only valid for a short amount of time", Atlas docs).
pub const NONCE_TTL_SECONDS: i64 = 300;

/// Why a request is answered with a fresh challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Digest: `stale` tells the client its credentials were right but the nonce had expired, so it may retry
    /// without asking the user (RFC 7616 §3.3).
    Digest { stale: bool },
    /// A bearer token that is not (or no longer) valid (RFC 6750 §3.1).
    Bearer,
    /// A digest answer whose `uri` is not the request's target: "the server SHOULD return 400 Bad Request"
    /// (RFC 7616 §3.4.6), since what was signed is not what is asked.
    WrongUri,
}

/// A digest answer that matched its key with a fresh nonce; it counts once the (nonce, nc) use is recorded as
/// new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestProof {
    pub nonce: String,
    pub nc: u32,
    pub nonce_expires_at: UnixSeconds,
}

/// The server's keys for nonces, tokens and invitation links, shared by every process on one store.
pub struct Verifier {
    nonces: NonceIssuer,
    challenge_algorithm: Algorithm,
    tokens: TokenSigner,
    links: LinkSigner,
}

/// The three server keys.
pub struct ServerKeys {
    pub nonce: [u8; 32],
    pub token: [u8; 32],
    pub link: [u8; 32],
}

impl Verifier {
    pub fn new(keys: ServerKeys, challenge_algorithm: Algorithm) -> Self {
        Verifier {
            nonces: NonceIssuer::new(NonceKey::from_bytes(keys.nonce), NONCE_TTL_SECONDS),
            challenge_algorithm,
            tokens: TokenSigner::new(&keys.token),
            links: LinkSigner::new(keys.link),
        }
    }

    pub fn tokens(&self) -> &TokenSigner {
        &self.tokens
    }

    pub fn links(&self) -> &LinkSigner {
        &self.links
    }

    /// The `WWW-Authenticate` value of a digest challenge with a new nonce.
    pub fn challenge(&self, stale: bool, now: UnixSeconds) -> String {
        digest::challenge(&self.nonces.mint(now), self.challenge_algorithm, stale)
    }

    /// Parses a Digest `Authorization` header sent for `method` on `request_target` (path and query as
    /// received). The header must name Atlas's realm, this very target (RFC 7616 §3.4: `uri` is the request
    /// target) and qop=auth.
    pub fn parse_digest(&self, authorization: &str, request_target: &str) -> Result<DigestResponse, Refusal> {
        let credentials = digest::parse_authorization(authorization).map_err(|_| Refusal::Digest { stale: false })?;
        if credentials.realm != digest::REALM || credentials.qop.is_none() {
            return Err(Refusal::Digest { stale: false });
        }
        if credentials.uri != request_target {
            return Err(Refusal::WrongUri);
        }
        Ok(credentials)
    }

    /// Checks the answer against the key its username names (`None`: no such key). An unknown key costs the
    /// same hashing as a known one, so response time does not reveal which public keys exist.
    pub fn check_digest(
        &self,
        credentials: &DigestResponse,
        key: Option<&ApiKey>,
        method: &str,
        now: UnixSeconds,
    ) -> Result<DigestProof, Refusal> {
        let fail = Refusal::Digest { stale: false };
        let Some(key) = key else {
            let decoy = digest::ha1(credentials.algorithm, &credentials.username, "");
            let _ = digest::response_matches(credentials, &decoy, method);
            return Err(fail);
        };
        let ha1 = match credentials.algorithm {
            Algorithm::Md5 => &key.ha1_md5,
            Algorithm::Sha256 => &key.ha1_sha256,
        };
        let right = digest::response_matches(credentials, ha1, method);
        match self.nonces.check(&credentials.nonce, now) {
            NonceState::Forged => Err(fail),
            NonceState::Expired => Err(Refusal::Digest { stale: right }),
            NonceState::Fresh if !right => Err(fail),
            NonceState::Fresh => Ok(DigestProof {
                nonce: credentials.nonce.clone(),
                nc: credentials.nc.unwrap_or(0),
                nonce_expires_at: self.nonces.expires_at(&credentials.nonce).unwrap_or(now),
            }),
        }
    }

    /// A bearer token's claims: our signature and unexpired at `now`. Whether it was revoked is for the store.
    pub fn check_bearer(&self, token: &str, now: UnixSeconds) -> Result<Claims, Refusal> {
        self.tokens.verify(token, now).ok_or(Refusal::Bearer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Grants, ObjectId};

    const NOW: UnixSeconds = 1_786_331_017;

    fn key(private: &str) -> ApiKey {
        ApiKey {
            id: ObjectId::new(NOW),
            public_key: "pub".into(),
            org_id: ObjectId::new(NOW),
            description: String::new(),
            ha1_md5: digest::ha1(Algorithm::Md5, "pub", private),
            ha1_sha256: digest::ha1(Algorithm::Sha256, "pub", private),
            grants: Grants::default(),
            created_at: NOW,
        }
    }

    /// The Authorization header `digest_auth` (an independent client) computes for a challenge.
    fn answer(challenge: &str, password: &str, uri: &str) -> String {
        let mut prompt = digest_auth::parse(challenge).unwrap();
        let context = digest_auth::AuthContext::new_with_method(
            "pub",
            password,
            uri,
            None::<&[u8]>,
            digest_auth::HttpMethod::GET,
        );
        prompt.respond(&context).unwrap().to_header_string()
    }

    #[test]
    fn a_right_answer_to_a_fresh_challenge_proves_the_key() {
        let verifier = Verifier::new(ServerKeys { nonce: [1; 32], token: [2; 32], link: [3; 32] }, Algorithm::Md5);
        let header = answer(&verifier.challenge(false, NOW), "secret", "/api/atlas/v2/orgs");
        let credentials = verifier.parse_digest(&header, "/api/atlas/v2/orgs").unwrap();
        let proof = verifier.check_digest(&credentials, Some(&key("secret")), "GET", NOW).unwrap();
        assert_eq!((proof.nc, proof.nonce_expires_at), (1, NOW + NONCE_TTL_SECONDS));

        let wrong = verifier.check_digest(&credentials, Some(&key("other")), "GET", NOW);
        assert_eq!(wrong, Err(Refusal::Digest { stale: false }));
        assert_eq!(verifier.check_digest(&credentials, None, "GET", NOW), Err(Refusal::Digest { stale: false }));
        let later = NOW + NONCE_TTL_SECONDS + 1;
        assert_eq!(
            verifier.check_digest(&credentials, Some(&key("secret")), "GET", later),
            Err(Refusal::Digest { stale: true }),
            "right credentials on an expired nonce: stale"
        );
        assert_eq!(
            verifier.parse_digest(&header, "/api/atlas/v2/groups"),
            Err(Refusal::WrongUri),
            "signed for another target"
        );
    }
}
