//! The Teams operations (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/, tag "Teams";
//! openapi/atlas/atlas-users-teams-events-v2.yaml) and the team parts of the MongoDB Cloud users API. Roles as
//! the spec's `x-rolesRequirements` say: Organization Member reads an org's teams and their users, Organization
//! Owner changes them; Project Read Only reads a project's teams, Project Owner (Access Manager) changes them.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::Value;

use super::app::{AppState, Route, path_id};
use super::error::ApiError;
use super::paging::{Page, base_url};
use super::render;
use super::team_bodies;
use super::users::{account_items, filter_flags, user_query};
use super::versions::ApiVersion;
use super::wire::{Payload, form_pairs, json_body};
use crate::domain::events::Actor;
use crate::domain::teams::ProjectTeam;
use crate::domain::{IdKind, ObjectId, Org, Principal};
use crate::service::{ProjectScope, UserQuery};

type Answer = Result<Payload, ApiError>;

async fn readable_org(app: &AppState, principal: &Principal, org_id: &str) -> Result<Org, ApiError> {
    Ok(app.service.readable_org(principal, &path_id(org_id, IdKind::Org)?).await?)
}

async fn owned_org(app: &AppState, principal: &Principal, org_id: &str) -> Result<Org, ApiError> {
    Ok(app.service.org_scope(principal, &path_id(org_id, IdKind::Org)?).await?)
}

// --- org teams ---

pub async fn list_org_teams(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let org = readable_org(&app, &principal, &org_id).await?;
    let page = Page::from_query(&form_pairs(raw.as_deref()))?;
    let base = base_url(&headers);
    let teams = app.service.list_org_teams(&org).await?;
    let items = teams.iter().map(|team| render::team(team, &base)).collect();
    Ok(Payload::ok(page.of(items, &base, &format!("/api/atlas/v2/orgs/{}/teams", org.id), &[])))
}

pub async fn get_org_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let org = readable_org(&app, &principal, &org_id).await?;
    let team = app.service.org_team(&org, &path_id(&team_id, IdKind::Team)?).await?;
    Ok(Payload::ok(render::team(&team, &base_url(&headers))))
}

pub async fn get_team_by_name(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let org = readable_org(&app, &principal, &org_id).await?;
    let team = app.service.org_team_by_name(&org, &team_name).await?;
    Ok(Payload::ok(render::team(&team, &base_url(&headers))))
}

/// createOrgTeam: 201 with a `Location` outside the API prefix, as recorded (iam/atlasteams/TestAtlasTeams/
/// Create: `Location: http://localhost:8080/orgs/{orgId}/teams/{teamId}`), although the spec says 200.
pub async fn create_org_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let org = owned_org(&app, &principal, &org_id).await?;
    let input = team_bodies::team(json_body(&headers, &body)?)?;
    let created = app.service.create_team(&Actor::of(&principal), &org, input).await?;
    let base = base_url(&headers);
    let location = HeaderValue::from_str(&format!("{base}/orgs/{}/teams/{}", org.id, created.team.id))
        .map_err(|_| ApiError::unexpected())?;
    let body = render::new_team(&created.team, &created.usernames, &base);
    Ok(([(LOCATION, location)], Payload::with_status(StatusCode::CREATED, body)))
}

pub async fn rename_org_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = owned_org(&app, &principal, &org_id).await?;
    let team_id = path_id(&team_id, IdKind::Team)?;
    let name = team_bodies::team_name(json_body(&headers, &body)?)?;
    let team = app.service.rename_team(&Actor::of(&principal), &org, &team_id, name).await?;
    Ok(Payload::ok(render::team(&team, &base_url(&headers))))
}

pub async fn delete_org_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_id)): Path<(String, String)>,
) -> Answer {
    let org = owned_org(&app, &principal, &org_id).await?;
    app.service.delete_team(&Actor::of(&principal), &org, &path_id(&team_id, IdKind::Team)?).await?;
    Ok(Payload::no_content())
}

// --- team users ---

/// listTeamUsers: the 2025-02-19 version pages OrgUserResponse of active and pending users, filtered by
/// `username`, `orgMembershipStatus(es)` and `userId`; the deprecated 2023-01-01 one pages the active members as
/// CloudAppUser ("If using a deprecated version, only active users will be returned" — Atlas spec).
pub async fn list_team_users(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(version): Extension<ApiVersion>,
    Path((org_id, team_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let org = readable_org(&app, &principal, &org_id).await?;
    let team_id = path_id(&team_id, IdKind::Team)?;
    let pairs = form_pairs(raw.as_deref());
    let page = Page::counted_from_query(&pairs)?;
    let (base, path) = (base_url(&headers), format!("/api/atlas/v2/orgs/{}/teams/{team_id}/users", org.id));
    let query = user_query(&pairs, version)?;
    if version.is_before_users_api() {
        let members = app.service.list_team_users(&org, &team_id, &query).await?;
        return Ok(Payload::ok(page.of(account_items(&app, &org, &members, &base).await?, &base, &path, &[])));
    }
    let user_id = match pairs.iter().find(|(name, _)| name == "userId") {
        Some((_, value)) => Some(ObjectId::parse(value).ok_or_else(|| ApiError::invalid_query_parameter("userId"))?),
        None => None,
    };
    let users = app.service.list_team_users(&org, &team_id, &query).await?;
    let items = users.iter().filter(|user| user_id.is_none_or(|id| user.id == id)).map(render::org_user).collect();
    Ok(Payload::ok(page.of(items, &base, &path, &filter_flags(&pairs, version))))
}

/// `POST /orgs/{orgId}/teams/{teamId}:addUser` and `:removeUser` (the router matches whole segments, so one
/// handler reads the action off the team's segment): the user as it now is.
pub async fn change_team_member(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = owned_org(&app, &principal, &org_id).await?;
    let (team_id, add) = if let Some(id) = segment.strip_suffix(":addUser") {
        (id, true)
    } else if let Some(id) = segment.strip_suffix(":removeUser") {
        (id, false)
    } else {
        return Err(ApiError::resource_not_found(&format!("/api/atlas/v2/orgs/{org_id}/teams/{segment}")));
    };
    let team_id = path_id(team_id, IdKind::Team)?;
    let user_id = path_id(&team_bodies::user_id(json_body(&headers, &body)?)?, IdKind::User)?;
    let user = if add {
        app.service.add_team_users(&Actor::of(&principal), &org, &team_id, &[user_id], true).await?.remove(0)
    } else {
        app.service.remove_team_user(&Actor::of(&principal), &org, &team_id, &user_id).await?
    };
    Ok(Payload::ok(render::org_user(&user)))
}

/// The deprecated addTeamUsers: active users only (pending ones get CANNOT_ADD_PENDING_USER), all or none; the
/// answer pages the team's members as CloudAppUser (recorded: iam/atlasteamusers/TestAtlasTeamUsers/Add).
pub async fn add_team_users(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = owned_org(&app, &principal, &org_id).await?;
    let team_id = path_id(&team_id, IdKind::Team)?;
    let ids = team_bodies::user_ids(json_body(&headers, &body)?)?;
    let user_ids = ids.iter().map(|id| path_id(id, IdKind::User)).collect::<Result<Vec<_>, _>>()?;
    app.service.add_team_users(&Actor::of(&principal), &org, &team_id, &user_ids, false).await?;
    let members = app.service.list_team_users(&org, &team_id, &UserQuery::active()).await?;
    let base = base_url(&headers);
    let path = format!("/api/atlas/v2/orgs/{}/teams/{team_id}/users", org.id);
    Ok(Payload::ok(Page::FIRST.of(account_items(&app, &org, &members, &base).await?, &base, &path, &[])))
}

/// The deprecated removeUserFromTeam: 204.
pub async fn remove_user_from_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, team_id, user_id)): Path<(String, String, String)>,
) -> Answer {
    let org = owned_org(&app, &principal, &org_id).await?;
    let (team_id, user_id) = (path_id(&team_id, IdKind::Team)?, path_id(&user_id, IdKind::User)?);
    app.service.remove_team_user(&Actor::of(&principal), &org, &team_id, &user_id).await?;
    Ok(Payload::no_content())
}

// --- project teams ---

async fn managed_project(
    app: &AppState,
    route: Route,
    principal: &Principal,
    group_id: &str,
) -> Result<ProjectScope, ApiError> {
    let project_id = path_id(group_id, IdKind::Project)?;
    Ok(app.service.project_scope(principal, &project_id, route.surface.catalog()).await?)
}

/// PaginatedTeamRole: the project's teams, one page, linked from the request's own path.
fn project_teams(scope: &ProjectScope, teams: &[ProjectTeam], page: Page, base: &str, path: &str) -> Value {
    let items = teams.iter().map(|team| render::project_team(&scope.project.id, team, base)).collect();
    page.of(items, base, path, &[])
}

pub async fn list_group_teams(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    let page = Page::from_query(&form_pairs(raw.as_deref()))?;
    let teams = app.service.list_project_teams(&scope).await?;
    let path = format!("/api/atlas/v2/groups/{}/teams", scope.project.id);
    Ok(Payload::ok(project_teams(&scope, &teams, page, &base_url(&headers), &path)))
}

pub async fn get_group_team(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((group_id, team_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    let assigned = app.service.project_team(&scope, &path_id(&team_id, IdKind::Team)?).await?;
    Ok(Payload::ok(render::project_team(&scope.project.id, &assigned, &base_url(&headers))))
}

/// addGroupTeams: 200 with every team of the project (recorded: iam/atlasprojectteams/TestAtlasProjectTeams/Add).
pub async fn add_group_teams(
    State(app): State<AppState>,
    Extension(route): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = managed_project(&app, route, &principal, &group_id).await?;
    let inputs = team_bodies::team_roles(json_body(&headers, &body)?)?;
    let teams = app.service.add_project_teams(&Actor::of(&principal), route.surface.catalog(), &scope, inputs).await?;
    let path = format!("/api/atlas/v2/groups/{}/teams", scope.project.id);
    Ok(Payload::ok(project_teams(&scope, &teams, Page::FIRST, &base_url(&headers), &path)))
}

/// updateGroupTeam: the roles exactly as written; the answer pages the project's teams under the team's path
/// (recorded: iam/atlasprojectteams/TestAtlasProjectTeams/Update).
pub async fn update_group_team(
    State(app): State<AppState>,
    Extension(route): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, team_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = managed_project(&app, route, &principal, &group_id).await?;
    let team_id = path_id(&team_id, IdKind::Team)?;
    let roles = team_bodies::team_role_update(json_body(&headers, &body)?, &team_id.to_string())?;
    let teams = app
        .service
        .update_project_team(&Actor::of(&principal), route.surface.catalog(), &scope, &team_id, roles)
        .await?;
    let path = format!("/api/atlas/v2/groups/{}/teams/{team_id}", scope.project.id);
    Ok(Payload::ok(project_teams(&scope, &teams, Page::FIRST, &base_url(&headers), &path)))
}

pub async fn remove_group_team(
    State(app): State<AppState>,
    Extension(route): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, team_id)): Path<(String, String)>,
) -> Answer {
    let scope = managed_project(&app, route, &principal, &group_id).await?;
    app.service.remove_project_team(&Actor::of(&principal), &scope, &path_id(&team_id, IdKind::Team)?).await?;
    Ok(Payload::no_content())
}
