//! Service accounts: OAuth 2.0 client credentials (RFC 6749 §4.4) as Atlas runs them
//! (https://www.mongodb.com/docs/atlas/api/service-accounts/generate-oauth2-token/): HTTP Basic client
//! authentication, 1-hour bearer tokens shaped as JWTs (the Atlas CLI reuses a token only if it parses as one),
//! and revocation through a per-token row in the store.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::UnixSeconds;
use crate::domain::ObjectId;

/// "Access tokens are valid for 1 hour (3600 seconds)" (Atlas spec, info).
pub const TOKEN_LIFETIME: i64 = 3600;
/// Atlas allows 100 active tokens per service account and answers 403 access_denied beyond.
pub const MAX_ACTIVE_TOKENS: i64 = 100;
pub const CLIENT_ID_PREFIX: &str = "mdb_sa_id_";
pub const SECRET_PREFIX: &str = "mdb_sa_sk_";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The service account's client id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// The token's row in the store.
    pub jti: String,
}

/// Signs and checks tokens with HS256 only; the algorithm in a token's header is never trusted.
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenSigner {
    pub fn new(secret: &[u8]) -> Self {
        TokenSigner { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    pub fn mint(&self, client_id: &str, now: UnixSeconds) -> Claims {
        Claims { sub: client_id.to_string(), iat: now, exp: now + TOKEN_LIFETIME, jti: ObjectId::new(now).to_string() }
    }

    pub fn encode(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// The claims of a token this server signed and that has not expired at `now` (the injectable clock decides,
    /// not the system time).
    pub fn verify(&self, token: &str, now: UnixSeconds) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?.claims;
        (now <= claims.exp && claims.iat <= now + 60).then_some(claims)
    }
}

/// Client secrets are 256-bit random values, so a fast hash is enough; argon2 would only make the token
/// endpoint a CPU sink.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn secret_matches(secret: &str, stored_sha256: &str) -> bool {
    hash_secret(secret).as_bytes().ct_eq(stored_sha256.as_bytes()).into()
}

pub fn generate_client_id(now: UnixSeconds) -> String {
    format!("{CLIENT_ID_PREFIX}{}", ObjectId::new(now))
}

pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` — RFC 6749 §2.3.1 form-encodes both halves,
/// as the Go oauth2 client does.
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_until_they_expire() {
        let signer = TokenSigner::new(b"0123456789abcdef0123456789abcdef");
        let claims = signer.mint("mdb_sa_id_x", 1_000);
        let token = signer.encode(&claims);
        assert_eq!(token.split('.').count(), 3, "JWT-shaped");
        assert_eq!(signer.verify(&token, 1_000 + TOKEN_LIFETIME), Some(claims));
        assert_eq!(signer.verify(&token, 1_001 + TOKEN_LIFETIME), None);
    }

    #[test]
    fn tampered_and_foreign_tokens_are_refused() {
        let signer = TokenSigner::new(b"0123456789abcdef0123456789abcdef");
        let token = signer.encode(&signer.mint("mdb_sa_id_x", 1_000));
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(signer.verify(&String::from_utf8(flipped).unwrap(), 1_000), None);
        let other = TokenSigner::new(b"another key entirely, 32 bytes!!");
        assert_eq!(other.verify(&token, 1_000), None);
        // alg "none": header {"alg":"none"} with the same claims and no signature.
        let parts: Vec<&str> = token.split('.').collect();
        let none = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(signer.verify(&none, 1_000), None);
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("mdb_sa_id_1:a%2Fb%3Dc%3Fd"));
        assert_eq!(parse_basic(&header), Some(("mdb_sa_id_1".into(), "a/b=c?d".into())));
        assert_eq!(parse_basic("Bearer x"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
    }

    #[test]
    fn secrets_are_compared_by_hash() {
        let secret = generate_secret();
        assert!(secret.starts_with(SECRET_PREFIX));
        assert!(secret_matches(&secret, &hash_secret(&secret)));
        assert!(!secret_matches("other", &hash_secret(&secret)));
    }
}
