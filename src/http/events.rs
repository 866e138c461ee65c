//! The Events API (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/, tag "Events";
//! openapi/atlas/atlas-users-teams-events-v2.yaml): Organization Member reads an org's events, Project Read
//! Only a project's. Lists are newest first, filtered by `eventType` (repeatable), `minDate` and `maxDate`
//! (ISO 8601), and paged; `includeRaw` is accepted (this server keeps no raw documents).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;

use super::app::{AppState, path_id};
use super::error::ApiError;
use super::paging::{Page, base_url, flag};
use super::render;
use super::wire::{Payload, form_pairs};
use crate::domain::events::{Event, EventQuery};
use crate::domain::{IdKind, Principal};
use crate::service::EventPage;

type Answer = Result<Payload, ApiError>;

/// Query parameters a list's links repeat.
type LinkFlags = Vec<(&'static str, String)>;

/// A list's filters, and the parameters its links repeat (as recorded: `includeCount=false&includeRaw=false&
/// minDate=2026-08-09T03%3A06%3A48Z&pageNum=1&itemsPerPage=100`).
fn event_query(pairs: &[(String, String)]) -> Result<(EventQuery, LinkFlags), ApiError> {
    let mut query = EventQuery::default();
    let mut flags = vec![("includeRaw", "false".to_string())];
    let date = |name: &str, value: &str| {
        OffsetDateTime::parse(value, &Iso8601::DEFAULT)
            .map(OffsetDateTime::unix_timestamp)
            .map_err(|_| ApiError::invalid_query_parameter(name))
    };
    for (name, value) in pairs {
        match name.as_str() {
            "eventType" => {
                query.event_types.push(value.clone());
                flags.push(("eventType", value.clone()));
            }
            "minDate" => {
                query.min_date = Some(date(name, value)?);
                flags.push(("minDate", value.clone()));
            }
            "maxDate" => {
                query.max_date = Some(date(name, value)?);
                flags.push(("maxDate", value.clone()));
            }
            "includeRaw" => flags[0].1 = flag(name, value)?.to_string(),
            _ => {}
        }
    }
    Ok((query, flags))
}

/// PaginatedEvent. Without `includeCount` Atlas still writes `totalCount`, as 0 (recorded).
fn event_list(
    page: Page,
    listed: EventPage,
    with_org: bool,
    headers: &HeaderMap,
    path: &str,
    flags: &[(&str, String)],
) -> Value {
    let base = base_url(headers);
    let items = listed.events.iter().map(|event| render::event(event, with_org, &base)).collect();
    let mut body = page.of_window(items, listed.total, &base, path, flags);
    if !page.include_count {
        body.as_object_mut().expect("an object").insert("totalCount".into(), json!(0));
    }
    body
}

fn checked_include_raw(pairs: &[(String, String)]) -> Result<(), ApiError> {
    match pairs.iter().find(|(name, _)| name == "includeRaw") {
        Some((name, value)) => flag(name, value).map(|_| ()),
        None => Ok(()),
    }
}

pub async fn list_org_events(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(org_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let org = app.service.readable_org(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    let pairs = form_pairs(raw.as_deref());
    let (page, (query, flags)) = (Page::from_query(&pairs)?, event_query(&pairs)?);
    let listed = app.service.org_events(&org, &query, page.offset(), page.items_per_page).await?;
    let path = format!("/api/atlas/v2/orgs/{}/events", org.id);
    Ok(Payload::ok(event_list(page, listed, true, &headers, &path, &flags)))
}

pub async fn get_org_event(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((org_id, event_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let org = app.service.readable_org(&principal, &path_id(&org_id, IdKind::Org)?).await?;
    checked_include_raw(&form_pairs(raw.as_deref()))?;
    let event: Event = app.service.org_event(&org, &path_id(&event_id, IdKind::Event)?).await?;
    Ok(Payload::ok(render::event(&event, true, &base_url(&headers))))
}

pub async fn list_group_events(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(group_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    let pairs = form_pairs(raw.as_deref());
    let (page, (query, flags)) = (Page::from_query(&pairs)?, event_query(&pairs)?);
    let listed = app.service.project_events(&scope, &query, page.offset(), page.items_per_page).await?;
    let path = format!("/api/atlas/v2/groups/{}/events", scope.project.id);
    Ok(Payload::ok(event_list(page, listed, false, &headers, &path, &flags)))
}

pub async fn get_group_event(
    State(app): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((group_id, event_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let scope = app.service.readable_project_scope(&principal, &path_id(&group_id, IdKind::Project)?).await?;
    checked_include_raw(&form_pairs(raw.as_deref()))?;
    let event = app.service.project_event(&scope, &path_id(&event_id, IdKind::Event)?).await?;
    Ok(Payload::ok(render::event(&event, false, &base_url(&headers))))
}
