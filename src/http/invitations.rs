//! The 12 invitation operations (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/group/endpoint-projects
//! and .../endpoint-organizations; the Atlas v1.0 and Cloud Manager references for the other surfaces). Each
//! handler: resolve the scope (which authorizes), read the body, call the service, render — with the
//! differences between surfaces taken from `Surface`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::app::{AppState, Route, path_id};
use super::bodies::{self, Username};
use super::error::ApiError;
use super::limits;
use super::render;
use super::wire::{Payload, form_pairs, json_body};
use crate::domain::{IdKind, Principal};

type Answer = Result<Payload, ApiError>;

/// `?username=` filters by exact username; an empty value means no filter (the Atlas CLI always sends it).
fn username_filter(query: Option<&str>) -> Option<String> {
    form_pairs(query).into_iter().find(|(name, _)| name == "username").map(|(_, value)| value).filter(|v| !v.is_empty())
}

fn list(items: impl Iterator<Item = Value>) -> Payload {
    // Invitation lists are bare arrays, not paginated (recorded List responses).
    Payload::ok(Value::Array(items.collect()))
}

pub async fn list_project_invitations(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    let invitations =
        app.service.list_project_invitations(&scope, username_filter(query.as_deref()).as_deref()).await?;
    Ok(list(invitations.iter().map(|i| render::project_invitation(i, &scope.project))))
}

pub async fn create_project_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input = bodies::project_invitation(json_body(&headers, &body)?, Username::Expected)?;
    let invitation = app.service.create_project_invitation(surface.catalog(), &principal, &scope, input).await?;
    Ok(Payload::with_status(surface.created(), render::project_invitation(&invitation, &scope.project)))
}

pub async fn update_project_invitation_by_username(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input = bodies::project_invitation(json_body(&headers, &body)?, Username::Expected)?;
    let invitation = app.service.update_project_invitation_by_username(surface.catalog(), &scope, input).await?;
    Ok(Payload::ok(render::project_invitation(&invitation, &scope.project)))
}

pub async fn get_project_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, invitation_id)): Path<(String, String)>,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    let invitation = app.service.project_invitation(&scope, &path_id(&invitation_id, IdKind::Invitation)?).await?;
    Ok(Payload::ok(render::project_invitation(&invitation, &scope.project)))
}

pub async fn update_project_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, invitation_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    let input = bodies::project_invitation(json_body(&headers, &body)?, Username::Forbidden)?;
    let invitation = app
        .service
        .update_project_invitation(
            surface.catalog(),
            &scope,
            &path_id(&invitation_id, IdKind::Invitation)?,
            input.roles,
        )
        .await?;
    Ok(Payload::ok(render::project_invitation(&invitation, &scope.project)))
}

pub async fn delete_project_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((group_id, invitation_id)): Path<(String, String)>,
) -> Answer {
    let scope = app.service.project_scope(&principal, &path_id(&group_id, IdKind::Project)?, surface.catalog()).await?;
    app.service.delete_project_invitation(&scope, &path_id(&invitation_id, IdKind::Invitation)?).await?;
    Ok(Payload::no_content())
}

pub async fn list_org_invitations(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let invitations = app.service.list_org_invitations(&org, username_filter(query.as_deref()).as_deref()).await?;
    Ok(list(invitations.iter().map(|i| render::org_invitation(i, &org, surface.has_group_role_assignments()))))
}

pub async fn create_org_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input =
        bodies::org_invitation(json_body(&headers, &body)?, Username::Expected, surface.has_group_role_assignments())?;
    let invitation = app.service.create_org_invitation(surface.catalog(), &principal, &org, input).await?;
    Ok(Payload::with_status(
        surface.created(),
        render::org_invitation(&invitation, &org, surface.has_group_role_assignments()),
    ))
}

pub async fn update_org_invitation_by_username(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    limits::spend_invitation(&app, &principal).await?;
    let input =
        bodies::org_invitation(json_body(&headers, &body)?, Username::Expected, surface.has_group_role_assignments())?;
    let invitation = app.service.update_org_invitation_by_username(surface.catalog(), &org, input).await?;
    Ok(Payload::ok(render::org_invitation(&invitation, &org, surface.has_group_role_assignments())))
}

pub async fn get_org_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((org_id, invitation_id)): Path<(String, String)>,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let invitation = app.service.org_invitation(&org, &path_id(&invitation_id, IdKind::Invitation)?).await?;
    Ok(Payload::ok(render::org_invitation(&invitation, &org, surface.has_group_role_assignments())))
}

pub async fn update_org_invitation(
    State(app): State<AppState>,
    Extension(Route { surface, .. }): Extension<Route>,
    Extension(principal): Extension<Principal>,
    Path((org_id, invitation_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let input =
        bodies::org_invitation(json_body(&headers, &body)?, Username::Forbidden, surface.has_group_role_assignments())?;
    let invitation = app
        .service
        .update_org_invitation(surface.catalog(), &org, &path_id(&invitation_id, IdKind::Invitation)?, input)
        .await?;
    Ok(Payload::ok(render::org_invitation(&invitation, &org, surface.has_group_role_assignments())))
}

pub async fn delete_org_invitation(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, invitation_id)): Path<(String, String)>,
) -> Answer {
    let org = app.service.org_scope(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    app.service.delete_org_invitation(&org, &path_id(&invitation_id, IdKind::Invitation)?).await?;
    Ok(Payload::no_content())
}
