//! atlas-invites: MongoDB Cloud's invitation API (Atlas Admin API v2 project and organization invitations),
//! wire-compatible with the official Atlas clients.
//!
//! Layout: `http` (routes and the Atlas wire rules) → `service` (the operations) → `domain` (the rules, no I/O)
//! and `store` (persistence); `auth` identifies callers; `cli`, `admin` and `fixtures` run and seed the server.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod error;
pub mod fixtures;
pub mod http;
pub mod ratelimit;
pub mod service;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use auth::digest::{Algorithm, NonceKey};
use auth::{Authenticator, AuthenticatorParts};
use clock::SharedClock;
use http::limits::Limits;
use ipnet::IpNet;
use service::InvitationService;
use store::Store;

/// How a server instance behaves beyond its store and clock.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The algorithm the digest challenge offers. Atlas offers MD5; requests signed with SHA-256 are accepted
    /// either way.
    pub challenge_algorithm: Algorithm,
    pub limits: Limits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { challenge_algorithm: Algorithm::Md5, limits: Limits::default(), trusted_proxies: vec![] }
    }
}

/// The whole HTTP application. The digest nonce key and the token signing key live in the store, created by
/// the first process, so every process on one database accepts what another issued, across restarts too.
pub async fn app(store: Arc<dyn Store>, clock: SharedClock, options: ServerOptions) -> anyhow::Result<axum::Router> {
    let nonce_key = server_key(&store, "digest-nonce-key").await?;
    let token_key = server_key(&store, "token-signing-key").await?;
    let authenticator = Authenticator::new(
        store.clone(),
        clock.clone(),
        AuthenticatorParts {
            nonce_key: NonceKey::from_bytes(nonce_key),
            token_key: token_key.to_vec(),
            challenge_algorithm: options.challenge_algorithm,
            failed_auth_per_minute: options.limits.failed_auth_per_minute,
            trusted_proxies: options.trusted_proxies,
        },
    );
    Ok(http::router(http::AppState {
        service: Arc::new(InvitationService::new(store, clock.clone())),
        authenticator: Arc::new(authenticator),
        limits: options.limits,
        clock,
    }))
}

async fn server_key(store: &Arc<dyn Store>, name: &str) -> anyhow::Result<[u8; 32]> {
    let mut candidate = [0u8; 32];
    getrandom::fill(&mut candidate).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
    let stored = store.server_secret(name, &hex::encode(candidate)).await?;
    let bytes = hex::decode(&stored).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes.ok_or_else(|| anyhow::anyhow!("server secret {name} in the store is not 32 hex-encoded bytes"))
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
