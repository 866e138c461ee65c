//! Authentication: who is calling, and from where. API keys sign requests with HTTP Digest and service
//! accounts send OAuth 2.0 bearer tokens, exactly as Atlas expects
//! (https://www.mongodb.com/docs/atlas/api/api-authentication/); what the caller may do is decided later by
//! `domain::access`.

pub mod digest;
pub mod oauth;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, VARY, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use crate::clock::SharedClock;
use crate::domain::Principal;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::wire::FinalBody;
use crate::ratelimit::{Decision, Quota};
use crate::service::internal;
use crate::store::Store;
use digest::{Algorithm, NonceIssuer, NonceKey, NonceState};
use oauth::TokenSigner;

/// How long a challenge's nonce may be answered ("only valid for a short amount of time", Atlas docs).
pub const NONCE_TTL_SECONDS: i64 = 300;

/// The body real Atlas sends with every digest challenge, byte for byte: pretty-printed, in this key order,
/// 142 bytes, no trailing newline (shared/atlas-recordings/interactive/setupfailure).
pub const CHALLENGE_BODY: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\",\n  \"errorCode\" : \"UNEXPECTED_ERROR\"\n}";

pub struct Authenticator {
    store: Arc<dyn Store>,
    clock: SharedClock,
    nonces: NonceIssuer,
    challenge_algorithm: Algorithm,
    tokens: TokenSigner,
    failure_quota: Quota,
    trusted_proxies: Vec<IpNet>,
}

/// Why a request is answered with a fresh challenge.
pub enum Refusal {
    /// Digest: `stale` tells the client its credentials were right but the nonce had expired, so it may retry
    /// without asking the user (RFC 7616 §3.3).
    Digest { stale: bool },
    /// A bearer token that is not (or no longer) valid (RFC 6750 §3.1).
    Bearer,
    /// The credentials could not be checked (the store failed): not the caller's fault, so no 401.
    Unchecked(ApiError),
}

pub struct AuthenticatorParts {
    pub nonce_key: NonceKey,
    pub token_key: Vec<u8>,
    pub challenge_algorithm: Algorithm,
    /// Failed authentications allowed per client address and minute, so secrets cannot be guessed quickly.
    pub failed_auth_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock, parts: AuthenticatorParts) -> Self {
        let per_minute = parts.failed_auth_per_minute.max(1);
        Authenticator {
            store,
            clock,
            nonces: NonceIssuer::new(parts.nonce_key, NONCE_TTL_SECONDS),
            challenge_algorithm: parts.challenge_algorithm,
            tokens: TokenSigner::new(&parts.token_key),
            failure_quota: Quota { capacity: per_minute, refill_per_minute: per_minute },
            trusted_proxies: parts.trusted_proxies,
        }
    }

    pub fn tokens(&self) -> &TokenSigner {
        &self.tokens
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Checks a Digest `Authorization` header for `method` on `request_target` (path and query as received).
    pub async fn digest(&self, method: &str, request_target: &str, authorization: &str) -> Result<Principal, Refusal> {
        let fail = Refusal::Digest { stale: false };
        let Ok(credentials) = digest::parse_authorization(authorization) else {
            return Err(fail);
        };
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
            Err(err) => return Err(Refusal::Unchecked(internal(err))),
        };
        let ha1 = match credentials.algorithm {
            Algorithm::Md5 => &key.ha1_md5,
            Algorithm::Sha256 => &key.ha1_sha256,
        };
        let now = self.clock.now();
        let right = digest::response_matches(&credentials, ha1, method);
        match self.nonces.check(&credentials.nonce, now) {
            NonceState::Forged => Err(fail),
            NonceState::Expired => Err(Refusal::Digest { stale: right }),
            NonceState::Fresh if !right => Err(fail),
            NonceState::Fresh => {
                let expires_at = self.nonces.expires_at(&credentials.nonce).unwrap_or(now);
                let nc = credentials.nc.unwrap_or(0);
                let fresh_use = self.store.accept_nonce_use(&credentials.nonce, nc, expires_at, now).await;
                if fresh_use.map_err(|err| Refusal::Unchecked(internal(err)))? {
                    Ok(Principal::from(&key))
                } else {
                    Err(fail)
                }
            }
        }
    }

    /// Checks a bearer token: our signature, unexpired, recorded and unrevoked, its account still there.
    pub async fn bearer(&self, token: &str) -> Result<Principal, Refusal> {
        let now = self.clock.now();
        let claims = self.tokens.verify(token, now).ok_or(Refusal::Bearer)?;
        let live = self
            .store
            .token_is_live(&claims.jti, &claims.sub, now)
            .await
            .map_err(|err| Refusal::Unchecked(internal(err)))?;
        if !live {
            return Err(Refusal::Bearer);
        }
        match self.store.service_account(&claims.sub).await {
            Ok(Some(account)) => Ok(Principal::from(&account)),
            Ok(None) => Err(Refusal::Bearer),
            Err(err) => Err(Refusal::Unchecked(internal(err))),
        }
    }

    /// A 401 shaped exactly like Atlas's: one `WWW-Authenticate` header (the official Go client reads only the
    /// first), the fixed JSON body, and none of the usual response headers.
    pub fn refusal_response(&self, refusal: Refusal) -> Response {
        let header = match refusal {
            Refusal::Unchecked(error) => return error.into_response(),
            Refusal::Digest { stale } => {
                let nonce = self.nonces.mint(self.clock.now());
                digest::challenge(&nonce, self.challenge_algorithm, stale)
            }
            Refusal::Bearer => "Bearer realm=\"MMS Public API\", error=\"invalid_token\"".to_string(),
        };
        let mut response = Response::new(Body::from(CHALLENGE_BODY));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        let headers = response.headers_mut();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_str(&header).expect("challenge is ASCII"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        response.extensions_mut().insert(FinalBody);
        response
    }

    /// The caller's address: the peer, or — when the peer is a trusted proxy — the nearest untrusted address in
    /// `X-Forwarded-For`. Without trusted proxies the header is ignored, so clients cannot choose their address.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|address| !self.trusted_proxies.iter().any(|net| net.contains(address)))
            .unwrap_or(peer)
    }

    /// Refuses callers that failed to authenticate too often lately.
    pub async fn check_failures(&self, client: IpAddr) -> Result<(), ApiError> {
        let key = failures_key(client);
        match self.store.rate_limit(&key, self.failure_quota, self.clock.now(), false).await.map_err(internal)? {
            Decision::Allowed { .. } => Ok(()),
            Decision::Limited { retry_after } => {
                Err(ApiError::too_many_failed_authentications(self.failure_quota.capacity, retry_after))
            }
        }
    }

    pub async fn record_failure(&self, client: IpAddr) {
        if let Err(err) = self.store.rate_limit(&failures_key(client), self.failure_quota, self.clock.now(), true).await
        {
            tracing::error!(error = %err, "recording a failed authentication");
        }
    }
}

fn failures_key(client: IpAddr) -> String {
    format!("failed-authentication/{client}")
}

fn peer_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// Middleware: lets the request through with its `Principal`, or answers with a challenge, a 403 for a caller
/// outside its access list, or a 429 after too many failures. The unauthenticated leg (every official client
/// sends one per request) costs no store access and changes nothing.
pub async fn require_principal(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let auth = &app.authenticator;
    let authorization = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(authorization) = authorization else {
        return auth.refusal_response(Refusal::Digest { stale: false });
    };
    let client = auth.client_address(peer_address(&request), request.headers());
    if let Err(limited) = auth.check_failures(client).await {
        return limited.into_response();
    }
    let (scheme, credentials) = authorization.split_once(' ').unwrap_or((authorization.as_str(), ""));
    let outcome = match scheme.eq_ignore_ascii_case("bearer") {
        true => auth.bearer(credentials.trim()).await,
        false => {
            let method = request.method().as_str().to_owned();
            let target = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/").to_owned();
            auth.digest(&method, &target, &authorization).await
        }
    };
    let principal = match outcome {
        Ok(principal) => principal,
        Err(refusal) => {
            if matches!(refusal, Refusal::Digest { stale: false } | Refusal::Bearer) {
                auth.record_failure(client).await;
            }
            return auth.refusal_response(refusal);
        }
    };
    let requires_list = match auth.store.org(&principal.org_id).await {
        Ok(org) => org.is_some_and(|org| org.api_access_list_required),
        Err(err) => return crate::service::internal(err).into_response(),
    };
    if let Err(refused) = principal.authorize_network(client, requires_list) {
        return refused.into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn challenge_body_is_the_recorded_142_bytes() {
        assert_eq!(super::CHALLENGE_BODY.len(), 142);
    }
}
