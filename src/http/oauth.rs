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

use super::app::AppState;
use super::auth::{check_failures, client_address};
use super::error::ApiError;
use super::wire::FinalBody;
use crate::auth::oauth::{self, TOKEN_LIFETIME};
use crate::domain::ServiceAccount;
use crate::service::Revocation;

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
    let service = &app.service;
    let per_minute = app.options.limits.failed_auth_per_minute;
    let address = client_address(&app.options.trusted_proxies, peer.ip(), headers);
    check_failures(service, address, per_minute).await.map_err(IntoResponse::into_response)?;
    let basic = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(oauth::parse_basic);
    let account = match &basic {
        Some((client_id, secret)) => {
            service.client_credentials(client_id, secret).await.map_err(|e| ApiError::from(e).into_response())?
        }
        None => None,
    };
    match account {
        Some(account) => Ok(account),
        None => {
            service.record_failure(address, per_minute).await;
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
    match app.service.issue_token(&account).await {
        Ok(Some(token)) => json_response(
            StatusCode::OK,
            json!({ "access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer" }),
        ),
        Ok(None) => OAuthError {
            status: StatusCode::FORBIDDEN,
            error: "access_denied",
            description: "Access Token limit reached. Please use the existing Access Tokens or create a new Service Account.",
        }
        .into_response(),
        Err(err) => ApiError::from(err).into_response(),
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
    match app.service.revoke_token(&account, token).await {
        Ok(Revocation::NotYours) => OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
            description: "The token was issued to another client.",
        }
        .into_response(),
        Ok(Revocation::Done) => StatusCode::OK.into_response_final(),
        Err(err) => ApiError::from(err).into_response(),
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
