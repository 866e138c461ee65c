//! Audit events: appended in the transaction of the change they record, read newest first, a page at a time.

use std::ops::DerefMut;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{Db, StoreError, StoreResult, WriteTx, id, int, optional_id, text};
use crate::domain::ObjectId;
use crate::domain::events::{Actor, Event, EventQuery, EventType};

/// Where a list of events is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventScope {
    /// The org's events, its projects' included.
    Org(ObjectId),
    Project(ObjectId),
}

const COLUMNS: &str = "id, event_type, created_at, org_id, project_id, actor_kind, actor_id, actor_name, \
     remote_address, target_username, team_id";

fn optional_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    row.try_get(column).map_err(|e| StoreError::Other(format!("column {column}: {e}")))
}

fn event_from_row(row: &AnyRow) -> StoreResult<Event> {
    let name = text(row, "event_type")?;
    let event_type = EventType::parse(&name).ok_or_else(|| StoreError::Other(format!("unknown event type {name}")))?;
    let actor = match text(row, "actor_kind")?.as_str() {
        "CREDENTIAL" => Actor::Credential {
            api_key_id: optional_id(row, "actor_id")?,
            public_key: optional_text(row, "actor_name")?.unwrap_or_default(),
            remote_address: optional_text(row, "remote_address")?.and_then(|a| a.parse().ok()),
        },
        "PERSON" => Actor::Person {
            user_id: optional_id(row, "actor_id")?
                .ok_or_else(|| StoreError::Other("event without its person".into()))?,
            username: optional_text(row, "actor_name")?.unwrap_or_default(),
        },
        _ => Actor::Operator,
    };
    Ok(Event {
        id: id(row, "id")?,
        event_type,
        created_at: int(row, "created_at")?,
        org_id: id(row, "org_id")?,
        project_id: optional_id(row, "project_id")?,
        actor,
        target_username: optional_text(row, "target_username")?,
        team_id: optional_id(row, "team_id")?,
    })
}

/// The WHERE clause of a list and its parameters, in order: scope, then the query's filters.
fn filter(scope: EventScope, query: &EventQuery) -> (String, Vec<String>) {
    let (column, scope_id) = match scope {
        EventScope::Org(id) => ("org_id", id),
        EventScope::Project(id) => ("project_id", id),
    };
    let mut clause = format!("{column} = $1");
    let mut params = vec![scope_id.to_string()];
    if !query.event_types.is_empty() {
        let first = params.len() + 1;
        let marks: Vec<String> = (first..first + query.event_types.len()).map(|n| format!("${n}")).collect();
        clause.push_str(&format!(" AND event_type IN ({})", marks.join(", ")));
        params.extend(query.event_types.iter().cloned());
    }
    clause.push_str(&format!(" AND created_at >= ${} AND created_at <= ${}", params.len() + 1, params.len() + 2));
    (clause, params)
}

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    /// One page of the scope's events the query admits, newest first, and how many it admits in all.
    pub async fn events(
        &mut self,
        scope: EventScope,
        query: &EventQuery,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<Event>, usize)> {
        let (clause, params) = filter(scope, query);
        let (min, max) = (query.min_date.unwrap_or(i64::MIN), query.max_date.unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut select = sqlx::query(sqlx::AssertSqlSafe(sql));
        for param in &params {
            select = select.bind(param.clone());
        }
        let rows = select.bind(min).bind(max).fetch_all(self.conn()).await.map_err(|e| self.fail(e))?;
        let mut count =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS total FROM events WHERE {clause}")));
        for param in &params {
            count = count.bind(param.clone());
        }
        let total = count.bind(min).bind(max).fetch_one(self.conn()).await.map_err(|e| self.fail(e))?;
        let events = rows.iter().map(event_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((events, usize::try_from(int(&total, "total")?).unwrap_or_default()))
    }

    pub async fn event(&mut self, scope: EventScope, event_id: &ObjectId) -> StoreResult<Option<Event>> {
        let (clause, params) = filter(scope, &EventQuery::default());
        let mut select = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM events WHERE {clause} AND id = ${}",
            params.len() + 3
        )));
        for param in &params {
            select = select.bind(param.clone());
        }
        let row = select
            .bind(i64::MIN)
            .bind(i64::MAX)
            .bind(event_id.to_string())
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(event_from_row).transpose()
    }
}

impl WriteTx {
    pub async fn insert_event(&mut self, event: &Event) -> StoreResult<()> {
        let (kind, actor_id, actor_name, remote_address) = match &event.actor {
            Actor::Credential { api_key_id, public_key, remote_address } => (
                "CREDENTIAL",
                api_key_id.map(|id| id.to_string()),
                Some(public_key.clone()),
                remote_address.map(|a| a.to_string()),
            ),
            Actor::Person { user_id, username } => ("PERSON", Some(user_id.to_string()), Some(username.clone()), None),
            Actor::Operator => ("OPERATOR", None, None, None),
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        )))
        .bind(event.id.to_string())
        .bind(event.event_type.as_str())
        .bind(event.created_at)
        .bind(event.org_id.to_string())
        .bind(event.project_id.map(|id| id.to_string()))
        .bind(kind)
        .bind(actor_id)
        .bind(actor_name)
        .bind(remote_address)
        .bind(event.target_username.clone())
        .bind(event.team_id.map(|id| id.to_string()))
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Each of the events, in order.
    pub async fn insert_events(&mut self, events: &[Event]) -> StoreResult<()> {
        for event in events {
            self.insert_event(event).await?;
        }
        Ok(())
    }
}
