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
pub mod service;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use auth::Authenticator;
use auth::digest::{Algorithm, NonceKey};
use clock::SharedClock;
use service::InvitationService;
use store::Store;

/// Everything a server instance is built from.
pub struct ServerParts {
    pub store: Arc<dyn Store>,
    pub clock: SharedClock,
    pub nonce_key: NonceKey,
    /// The algorithm the digest challenge offers. Atlas offers MD5; requests signed with SHA-256 are accepted
    /// either way.
    pub challenge_algorithm: Algorithm,
}

/// The whole HTTP application.
pub fn app(parts: ServerParts) -> axum::Router {
    let authenticator = Authenticator::new(
        parts.store.clone(),
        parts.clock.clone(),
        parts.nonce_key,
        parts.challenge_algorithm,
    );
    http::router(http::AppState {
        service: Arc::new(InvitationService::new(parts.store, parts.clock.clone())),
        authenticator: Arc::new(authenticator),
        clock: parts.clock,
    })
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
