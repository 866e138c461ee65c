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

pub async fn rate_limit(State(app): State<AppState>, params: RawPathParams, request: Request, next: Next) -> Response {
    let limits = &app.options.limits;
    let route = request.extensions().get::<Route>().copied();
    let (endpoint_set, quota, scope_param) = match route.map(|r| r.resource) {
        Some(Resource::ProjectInvitations) => ("api/atlas/v2/groups", limits.project_invitations, "group_id"),
        Some(Resource::OrgInvitations) => ("api/atlas/v2/orgs", limits.org_invitations, "org_id"),
        Some(Resource::Directory) | None => return next.run(request).await,
    };
    // The bucket's scope is the project or the org the route names.
    let scope_id = params.iter().find(|(name, _)| *name == scope_param).map(|(_, value)| value).unwrap_or_default();
    let decision = match app.service.rate_limit(&format!("{endpoint_set}/{scope_id}"), quota, true).await {
        Ok(decision) => decision,
        Err(err) => return ApiError::from(err).into_response(),
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
