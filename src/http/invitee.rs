//! The invitee's side for automation: what a person does by clicking the emailed link, a test harness does by
//! calling these with the link's token (no API credentials: the token is the credential). Atlas has no such
//! endpoint (acceptance is only through its UI, https://www.mongodb.com/docs/atlas/invitations/); answers are
//! JSON, refusals Atlas-format errors.
//!
//! `GET /api/invitee/invitations/{token}` — the invitation and its state;
//! `POST /api/invitee/invitations/{token}:accept` and `:decline` — act on it, once.

use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::app::AppState;
use super::error::ApiError;
use super::render;
use super::wire::Payload;
use crate::domain::Invitation;
use crate::service::LinkTarget;

pub async fn show(State(app): State<AppState>, Path(token): Path<String>) -> Result<Payload, ApiError> {
    let body = match app.service.link_target(&token).await? {
        LinkTarget::Pending { invitation, org, project } => {
            let mut body = summary(&invitation, "PENDING");
            let fields = body.as_object_mut().expect("an object");
            fields.insert("orgName".into(), json!(org.name));
            if let Some(project) = project {
                fields.insert("groupName".into(), json!(project.name));
            }
            body
        }
        LinkTarget::Expired(invitation) => summary(&invitation, "EXPIRED"),
        LinkTarget::Declined(invitation) => summary(&invitation, "DECLINED"),
        LinkTarget::Gone => return Err(crate::domain::DomainError::LinkNotValid.into()),
    };
    Ok(Payload::ok(body))
}

/// `{token}:accept` or `{token}:decline` (the router matches whole segments).
pub async fn act(State(app): State<AppState>, Path(segment): Path<String>) -> Result<Payload, ApiError> {
    let (invitation, state) = if let Some(token) = segment.strip_suffix(":accept") {
        (app.service.accept_by_link(token).await?, "ACCEPTED")
    } else if let Some(token) = segment.strip_suffix(":decline") {
        (app.service.decline_by_link(token).await?, "DECLINED")
    } else {
        return Err(ApiError::resource_not_found(&format!("/api/invitee/invitations/{segment}")));
    };
    Ok(Payload::ok(summary(&invitation, state)))
}

fn summary(invitation: &Invitation, state: &str) -> Value {
    let mut body = json!({
        "createdAt": render::timestamp(invitation.created_at),
        "expiresAt": render::timestamp(invitation.expires_at),
        "id": invitation.id,
        "inviterUsername": invitation.inviter_username,
        "kind": invitation.kind.as_str(),
        "orgId": invitation.org_id,
        "roles": invitation.roles,
        "state": state,
        "username": invitation.username,
    });
    let fields = body.as_object_mut().expect("an object");
    if let Some(project_id) = invitation.project_id {
        fields.insert("groupId".into(), json!(project_id));
    }
    body
}
