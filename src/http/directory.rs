//! The reads official clients make around invitations: the org, the project, and a user by username
//! (the Terraform provider looks invitees up there).

use axum::Extension;
use axum::extract::{Path, State};

use super::AppState;
use super::render;
use super::wire::Payload;
use crate::domain::Principal;
use crate::error::ApiError;
use crate::service::internal;

pub async fn get_org(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
) -> Result<Payload, ApiError> {
    let org = app.service.readable_org(&principal, &org_id).await?;
    Ok(Payload::ok(render::org(&org)))
}

pub async fn get_project(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
) -> Result<Payload, ApiError> {
    let project = app.service.readable_project(&principal, &group_id).await?;
    Ok(Payload::ok(render::project(&project)))
}

pub async fn get_user_by_name(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(username): Path<String>,
) -> Result<Payload, ApiError> {
    let user = app.service.user_by_username(&principal, &username).await?;
    let projects = app.service.store().projects(Some(&principal.org_id)).await.map_err(internal)?;
    let project_ids: Vec<String> = projects.into_iter().map(|p| p.id).collect();
    Ok(Payload::ok(render::user(&user, &principal.org_id, &project_ids)))
}
