//! Atlas's API rate limits (https://www.mongodb.com/docs/atlas/api/api-rate-limit/): project invitations share
//! a bucket per project, org invitations one per org. Responses carry `RateLimit-Limit` and
//! `RateLimit-Remaining` (recorded Atlas responses); an empty bucket answers 429 with `Retry-After`. Only
//! authenticated requests reach this layer, so digest challenges spend nothing.

use axum::extract::{RawPathParams, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::{AppState, Resource, Route};
use super::error::ApiError;
use crate::domain::ratelimit::{Decision, Quota};
use crate::domain::{ObjectId, Principal};

pub async fn rate_limit(State(app): State<AppState>, params: RawPathParams, request: Request, next: Next) -> Response {
    let limits = &app.options.limits;
    let route = request.extensions().get::<Route>().copied();
    // (the endpoint set Atlas names in the 429, the bucket's family, its quota, what scopes it)
    let (endpoint_set, family, quota, scope) = match route.map(|r| r.resource) {
        Some(Resource::ProjectInvitations) => {
            ("api/atlas/v2/groups", "invites", limits.project_invitations, Scope::Param("group_id"))
        }
        Some(Resource::OrgInvitations) => {
            ("api/atlas/v2/orgs", "invites", limits.org_invitations, Scope::Param("org_id"))
        }
        Some(Resource::ProjectUsers) => {
            ("api/atlas/v2/groups", "users", limits.project_users, Scope::Param("group_id"))
        }
        Some(Resource::OrgUsers) => ("api/atlas/v2/orgs", "users", limits.org_users, Scope::Param("org_id")),
        Some(Resource::Users) => ("api/atlas/v2/users", "users", limits.users, Scope::Caller),
        Some(Resource::OrgTeams) => ("api/atlas/v2/orgs", "teams", limits.teams, Scope::Param("org_id")),
        Some(Resource::ProjectTeams) => ("api/atlas/v2/groups", "teams", limits.teams, Scope::Param("group_id")),
        Some(Resource::OrgEvents) => ("api/atlas/v2/orgs", "events", limits.org_events, Scope::Param("org_id")),
        Some(Resource::ProjectEvents) => {
            ("api/atlas/v2/groups", "events", limits.project_events, Scope::Param("group_id"))
        }
        Some(Resource::Directory) | None => return next.run(request).await,
    };
    // The bucket's scope is the project or the org the route names, or the calling credential. A path id that
    // is not an id names no scope: the handler answers it (404), and no bucket is made for arbitrary text.
    let scope_id = match scope {
        Scope::Param(param) => {
            let raw = params.iter().find(|(name, _)| *name == param).map(|(_, value)| value.to_string());
            match raw.as_deref().and_then(ObjectId::parse) {
                Some(id) => id.to_string(),
                None => return next.run(request).await,
            }
        }
        Scope::Caller => request.extensions().get::<Principal>().map(|p| p.name.clone()).unwrap_or_default(),
    };
    let bucket = format!("{family}:{endpoint_set}/{scope_id}");
    let limited = |retry_after| {
        let mut response =
            ApiError::rate_limited(endpoint_set, retry_after, quota.capacity, quota.refill_per_minute).into_response();
        set_headers(&mut response, quota, 0);
        response
    };
    // Look first, then spend only if the request was the caller's to make: another org's key, refused with 401,
    // or a scope that does not exist, must not drain the scope's bucket.
    match app.service.rate_limit(&bucket, quota, false).await {
        Ok(Decision::Limited { retry_after }) => return limited(retry_after),
        Ok(Decision::Allowed { .. }) => {}
        Err(err) => return ApiError::from(err).into_response(),
    }
    let mut response = next.run(request).await;
    if !spends(&response) {
        return response;
    }
    match app.service.rate_limit(&bucket, quota, true).await {
        Ok(Decision::Allowed { remaining }) => set_headers(&mut response, quota, remaining),
        // Concurrent requests emptied it meanwhile; this one was already served.
        Ok(Decision::Limited { .. }) => set_headers(&mut response, quota, 0),
        Err(err) => tracing::error!(error = %err, "spending a rate-limit token"),
    }
    response
}

/// Whether an answer counts against the scope's bucket: everything but a refusal of the caller's rights and a
/// scope that does not exist.
fn spends(response: &Response) -> bool {
    let status = response.status().as_u16();
    let code = response.headers().get("x-error-code").and_then(|v| v.to_str().ok()).unwrap_or_default();
    !matches!(status, 401 | 403) && !matches!(code, "GROUP_NOT_FOUND" | "ORG_NOT_FOUND")
}

enum Scope {
    Param(&'static str),
    Caller,
}

fn set_headers(response: &mut Response, quota: Quota, remaining: u32) {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(quota.capacity));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
}

/// Atlas's limit on invitations from one address ("Rate limit of 10 invitations per 1 minutes exceeded." —
/// 400 INVITATIONS_RATE_LIMITED_IP, terraform-provider-mongodbatlas issue #1589), when the operator turns it on
/// (`--invitations-per-address-per-minute`). Each create that may invite someone spends one, once the caller is
/// known to be allowed to make it; the buckets live in the request state, so replicas on one store share them.
pub async fn spend_invitation(app: &AppState, principal: &Principal) -> Result<(), ApiError> {
    let (Some(per_minute), Some(address)) =
        (app.options.limits.invitations_per_address_per_minute, principal.remote_address)
    else {
        return Ok(());
    };
    let quota = Quota { capacity: per_minute, refill_per_minute: per_minute };
    match app.service.rate_limit(&format!("invitations-by-address:{address}"), quota, true).await? {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { .. } => Err(ApiError::invitations_rate_limited(per_minute)),
    }
}
