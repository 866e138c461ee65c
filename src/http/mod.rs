//! The HTTP surface: which paths exist and which layers every request passes through. This is the only module
//! that knows axum, and the only one that speaks in Atlas error codes (`error`).
//!
//! Layers, outermost first: `wire::present` (envelope, pretty, Atlas error bodies for everything), reading the
//! whole body (with its size limit), panic catching, authentication (`auth`, with API access lists), then per
//! route the rate limit and the version negotiation. Each route carries a `Route` saying what it is, so no
//! later layer parses the path again.

mod app;
mod auth;
mod bodies;
mod directory;
pub mod error;
mod invitations;
mod limits;
mod oauth;
pub mod pretty;
pub mod render;
pub mod surface;
pub mod wire;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get};
use tower_http::catch_panic::CatchPanicLayer;

pub use app::{AppState, HttpOptions, Limits, MAX_BODY_BYTES, Resource, Route};
use error::ApiError;
use surface::Surface;

pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/api/atlas/v2/orgs/{org_id}", get(directory::get_org))
        .route("/api/atlas/v2/groups/{group_id}", get(directory::get_project))
        .route("/api/atlas/v2/users/byName/{username}", get(directory::get_user_by_name))
        .route_layer(from_fn_with_state(state.clone(), wire::negotiate_version))
        .route_layer(axum::Extension(Route { surface: Surface::AtlasV2, resource: Resource::Directory }));
    for surface in Surface::ALL {
        api = api.merge(invitation_routes(&state, surface));
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

/// The 12 invitation operations under one surface's prefix, each route tagged with what it is.
fn invitation_routes(state: &AppState, surface: Surface) -> Router<AppState> {
    use invitations::*;
    let prefix = surface.prefix();
    let tagged = |resource: Resource, methods: MethodRouter<AppState>| {
        let methods = match surface {
            // Versioned media types and sunset on v2; plain JSON on the unversioned surfaces.
            Surface::AtlasV2 => methods.route_layer(from_fn_with_state(state.clone(), wire::negotiate_version)),
            Surface::AtlasV1 | Surface::CloudManager => methods.route_layer(from_fn(wire::plain_json)),
        };
        methods
            .route_layer(from_fn_with_state(state.clone(), limits::rate_limit))
            .route_layer(axum::Extension(Route { surface, resource }))
    };
    let project = Resource::ProjectInvitations;
    let org = Resource::OrgInvitations;
    Router::new()
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites"),
            tagged(
                project,
                get(list_project_invitations)
                    .post(create_project_invitation)
                    .patch(update_project_invitation_by_username),
            ),
        )
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites/{{invitation_id}}"),
            tagged(
                project,
                get(get_project_invitation).patch(update_project_invitation).delete(delete_project_invitation),
            ),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites"),
            tagged(org, get(list_org_invitations).post(create_org_invitation).patch(update_org_invitation_by_username)),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites/{{invitation_id}}"),
            tagged(org, get(get_org_invitation).patch(update_org_invitation).delete(delete_org_invitation)),
        )
}

/// This server's own OpenAPI document: everything it answers, including the error statuses the official
/// Atlas spec leaves out.
async fn openapi_document() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/yaml")], include_str!("../../openapi/atlas-invites.yaml"))
}
