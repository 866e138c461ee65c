//! The service-account token endpoints (https://www.mongodb.com/docs/atlas/api/service-accounts/): `POST
//! /api/oauth/token` (client credentials, HTTP Basic client authentication, form body) and `POST
//! /api/oauth/revoke`. Errors use RFC 6749's shape, as Atlas does, not the Atlas error body. API access lists do
//! not apply here: a token may be created from anywhere, only its use is restricted.

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::net::SocketAddr;

use super::AppState;
use super::wire::FinalBody;
use crate::auth::oauth::{self, MAX_ACTIVE_TOKENS, TOKEN_LIFETIME};
use crate::domain::ServiceAccount;
use crate::service::internal;

struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
}

const INVALID_CLIENT: OAuthError = OAuthError {
    status: StatusCode::UNAUTHORIZED,
    error: "invalid_client",
    description: "Invalid credentials provided.",
};

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response =
            json_response(self.status, json!({ "error": self.error, "error_description": self.description }));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"MMS Public API\""));
        }
        response
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(FinalBody);
    response
}

/// The client authenticated by HTTP Basic, counted against the failed-authentication limit of its address.
async fn client(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<ServiceAccount, Response> {
    let auth = &app.authenticator;
    let address = auth.client_address(peer.ip(), headers);
    auth.check_failures(address).await.map_err(IntoResponse::into_response)?;
    let basic = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(oauth::parse_basic);
    let Some((client_id, secret)) = basic else {
        auth.record_failure(address).await;
        return Err(INVALID_CLIENT.into_response());
    };
    let account = auth.store().service_account(&client_id).await.map_err(|e| internal(e).into_response())?;
    // An unknown client costs the same hash as a known one.
    let stored = account.as_ref().map_or_else(|| oauth::hash_secret(&client_id), |a| a.secret_sha256.clone());
    let matches = oauth::secret_matches(&secret, &stored);
    match account {
        Some(account) if matches => Ok(account),
        _ => {
            auth.record_failure(address).await;
            Err(INVALID_CLIENT.into_response())
        }
    }
}

fn form(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, OAuthError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: "The request body must be application/x-www-form-urlencoded.",
        });
    }
    Ok(form_urlencoded::parse(body).into_owned().collect())
}

/// The authenticated client and its form body, or the RFC 6749 refusal.
async fn client_form(
    app: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(ServiceAccount, Vec<(String, String)>), Response> {
    let account = client(app, peer, headers).await?;
    let form = form(headers, body).map_err(IntoResponse::into_response)?;
    Ok((account, form))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub async fn token(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, form) = match client_form(&app, peer, &headers, &body).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    match field(&form, "grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: "Only the client_credentials grant is supported.",
            }
            .into_response();
        }
        None => {
            return OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "invalid_request",
                description: "grant_type is required.",
            }
            .into_response();
        }
    }
    let auth = &app.authenticator;
    let claims = auth.tokens().mint(&account.client_id, auth.now());
    match auth.store().record_token(&claims.jti, &claims.sub, claims.iat, claims.exp, MAX_ACTIVE_TOKENS).await {
        Ok(true) => json_response(
            StatusCode::OK,
            json!({ "access_token": auth.tokens().encode(&claims), "expires_in": TOKEN_LIFETIME, "token_type": "Bearer" }),
        ),
        Ok(false) => OAuthError {
            status: StatusCode::FORBIDDEN,
            error: "access_denied",
            description: "Access Token limit reached. Please use the existing Access Tokens or create a new Service Account.",
        }
        .into_response(),
        Err(err) => internal(err).into_response(),
    }
}

/// RFC 7009: unknown or expired tokens are answered 200 like revoked ones; a token of another client is refused
/// and stays valid.
pub async fn revoke(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, form) = match client_form(&app, peer, &headers, &body).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let Some(token) = field(&form, "token") else {
        return OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: "token is required.",
        }
        .into_response();
    };
    let auth = &app.authenticator;
    let Some(claims) = auth.tokens().verify(token, auth.now()) else {
        return StatusCode::OK.into_response_final();
    };
    match auth.store().revoke_token(&claims.jti, &account.client_id).await {
        Ok(Some(false)) => OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
            description: "The token was issued to another client.",
        }
        .into_response(),
        Ok(_) => StatusCode::OK.into_response_final(),
        Err(err) => internal(err).into_response(),
    }
}

/// A bodiless answer that the Atlas presentation layer leaves as it is.
trait IntoFinalResponse {
    fn into_response_final(self) -> Response;
}

impl IntoFinalResponse for StatusCode {
    fn into_response_final(self) -> Response {
        let mut response = self.into_response();
        response.extensions_mut().insert(FinalBody);
        response
    }
}
