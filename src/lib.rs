//! atlas-invites: MongoDB Cloud's invitation API (Atlas Admin API v2 project and organization invitations,
//! the legacy Atlas v1.0 paths and Cloud Manager's), wire-compatible with the official Atlas clients.
//!
//! Layout, each importing only those after it: `cli` (the binary's commands) → `http` (routes, the Atlas wire
//! rules, the one mapping to Atlas errors) → `service` (the operations) → `auth` (verifying credentials),
//! `state` (per-request state) and `store` (persistence) → `domain` (the rules, no I/O) and `clock`.
//! `fixtures` seeds the store through the service. docs/ARCHITECTURE.md draws it.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod fixtures;
pub mod http;
pub mod service;
pub mod state;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use auth::digest::Algorithm;
use clock::SharedClock;
use http::{AppState, HttpOptions, Limits};
use ipnet::IpNet;
use service::Service;
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
    /// Answer a project or org the caller may not see as missing (404) instead of Atlas's 401.
    pub strict_tenancy: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            challenge_algorithm: Algorithm::Md5,
            limits: Limits::default(),
            trusted_proxies: vec![],
            strict_tenancy: false,
        }
    }
}

/// A server instance: the service over its store, and the HTTP application in front of it.
pub struct App {
    pub service: Arc<Service>,
    pub router: axum::Router,
}

/// Builds the service on `store` (with the request state that fits it) and the HTTP application.
pub async fn build(store: Arc<Store>, clock: SharedClock, options: ServerOptions) -> anyhow::Result<App> {
    let state = state::for_store(&store);
    let service = Arc::new(
        Service::new(store, state, clock, options.challenge_algorithm)
            .await?
            .with_strict_tenancy(options.strict_tenancy),
    );
    let http = HttpOptions { limits: options.limits, trusted_proxies: options.trusted_proxies };
    let router = http::router(AppState { service: service.clone(), options: Arc::new(http) });
    Ok(App { service, router })
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
