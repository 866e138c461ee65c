//! Authentication: who is calling. API keys sign requests with HTTP Digest exactly as Atlas expects
//! (https://www.mongodb.com/docs/atlas/api/api-authentication/); what the caller may do is decided later by
//! `domain::access`.

pub mod digest;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, VARY, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::clock::SharedClock;
use crate::domain::Principal;
use crate::http::AppState;
use crate::http::wire::FinalBody;
use crate::store::Store;
use digest::{Algorithm, NonceIssuer, NonceKey, NonceState, ReplayLedger};

/// How long a challenge's nonce may be answered ("only valid for a short amount of time", Atlas docs).
pub const NONCE_TTL_SECONDS: i64 = 300;
/// Live (nonce, nc) pairs remembered for replay detection.
const REPLAY_LEDGER_CAPACITY: usize = 1_000_000;

/// The body real Atlas sends with every digest challenge, byte for byte: pretty-printed, in this key order,
/// 142 bytes, no trailing newline (shared/atlas-recordings/interactive/setupfailure).
pub const CHALLENGE_BODY: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\",\n  \"errorCode\" : \"UNEXPECTED_ERROR\"\n}";

pub struct Authenticator {
    store: Arc<dyn Store>,
    clock: SharedClock,
    nonces: NonceIssuer,
    replays: ReplayLedger,
    challenge_algorithm: Algorithm,
}

/// Why a request is answered with a fresh challenge. `stale` tells the client its credentials were right but
/// the nonce had expired, so it may retry without asking the user (RFC 7616 §3.3).
pub struct Challenge {
    pub stale: bool,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock, nonce_key: NonceKey, challenge_algorithm: Algorithm) -> Self {
        Authenticator {
            store,
            clock,
            nonces: NonceIssuer::new(nonce_key, NONCE_TTL_SECONDS),
            replays: ReplayLedger::new(REPLAY_LEDGER_CAPACITY),
            challenge_algorithm,
        }
    }

    /// Checks a Digest `Authorization` header for `method` on `request_target` (path and query as received).
    pub async fn authenticate(
        &self,
        method: &str,
        request_target: &str,
        authorization: Option<&str>,
    ) -> Result<Principal, Challenge> {
        let fail = Challenge { stale: false };
        let credentials = authorization
            .and_then(|h| digest::parse_authorization(h).ok())
            .ok_or(Challenge { stale: false })?;
        if credentials.realm != digest::REALM || credentials.uri != request_target || credentials.qop.is_none() {
            return Err(fail);
        }
        let key = match self.store.api_key(&credentials.username).await {
            Ok(Some(key)) => key,
            Ok(None) => {
                // Same work as for a known key, so response time does not reveal which public keys exist.
                let decoy = digest::ha1(credentials.algorithm, &credentials.username, "");
                let _ = digest::response_matches(&credentials, &decoy, method);
                return Err(fail);
            }
            Err(err) => {
                tracing::error!(error = %err, "api key lookup failed");
                return Err(fail);
            }
        };
        let ha1 = match credentials.algorithm {
            Algorithm::Md5 => &key.ha1_md5,
            Algorithm::Sha256 => &key.ha1_sha256,
        };
        let now = self.clock.now();
        let right = digest::response_matches(&credentials, ha1, method);
        match self.nonces.check(&credentials.nonce, now) {
            NonceState::Forged => Err(fail),
            NonceState::Expired => Err(Challenge { stale: right }),
            NonceState::Fresh if !right => Err(fail),
            NonceState::Fresh => {
                let expires_at = self.nonces.expires_at(&credentials.nonce).unwrap_or(now);
                let nc = credentials.nc.unwrap_or(0);
                if self.replays.accept(&credentials.nonce, nc, expires_at, now) {
                    Ok(Principal::from(&key))
                } else {
                    Err(fail)
                }
            }
        }
    }

    /// A 401 with a fresh challenge, shaped exactly like Atlas's: one `WWW-Authenticate` header (the official
    /// Go client reads only the first), the fixed JSON body, and none of the usual response headers.
    pub fn challenge_response(&self, challenge: Challenge) -> Response {
        let nonce = self.nonces.mint(self.clock.now());
        let header = digest::challenge(&nonce, self.challenge_algorithm, challenge.stale);
        let mut response = Response::new(Body::from(CHALLENGE_BODY));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        let headers = response.headers_mut();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_str(&header).expect("challenge is ASCII"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        response.extensions_mut().insert(FinalBody);
        response
    }
}

/// Middleware: lets the request through with its `Principal`, or answers with a challenge. The unauthenticated
/// leg (every official client sends one per request) costs no store access and changes nothing.
pub async fn require_principal(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(authorization) = authorization else {
        return app.authenticator.challenge_response(Challenge { stale: false });
    };
    let method = request.method().as_str().to_owned();
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/")
        .to_owned();
    match app
        .authenticator
        .authenticate(&method, &target, Some(&authorization))
        .await
    {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(challenge) => app.authenticator.challenge_response(challenge),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn challenge_body_is_the_recorded_142_bytes() {
        assert_eq!(super::CHALLENGE_BODY.len(), 142);
    }
}
