//! Atlas's API rate limits (https://www.mongodb.com/docs/atlas/api/api-rate-limit/): project invitations share
//! a bucket per project, org invitations one per org. Responses carry `RateLimit-Limit` and
//! `RateLimit-Remaining` (recorded Atlas responses); an empty bucket answers 429 with `Retry-After`. Only
//! authenticated requests reach this layer, so digest challenges spend nothing.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::wire::Resource;
use crate::error::ApiError;
use crate::ratelimit::{Decision, Quota};
use crate::service::internal;

/// The limits a server enforces. Defaults are Atlas's for the invitation endpoint sets.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub project_invitations: Quota,
    pub org_invitations: Quota,
    pub failed_auth_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            project_invitations: Quota { capacity: 1200, refill_per_minute: 500 },
            org_invitations: Quota { capacity: 500, refill_per_minute: 250 },
            failed_auth_per_minute: 60,
        }
    }
}

pub async fn rate_limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let (endpoint_set, quota) = match Resource::of(&path) {
        Resource::ProjectInvitations => ("api/atlas/v2/groups", app.limits.project_invitations),
        Resource::OrgInvitations => ("api/atlas/v2/orgs", app.limits.org_invitations),
        Resource::Other => return next.run(request).await,
    };
    // /api/atlas/v2/{groups|orgs}/{id}/invites…: the bucket's scope is the project or the org.
    let scope_id = path.split('/').nth(5).unwrap_or_default();
    let bucket =
        app.service.store().rate_limit(&format!("{endpoint_set}/{scope_id}"), quota, app.clock.now(), true).await;
    let decision = match bucket {
        Ok(decision) => decision,
        Err(err) => return internal(err).into_response(),
    };
    match decision {
        Decision::Limited { retry_after } => {
            let mut response =
                ApiError::rate_limited(endpoint_set, retry_after, quota.capacity, quota.refill_per_minute)
                    .into_response();
            set_headers(&mut response, quota, 0);
            response
        }
        Decision::Allowed { remaining } => {
            let mut response = next.run(request).await;
            set_headers(&mut response, quota, remaining);
            response
        }
    }
}

fn set_headers(response: &mut Response, quota: Quota, remaining: u32) {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(quota.capacity));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
}
