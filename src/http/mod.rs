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
mod events;
mod invitations;
mod invitee;
mod limits;
mod oauth;
mod paging;
pub mod pretty;
pub mod render;
mod strict_json;
pub mod surface;
mod team_bodies;
mod teams;
mod user_bodies;
mod users;
mod versions;
pub mod wire;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;

pub use app::{AppState, HttpOptions, Limits, MAX_BODY_BYTES, Resource, Route};
use error::ApiError;
use surface::Surface;
use versions::{ApiVersion, DEPRECATED_2023, PROJECT_INVITES, STABLE_2023, USERS, USERS_SINCE_2023};

pub fn router(state: AppState) -> Router {
    let v2 = Operations { state: &state, surface: Surface::AtlasV2 };
    let mut api = Router::new()
        .route("/api/atlas/v2/orgs/{org_id}", v2.op(Resource::Directory, STABLE_2023, get(directory::get_org)))
        .route("/api/atlas/v2/groups/{group_id}", v2.op(Resource::Directory, STABLE_2023, get(directory::get_project)))
        .merge(user_routes(&v2))
        .merge(team_routes(&v2))
        .merge(event_routes(&v2));
    for surface in Surface::ALL {
        api = api.merge(invitation_routes(&Operations { state: &state, surface }));
    }

    // Reached without API credentials: the contract, the token endpoints (which check the client's own), and the
    // invitee's endpoints (the link's token is the credential).
    let public = Router::new()
        .route("/openapi.yaml", get(openapi_document))
        .route("/api/invitee/invitations/{token}", get(invitee::show).post(invitee::act))
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

/// Builds the operations of one surface: each method of a path is tagged with what it is (`Route`), limited by
/// its resource's rate limit, and negotiated by its own versions (v2) or answered as plain JSON (v1.0, CM).
struct Operations<'a> {
    state: &'a AppState,
    surface: Surface,
}

impl Operations<'_> {
    fn op(
        &self,
        resource: Resource,
        versions: &'static [ApiVersion],
        methods: MethodRouter<AppState>,
    ) -> MethodRouter<AppState> {
        let methods = match self.surface {
            Surface::AtlasV2 => methods.route_layer(from_fn_with_state(self.state.clone(), wire::negotiate_version)),
            Surface::AtlasV1 | Surface::CloudManager => methods.route_layer(from_fn(wire::plain_json)),
        };
        methods
            .route_layer(from_fn_with_state(self.state.clone(), limits::rate_limit))
            .route_layer(axum::Extension(Route { surface: self.surface, resource, versions }))
    }
}

/// The 12 invitation operations under one surface's prefix.
fn invitation_routes(ops: &Operations<'_>) -> Router<AppState> {
    use invitations::*;
    let prefix = ops.surface.prefix();
    let project = |methods| ops.op(Resource::ProjectInvitations, PROJECT_INVITES, methods);
    let org = |methods| ops.op(Resource::OrgInvitations, DEPRECATED_2023, methods);
    Router::new()
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites"),
            project(
                get(list_project_invitations)
                    .post(create_project_invitation)
                    .patch(update_project_invitation_by_username),
            ),
        )
        .route(
            &format!("{prefix}/groups/{{group_id}}/invites/{{invitation_id}}"),
            project(get(get_project_invitation).patch(update_project_invitation).delete(delete_project_invitation)),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites"),
            org(get(list_org_invitations).post(create_org_invitation).patch(update_org_invitation_by_username)),
        )
        .route(
            &format!("{prefix}/orgs/{{org_id}}/invites/{{invitation_id}}"),
            org(get(get_org_invitation).patch(update_org_invitation).delete(delete_org_invitation)),
        )
}

/// The MongoDB Cloud users operations (v2 only), and the deprecated `/users` calls. `…/{userId}:addRole` and
/// `:removeRole` share the path segment of `{userId}` (the router matches whole segments), so one POST handler
/// reads the action off it.
fn user_routes(ops: &Operations<'_>) -> Router<AppState> {
    use users::*;
    let org = |versions, methods| ops.op(Resource::OrgUsers, versions, methods);
    let project = |versions, methods| ops.op(Resource::ProjectUsers, versions, methods);
    let deprecated = |methods| ops.op(Resource::Users, DEPRECATED_2023, methods);
    Router::new()
        .route(
            "/api/atlas/v2/orgs/{org_id}/users",
            org(USERS_SINCE_2023, get(list_org_users)).merge(org(USERS, post(create_org_user))),
        )
        .route(
            "/api/atlas/v2/orgs/{org_id}/users/{user_id}",
            org(USERS, get(get_org_user).patch(update_org_user).post(change_org_role))
                .merge(org(USERS_SINCE_2023, delete(remove_org_user))),
        )
        .route("/api/atlas/v2/orgs/{org_id}/users/{user_id}/roles", org(DEPRECATED_2023, put(update_org_user_roles)))
        .route("/api/atlas/v2/groups/{group_id}/users", project(USERS, get(list_group_users).post(add_group_user)))
        .route(
            "/api/atlas/v2/groups/{group_id}/users/{user_id}",
            project(USERS, get(get_group_user).delete(remove_group_user).post(change_group_role)),
        )
        .route(
            "/api/atlas/v2/groups/{group_id}/users/{user_id}/roles",
            project(DEPRECATED_2023, put(update_group_user_roles)),
        )
        .route("/api/atlas/v2/users", deprecated(post(create_user)))
        .route("/api/atlas/v2/users/{user_id}", deprecated(get(get_user)))
        .route("/api/atlas/v2/users/byName/{username}", deprecated(get(get_user_by_name)))
}

/// The Teams operations (v2 only) with the team parts of the users API. `…/{teamId}:addUser` and `:removeUser`
/// share the path segment of `{teamId}`, so one POST handler reads the action off it.
fn team_routes(ops: &Operations<'_>) -> Router<AppState> {
    use teams::*;
    let org = |versions, methods| ops.op(Resource::OrgTeams, versions, methods);
    let project = |methods| ops.op(Resource::ProjectTeams, STABLE_2023, methods);
    Router::new()
        .route("/api/atlas/v2/orgs/{org_id}/teams", org(STABLE_2023, get(list_org_teams).post(create_org_team)))
        .route("/api/atlas/v2/orgs/{org_id}/teams/byName/{team_name}", org(STABLE_2023, get(get_team_by_name)))
        .route(
            "/api/atlas/v2/orgs/{org_id}/teams/{team_id}",
            org(STABLE_2023, get(get_org_team).patch(rename_org_team).delete(delete_org_team))
                .merge(org(USERS, post(change_team_member))),
        )
        .route(
            "/api/atlas/v2/orgs/{org_id}/teams/{team_id}/users",
            org(USERS_SINCE_2023, get(list_team_users)).merge(org(DEPRECATED_2023, post(add_team_users))),
        )
        .route(
            "/api/atlas/v2/orgs/{org_id}/teams/{team_id}/users/{user_id}",
            org(DEPRECATED_2023, delete(remove_user_from_team)),
        )
        .route("/api/atlas/v2/groups/{group_id}/teams", project(get(list_group_teams).post(add_group_teams)))
        .route(
            "/api/atlas/v2/groups/{group_id}/teams/{team_id}",
            project(get(get_group_team).patch(update_group_team).delete(remove_group_team)),
        )
}

/// The Events API (v2, 2023-01-01).
fn event_routes(ops: &Operations<'_>) -> Router<AppState> {
    use events::*;
    Router::new()
        .route("/api/atlas/v2/orgs/{org_id}/events", ops.op(Resource::OrgEvents, STABLE_2023, get(list_org_events)))
        .route(
            "/api/atlas/v2/orgs/{org_id}/events/{event_id}",
            ops.op(Resource::OrgEvents, STABLE_2023, get(get_org_event)),
        )
        .route(
            "/api/atlas/v2/groups/{group_id}/events",
            ops.op(Resource::ProjectEvents, STABLE_2023, get(list_group_events)),
        )
        .route(
            "/api/atlas/v2/groups/{group_id}/events/{event_id}",
            ops.op(Resource::ProjectEvents, STABLE_2023, get(get_group_event)),
        )
}

/// This server's own OpenAPI document: everything it answers, including the error statuses the official
/// Atlas spec leaves out.
async fn openapi_document() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/yaml")], include_str!("../../openapi/atlas-invites.yaml"))
}
