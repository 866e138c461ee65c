//! The reads official clients make around invitations: the org and the project.

use axum::Extension;
use axum::extract::{Path, State};

use super::app::{AppState, path_id};
use super::error::ApiError;
use super::render;
use super::wire::Payload;
use crate::domain::{IdKind, Principal};

pub async fn get_org(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
) -> Result<Payload, ApiError> {
    let org = app.service.readable_org(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    Ok(Payload::ok(render::org(&org)))
}

pub async fn get_project(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
) -> Result<Payload, ApiError> {
    let project = app.service.readable_project(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    Ok(Payload::ok(render::project(&project)))
}
