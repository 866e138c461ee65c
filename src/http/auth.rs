//! The authentication middleware: lets a request through with its `Principal`, or answers with Atlas's digest
//! challenge, a 403 for a caller outside its API access list, or a 429 after too many failures. The
//! unauthenticated leg (every official client sends one per request) costs no store access and changes nothing.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, VARY, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use super::app::AppState;
use super::error::ApiError;
use super::wire::FinalBody;
use crate::auth::Refusal;
use crate::domain::Principal;
use crate::domain::ratelimit::Decision;
use crate::service::{Authenticated, Service};

/// The body real Atlas sends with every digest challenge, byte for byte: pretty-printed, in this key order,
/// 142 bytes, no trailing newline (tests/recordings/interactive/setupfailure).
pub const CHALLENGE_BODY: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\",\n  \"errorCode\" : \"UNEXPECTED_ERROR\"\n}";

pub async fn require_principal(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let service = &app.service;
    let per_minute = app.options.limits.failed_auth_per_minute;
    // Two Authorization headers (a Bearer and a Digest, say) would leave which one counts to chance: refused.
    if request.headers().get_all(AUTHORIZATION).iter().count() > 1 {
        return ApiError::ambiguous_authorization().into_response();
    }
    let authorization = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(authorization) = authorization else {
        return refusal_response(service, Refusal::Digest { stale: false });
    };
    let client = client_address(&app.options.trusted_proxies, peer_address(&request), request.headers());
    if let Err(limited) = check_failures(service, client, per_minute).await {
        return limited.into_response();
    }
    let (scheme, credentials) = authorization.split_once(' ').unwrap_or((authorization.as_str(), ""));
    let outcome = if scheme.eq_ignore_ascii_case("bearer") {
        service.authenticate_bearer(credentials.trim()).await
    } else {
        let method = request.method().as_str().to_owned();
        let target = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/").to_owned();
        service.authenticate_digest(&method, &target, &authorization).await
    };
    let principal = match outcome {
        Ok(Authenticated::Caller(principal)) => principal,
        Ok(Authenticated::Refused(refusal)) => {
            if matches!(refusal, Refusal::Digest { stale: false } | Refusal::Bearer | Refusal::WrongUri) {
                service.record_failure(client, per_minute).await;
            }
            return refusal_response(service, refusal);
        }
        // The credentials could not be checked (the store failed): not the caller's fault, so no 401.
        Err(err) => return ApiError::from(err).into_response(),
    };
    if let Err(refused) = principal.authorize_network(client) {
        return ApiError::from(refused).into_response();
    }
    request.extensions_mut().insert(Principal { remote_address: Some(client), ..principal });
    next.run(request).await
}

/// Refuses callers that failed to authenticate too often lately.
pub async fn check_failures(service: &Service, client: IpAddr, per_minute: u32) -> Result<(), ApiError> {
    match service.failures_allowed(client, per_minute).await? {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(ApiError::too_many_failed_authentications(per_minute, retry_after)),
    }
}

/// A 401 shaped exactly like Atlas's: one `WWW-Authenticate` header (the official Go client reads only the
/// first), the fixed JSON body, and none of the usual response headers.
fn refusal_response(service: &Service, refusal: Refusal) -> Response {
    let header = match refusal {
        Refusal::Digest { stale } => service.challenge(stale),
        Refusal::Bearer => "Bearer realm=\"MMS Public API\", error=\"invalid_token\"".to_string(),
        Refusal::WrongUri => return ApiError::digest_uri_mismatch().into_response(),
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
pub fn client_address(trusted_proxies: &[IpNet], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted_proxies.iter().any(|net| net.contains(&peer)) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|address| !trusted_proxies.iter().any(|net| net.contains(address))).unwrap_or(peer)
}

fn peer_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_body_is_the_recorded_142_bytes() {
        assert_eq!(CHALLENGE_BODY.len(), 142);
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxy: IpNet = "10.0.0.0/8".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 10.1.1.1"));
        let peer: IpAddr = "10.2.2.2".parse().unwrap();
        assert_eq!(client_address(&[proxy], peer, &headers), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(&[], peer, &headers), peer);
    }
}
