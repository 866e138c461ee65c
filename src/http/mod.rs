//! The HTTP surface: which paths exist and which layers every request passes through.
//!
//! Layers, outermost first: `wire::present` (envelope, pretty, Atlas error bodies for everything), reading
//! the whole body (with its size limit), panic catching, authentication (and API access lists), then per route the rate limit
//! and the version negotiation.

mod bodies;
mod directory;
mod invitations;
pub mod limits;
mod oauth;
pub mod pretty;
pub mod render;
pub mod surface;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;

use crate::auth::{self, Authenticator};
use crate::clock::SharedClock;
use crate::error::ApiError;
use crate::service::InvitationService;
use limits::Limits;
use surface::Surface;

/// Invitation bodies are a few hundred bytes; anything near this limit is not a real request.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<InvitationService>,
    pub authenticator: Arc<Authenticator>,
    pub clock: SharedClock,
    pub limits: Limits,
}

pub fn router(state: AppState) -> Router {
    let directory = Router::new()
        .route("/api/atlas/v2/orgs/{org_id}", get(directory::get_org))
        .route("/api/atlas/v2/groups/{group_id}", get(directory::get_project))
        .route("/api/atlas/v2/users/byName/{username}", get(directory::get_user_by_name))
        .route_layer(from_fn_with_state(state.clone(), wire::negotiate_version));
    let mut api = Router::new().merge(directory);
    for surface in Surface::ALL {
        let routes = invitation_routes(surface.prefix());
        // Versioned media types and sunset on v2; plain JSON on the unversioned surfaces.
        let routes = match surface {
            Surface::AtlasV2 => routes.route_layer(from_fn_with_state(state.clone(), wire::negotiate_version)),
            Surface::AtlasV1 | Surface::CloudManager => routes.route_layer(from_fn(wire::plain_json)),
        };
        api = api.merge(
            routes
                .route_layer(from_fn_with_state(state.clone(), limits::rate_limit))
                .route_layer(axum::Extension(surface)),
        );
    }

    // Reached without API credentials: the contract, and the token endpoints (which check the client's own).
    let public = Router::new()
        .route("/openapi.yaml", get(openapi_document))
        .route("/api/oauth/token", axum::routing::post(oauth::token))
        .route("/api/oauth/revoke", axum::routing::post(oauth::revoke));

    Router::new()
        .merge(api)
        // Unknown paths, including the docs' `/invitations/` typo: Atlas's generic RESOURCE_NOT_FOUND.
        .fallback(|uri: axum::http::Uri| async move { ApiError::resource_not_found(uri.path()) })
        .layer(from_fn_with_state(state.clone(), auth::require_principal))
        .merge(public)
        .layer(CatchPanicLayer::new())
        .layer(from_fn(wire::read_body_first))
        .layer(from_fn(wire::present))
        .with_state(state)
}

/// The 12 invitation operations under one surface's prefix.
fn invitation_routes(prefix: &str) -> Router<AppState> {
    use invitations::*;
    Router::new()
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites"),
            get(list_project_invitations).post(create_project_invitation).patch(update_project_invitation_by_username),
        )
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites/{{invitation_id}}"),
            get(get_project_invitation).patch(update_project_invitation).delete(delete_project_invitation),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites"),
            get(list_org_invitations).post(create_org_invitation).patch(update_org_invitation_by_username),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites/{{invitation_id}}"),
            get(get_org_invitation).patch(update_org_invitation).delete(delete_org_invitation),
        )
}

/// This server's own OpenAPI document: everything it answers, including the error statuses the official
/// Atlas spec leaves out.
async fn openapi_document() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/yaml")], include_str!("../../openapi/atlas-invites.yaml"))
}
