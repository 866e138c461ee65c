//! The MongoDB Cloud users operations (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/, tag "MongoDB
//! Cloud Users"; openapi/atlas/atlas-users-teams-events-v2.yaml) and the deprecated `/users` calls. Each
//! handler: resolve the org or project (which authorizes: Organization Member reads an org's users, Owner
//! changes them; Project Read Only reads a project's, Project Owner changes them), read the query or body, call
//! the service, render.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::app::{AppState, Route, path_id};
use super::error::ApiError;
use super::limits;
use super::paging::{Page, base_url, flag};
use super::render;
use super::user_bodies;
use super::versions::ApiVersion;
use super::wire::{Payload, form_pairs, json_body};
use crate::domain::events::Actor;
use crate::domain::users::{MembershipStatus, OrgUser, OrgUserUpdate};
use crate::domain::{IdKind, ObjectId, Org, Principal};
use crate::service::{ProjectListing, UserQuery};

type Answer = Result<Payload, ApiError>;

/// Which users a list or read asks for. The 2023-01-01 version knows no filters and shows active users only
/// (Atlas spec, listOrgUsers: "Not supported in deprecated versions").
pub(super) fn user_query(pairs: &[(String, String)], version: ApiVersion) -> Result<UserQuery, ApiError> {
    if version.is_before_users_api() {
        return Ok(UserQuery::active());
    }
    let mut query = UserQuery::default();
    let status =
        |value: &str, name: &str| MembershipStatus::parse(value).ok_or_else(|| ApiError::invalid_query_parameter(name));
    let single: Vec<&String> = pairs.iter().filter(|(n, _)| n == "orgMembershipStatus").map(|(_, v)| v).collect();
    let many: Vec<&String> = pairs.iter().filter(|(n, _)| n == "orgMembershipStatuses").map(|(_, v)| v).collect();
    match (single.as_slice(), many.as_slice()) {
        ([], []) => {}
        ([value], []) => query.statuses = vec![status(value, "orgMembershipStatus")?],
        ([], values) if values.len() <= MembershipStatus::ALL.len() => {
            query.statuses = values.iter().map(|v| status(v, "orgMembershipStatuses")).collect::<Result<_, _>>()?
        }
        // "Cannot be combined with orgMembershipStatus"; the deprecated one is given once; at most 4 values.
        ([_, ..], _) => return Err(ApiError::invalid_query_parameter("orgMembershipStatus")),
        _ => return Err(ApiError::invalid_query_parameter("orgMembershipStatuses")),
    }
    query.username = pairs.iter().find(|(n, _)| n == "username").map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    Ok(query)
}

/// The filters of a user list as the client sent them, kept in its links so that following `next` pages the
/// same filtered list (recorded Atlas lists keep their filters, e.g. `/orgs?includeCount=true&name=&…`).
pub(super) fn filter_flags(pairs: &[(String, String)], version: ApiVersion) -> Vec<(&'static str, String)> {
    const FILTERS: [&str; 4] = ["orgMembershipStatus", "orgMembershipStatuses", "userId", "username"];
    if version.is_before_users_api() {
        return Vec::new();
    }
    pairs.iter().filter_map(|(name, value)| FILTERS.iter().find(|f| **f == name).map(|f| (*f, value.clone()))).collect()
}

fn query_flag(pairs: &[(String, String)], name: &str) -> Result<bool, ApiError> {
    pairs.iter().find(|(n, _)| n == name).map_or(Ok(false), |(_, value)| flag(name, value))
}

/// The active ones of `people` as CloudAppUser list items (self link only).
pub(super) async fn account_items(
    app: &AppState,
    org: &Org,
    people: &[OrgUser],
    base: &str,
) -> Result<Vec<Value>, ApiError> {
    let (accounts, project_ids) = app.service.accounts_of(org, people).await?;
    Ok(accounts.iter().map(|user| render::user_list_item(user, &org.id, &project_ids, base)).collect())
}

/// `{userId}:addRole` / `{userId}:removeRole`: the user and whether the role is added.
fn role_action(segment: &str, path: &str) -> Result<(ObjectId, bool), ApiError> {
    let (user_id, add) = if let Some(id) = segment.strip_suffix(":addRole") {
        (id, true)
    } else if let Some(id) = segment.strip_suffix(":removeRole") {
        (id, false)
    } else {
        return Err(ApiError::resource_not_found(path));
    };
    Ok((path_id(user_id, IdKind::User)?, add))
}

// --- org users ---

pub async fn list_org_users(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(version): Extension<ApiVersion>,
    Path(org_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let org = app.service.readable_org(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let pairs = form_pairs(raw.as_deref());
    let (page, query) = (Page::from_query(&pairs)?, user_query(&pairs, version)?);
    let users = app.service.list_org_users(&org, &query).await?;
    let (base, path) = (base_url(&headers), format!("/api/atlas/v2/orgs/{}/users", org.id));
    // The deprecated version pages CloudAppUser, as the SDKs of its time decode it (PaginatedAppUser).
    let items = if version.is_before_users_api() {
        account_items(&app, &org, &users, &base).await?
    } else {
        users.iter().map(render::org_user).collect()
    };
    Ok(Payload::ok(page.of(items, &base, &path, &filter_flags(&pairs, version))))
}

pub async fn get_org_user(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(version): Extension<ApiVersion>,
    Path((org_id, user_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let org = app.service.readable_org(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let query = UserQuery { username: None, ..user_query(&form_pairs(raw.as_deref()), version)? };
    let user = app.service.org_user(&org, &path_id(&user_id, IdKind::User)?, &query).await?;
    Ok(Payload::ok(render::org_user(&user)))
}

pub async fn create_org_user(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input = user_bodies::org_user(json_body(&headers, &body)?)?;
    let user = app.service.create_org_user(surface.catalog(), &principal, &org, input).await?;
    Ok(Payload::with_status(StatusCode::CREATED, render::org_user(&user)))
}

pub async fn update_org_user(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let user_id = path_id(&user_id, IdKind::User)?;
    let update = user_bodies::org_user_update(json_body(&headers, &body)?)?;
    let user = app.service.update_org_user(&Actor::of(&principal), surface.catalog(), &org, &user_id, update).await?;
    Ok(Payload::ok(render::org_user(&user)))
}

/// `POST /orgs/{orgId}/users/{userId}:addRole` and `:removeRole`.
pub async fn change_org_role(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((org_id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let (user_id, add) = role_action(&segment, &format!("/api/atlas/v2/orgs/{org_id}/users/{segment}"))?;
    let role = user_bodies::one_role(json_body(&headers, &body)?, "orgRole")?;
    let user = if add {
        app.service.add_org_role(&Actor::of(&principal), surface.catalog(), &org, &user_id, role).await?
    } else {
        app.service.remove_org_role(&Actor::of(&principal), surface.catalog(), &org, &user_id, role).await?
    };
    Ok(Payload::ok(render::org_user(&user)))
}

pub async fn remove_org_user(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(version): Extension<ApiVersion>,
    Path((org_id, user_id)): Path<(String, String)>,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let user_id = path_id(&user_id, IdKind::User)?;
    app.service.remove_org_user(&Actor::of(&principal), &org, &user_id, version.is_before_users_api()).await?;
    Ok(Payload::no_content())
}

/// The deprecated `PUT /orgs/{orgId}/users/{userId}/roles`: UpdateOrgRolesForUser in and out.
pub async fn update_org_user_roles(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let user_id = path_id(&user_id, IdKind::User)?;
    let org_roles = user_bodies::role_set(json_body(&headers, &body)?, "orgRoles")?;
    let update = OrgUserUpdate { org_roles: Some(org_roles.unwrap_or_default()), ..OrgUserUpdate::default() };
    let user = app.service.update_org_user(&Actor::of(&principal), surface.catalog(), &org, &user_id, update).await?;
    Ok(Payload::ok(json!({ "orgRoles": user.org_roles })))
}

// --- project users ---

pub async fn list_group_users(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(version): Extension<ApiVersion>,
    Path(group_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    let pairs = form_pairs(raw.as_deref());
    let (page, query) = (Page::from_query(&pairs)?, user_query(&pairs, version)?);
    let listing = ProjectListing {
        include_org_users: query_flag(&pairs, "includeOrgUsers")?,
        flatten_teams: query_flag(&pairs, "flattenTeams")?,
    };
    let users = app.service.list_project_users(&scope, &query, listing).await?;
    let path = format!("/api/atlas/v2/groups/{}/users", scope.project.id);
    let mut flags = filter_flags(&pairs, version);
    flags.push(("flattenTeams", listing.flatten_teams.to_string()));
    flags.push(("includeOrgUsers", listing.include_org_users.to_string()));
    let items = users.iter().map(render::project_user).collect();
    let body = page.of(items, &base_url(&headers), &path, &flags);
    Ok(Payload::ok(body))
}

pub async fn get_group_user(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    let user = app.service.project_user(&scope, &path_id(&user_id, IdKind::User)?).await?;
    Ok(Payload::ok(render::project_user(&user)))
}

pub async fn add_group_user(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input = user_bodies::project_user(json_body(&headers, &body)?)?;
    let user = app.service.add_project_user(surface.catalog(), &principal, &scope, input).await?;
    Ok(Payload::with_status(StatusCode::CREATED, render::project_user(&user)))
}

pub async fn remove_group_user(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    app.service.remove_project_user(&Actor::of(&principal), &scope, &path_id(&user_id, IdKind::User)?).await?;
    Ok(Payload::no_content())
}

/// `POST /groups/{groupId}/users/{userId}:addRole` and `:removeRole`.
pub async fn change_group_role(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    let (user_id, add) = role_action(&segment, &format!("/api/atlas/v2/groups/{group_id}/users/{segment}"))?;
    let role = user_bodies::one_role(json_body(&headers, &body)?, "groupRole")?;
    let user = if add {
        app.service.add_project_role(&Actor::of(&principal), surface.catalog(), &scope, &user_id, role).await?
    } else {
        app.service.remove_project_role(&Actor::of(&principal), surface.catalog(), &scope, &user_id, role).await?
    };
    Ok(Payload::ok(render::project_user(&user)))
}

/// The deprecated `PUT /groups/{groupId}/users/{userId}/roles`: UpdateGroupRolesForUser in and out.
pub async fn update_group_user_roles(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    let roles = user_bodies::role_set(json_body(&headers, &body)?, "groupRoles")?;
    let user = app
        .service
        .set_project_user_roles(
            &Actor::of(&principal),
            surface.catalog(),
            &scope,
            &path_id(&user_id, IdKind::User)?,
            roles,
        )
        .await?;
    Ok(Payload::ok(json!({ "groupRoles": user.roles })))
}

// --- the deprecated /users calls ---

/// `POST /users`: 201 with the account and its `Location`, on the v1.0 path as recorded
/// (iam/atlasusers/TestAtlasUsers/Invite).
pub async fn create_user(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    limits::spend_invitation(&app, &principal).await?;
    let input = user_bodies::account(json_body(&headers, &body)?)?;
    let user = app.service.create_account(surface.catalog(), &principal, input).await?;
    let base = base_url(&headers);
    let location = HeaderValue::from_str(&format!("{base}/api/atlas/v1.0/users/{}", user.id))
        .map_err(|_| ApiError::unexpected())?;
    let body = render::user(&user, &principal.org.id, &[], &base);
    Ok(([(LOCATION, location)], Payload::with_status(StatusCode::CREATED, body)))
}

pub async fn get_user(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let (user, org_project_ids) = app.service.user_by_id(&principal, &path_id(&user_id, IdKind::User)?).await?;
    Ok(Payload::ok(render::user(&user, &principal.org.id, &org_project_ids, &base_url(&headers))))
}

pub async fn get_user_by_name(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let (user, org_project_ids) = app.service.user_by_username(&principal, &username).await?;
    Ok(Payload::ok(render::user(&user, &principal.org.id, &org_project_ids, &base_url(&headers))))
}
