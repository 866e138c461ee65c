//! PostgreSQL, for several replicas sharing one database. The same SQL as the SQLite store wherever the two
//! dialects agree; what differs is how writes that read first stay race-free without SQLite's single writer.
//!
//! Transactions run at READ COMMITTED (set explicitly, whatever the server's default), and:
//! - creating an invitation locks its scope's row (`orgs` or `projects`, `FOR NO KEY UPDATE`, which leaves
//!   foreign-key checks unblocked), so the expired-row replacement and the per-scope count see every earlier
//!   create of that scope; the partial unique indexes still decide "already invited" (unique violation →
//!   `StoreError::Conflict`), as they do on SQLite;
//! - accepting locks the invitation (`SELECT … FOR UPDATE`), so exactly one of accept and delete wins: the loser
//!   re-reads the row after the winner commits and finds it gone; it then locks the user's row, which every
//!   membership writer (accept and `upsert_user`) takes first, so role merges are never lost;
//! - single-statement updates and deletes need nothing more: under READ COMMITTED they wait for a concurrent
//!   writer and re-check their WHERE clause against the row it committed.
//!
//! Each path takes its locks in one order: creates lock the project before the org and both before invitation
//! rows; accepts lock the invitation, then the user, then memberships; `upsert_user` the user, then memberships.
//! No path waits for a lock of a kind it takes earlier, so they do not deadlock one another.
//!
//! At open the store runs the migrations (sqlx holds an advisory lock meanwhile, so replicas starting together
//! are safe) and refuses a server that could lose acknowledged commits: `fsync`, `synchronous_commit` and
//! `full_page_writes` must be on.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row, Transaction};

use super::{FixtureLock, Membership, Store, StoreError, StoreResult};
use crate::clock::UnixSeconds;
use crate::domain::invitation::{MAX_PENDING_PER_SCOPE, NewProjectInvitation, acceptance};
use crate::domain::username::normalize;
use crate::domain::{
    ApiKeyRecord, GroupRoleAssignment, Invitation, InvitationKind, Org, Project, ServiceAccount, Team, User,
};
use crate::ratelimit::{Bucket, Decision, Quota};

/// Connections per replica; replicas × this must stay below the server's `max_connections`.
const MAX_CONNECTIONS: u32 = 8;
/// How long a request waits for a connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct PgStore {
    pool: PgPool,
}

/// The server settings a commit's durability depends on, as `SHOW` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgDurability {
    pub fsync: String,
    pub synchronous_commit: String,
    pub full_page_writes: String,
}

impl PgDurability {
    /// Why these settings could lose an acknowledged commit, if they could. `synchronous_commit` may be `on` or
    /// the stronger `remote_apply`; `off`, `local` and `remote_write` are weaker.
    pub fn weakness(&self) -> Option<String> {
        let mut weak = Vec::new();
        if self.fsync != "on" {
            weak.push(format!("fsync={}", self.fsync));
        }
        if !matches!(self.synchronous_commit.as_str(), "on" | "remote_apply") {
            weak.push(format!("synchronous_commit={}", self.synchronous_commit));
        }
        if self.full_page_writes != "on" {
            weak.push(format!("full_page_writes={}", self.full_page_writes));
        }
        (!weak.is_empty()).then(|| weak.join(", "))
    }
}

impl PgStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("atlas-invites");
        // One connection first: a pool that cannot connect reports only a timeout, not why.
        let server = format!("{}:{}", options.get_host(), options.get_port());
        tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| anyhow::anyhow!("PostgreSQL at {server} did not answer within {ACQUIRE_TIMEOUT:?}"))?
            .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL at {server}: {e}"))?
            .close()
            .await?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let store = PgStore { pool };
        let durability = store.durability_settings().await?;
        if let Some(weakness) = durability.weakness() {
            anyhow::bail!(
                "refusing to use PostgreSQL with {weakness}: acknowledged commits could be lost; \
                 set fsync, synchronous_commit and full_page_writes to on"
            );
        }
        sqlx::migrate!("migrations/postgres").run(&store.pool).await?;
        Ok(store)
    }

    /// The durability settings the store's connections run with, for the check at startup and in tests.
    pub async fn durability_settings(&self) -> anyhow::Result<PgDurability> {
        let mut conn = self.pool.acquire().await?;
        let mut show = async |name: &'static str| -> anyhow::Result<String> {
            Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {name}"))).fetch_one(&mut *conn).await?)
        };
        Ok(PgDurability {
            fsync: show("fsync").await?,
            synchronous_commit: show("synchronous_commit").await?,
            full_page_writes: show("full_page_writes").await?,
        })
    }

    async fn write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(db_error)
    }
}

fn db_error(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::MissingReference(db.message().to_string())
        }
        sqlx::Error::Database(db) if db.code().is_some_and(|code| is_transient(&code)) => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Other(err.to_string()),
    }
}

/// SQLSTATEs after which the same request may succeed later: connection exceptions (08), insufficient
/// resources (53, e.g. too many connections), operator intervention (57: shutdown, statement timeout),
/// serialization failures and deadlocks (40001, 40P01) and lock timeouts (55P03).
fn is_transient(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57")
        || matches!(code, "40001" | "40P01" | "55P03")
}

/// PostgreSQL text cannot hold NUL and refuses a parameter containing one (SQLSTATE 22021) where SQLite just
/// compares it. No stored value contains NUL, so a lookup by such a key finds nothing, as on SQLite; the
/// lookups below answer so without asking. (Such keys come from clients: a digest username, a query filter.)
fn unmatchable(keys: &[&str]) -> bool {
    keys.iter().any(|key| key.contains('\0'))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("role lists always serialize")
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Other(format!("corrupt JSON column: {e}")))
}

#[derive(Serialize, Deserialize)]
struct StoredAssignment {
    group_id: String,
    roles: Vec<String>,
}

fn invitation_from_row(row: &PgRow) -> StoreResult<Invitation> {
    let get_text = |name: &str| row.try_get::<String, _>(name).map_err(db_error);
    let kind_text = get_text("kind")?;
    let assignments: Vec<StoredAssignment> = from_json(&get_text("group_role_assignments")?)?;
    Ok(Invitation {
        id: get_text("id")?,
        kind: InvitationKind::parse(&kind_text)
            .ok_or_else(|| StoreError::Other(format!("unknown kind {kind_text}")))?,
        org_id: get_text("org_id")?,
        project_id: row.try_get("project_id").map_err(db_error)?,
        username: get_text("username")?,
        roles: from_json(&get_text("roles")?)?,
        team_ids: from_json(&get_text("team_ids")?)?,
        group_role_assignments: assignments
            .into_iter()
            .map(|a| GroupRoleAssignment { group_id: a.group_id, roles: a.roles })
            .collect(),
        inviter_username: get_text("inviter_username")?,
        created_at: row.try_get("created_at").map_err(db_error)?,
        expires_at: row.try_get("expires_at").map_err(db_error)?,
    })
}

fn assignments_json(invitation: &Invitation) -> String {
    let stored: Vec<StoredAssignment> = invitation
        .group_role_assignments
        .iter()
        .map(|a| StoredAssignment { group_id: a.group_id.clone(), roles: a.roles.clone() })
        .collect();
    to_json(&stored)
}

/// The column an invitation kind is scoped by.
fn scope_column(kind: InvitationKind) -> &'static str {
    match kind {
        InvitationKind::Project => "project_id",
        InvitationKind::Org => "org_id",
    }
}

/// The table holding the scope's row, which creates of that scope lock.
fn scope_table(kind: InvitationKind) -> &'static str {
    match kind {
        InvitationKind::Project => "projects",
        InvitationKind::Org => "orgs",
    }
}

const INVITATION_COLUMNS: &str = "id, kind, org_id, project_id, username, username_norm, roles, team_ids, \
     group_role_assignments, inviter_username, created_at, expires_at";

/// Inserts one invitation inside `tx`, first clearing an expired one for the same username so it can be
/// replaced. `ignore_existing` makes an existing pending invitation a no-op instead of a conflict.
async fn insert_invitation(
    tx: &mut Transaction<'static, Postgres>,
    invitation: &Invitation,
    now: UnixSeconds,
    ignore_existing: bool,
) -> StoreResult<()> {
    let username_norm = normalize(&invitation.username);
    let scope = scope_column(invitation.kind);
    let scope_id = invitation.scope_id();
    // Creates of one scope take turns from here to commit; a missing scope row is left to the foreign key.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM {} WHERE id = $1 FOR NO KEY UPDATE",
        scope_table(invitation.kind)
    )))
    .bind(scope_id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_error)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM invitations WHERE kind = $1 AND {scope} = $2 AND username_norm = $3 AND expires_at <= $4"
    )))
    .bind(invitation.kind.as_str())
    .bind(scope_id)
    .bind(&username_norm)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    let pending: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM invitations WHERE kind = $1 AND {scope} = $2 AND expires_at > $3"
    )))
    .bind(invitation.kind.as_str())
    .bind(scope_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(db_error)?;
    let conflict = if ignore_existing { " ON CONFLICT DO NOTHING" } else { "" };
    let insert = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO invitations ({INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12){conflict}"
    )))
    .bind(&invitation.id)
    .bind(invitation.kind.as_str())
    .bind(&invitation.org_id)
    .bind(&invitation.project_id)
    .bind(&invitation.username)
    .bind(&username_norm)
    .bind(to_json(&invitation.roles))
    .bind(to_json(&invitation.team_ids))
    .bind(assignments_json(invitation))
    .bind(&invitation.inviter_username)
    .bind(invitation.created_at)
    .bind(invitation.expires_at);
    if pending as usize >= MAX_PENDING_PER_SCOPE {
        // A companion that would be ignored anyway must not fail its project invitation.
        let exists: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT TRUE FROM invitations WHERE kind = $1 AND {scope} = $2 AND username_norm = $3"
        )))
        .bind(invitation.kind.as_str())
        .bind(scope_id)
        .bind(&username_norm)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
        return match (exists, ignore_existing) {
            (Some(_), true) => Ok(()),
            (Some(_), false) => Err(StoreError::Conflict),
            (None, _) => Err(StoreError::LimitReached(invitation.kind)),
        };
    }
    insert.execute(&mut **tx).await.map_err(db_error)?;
    Ok(())
}

async fn fetch_user(executor: impl sqlx::PgExecutor<'_> + Copy, username_norm: &str) -> StoreResult<Option<User>> {
    let Some(row) = sqlx::query("SELECT id, username, created_at FROM users WHERE username_norm = $1")
        .bind(username_norm)
        .fetch_optional(executor)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let id: String = row.get("id");
    let org_roles =
        roles_by_scope(executor, "SELECT org_id, roles FROM org_memberships WHERE user_id = $1", &id).await?;
    let project_roles =
        roles_by_scope(executor, "SELECT project_id, roles FROM project_memberships WHERE user_id = $1", &id).await?;
    let team_ids = sqlx::query_scalar("SELECT team_id FROM team_memberships WHERE user_id = $1 ORDER BY team_id")
        .bind(&id)
        .fetch_all(executor)
        .await
        .map_err(db_error)?;
    Ok(Some(User {
        id,
        username: row.get("username"),
        created_at: row.get("created_at"),
        org_roles,
        project_roles,
        team_ids,
    }))
}

async fn roles_by_scope(
    executor: impl sqlx::PgExecutor<'_>,
    sql: &'static str,
    user_id: &str,
) -> StoreResult<BTreeMap<String, Vec<String>>> {
    let rows = sqlx::query(sql).bind(user_id).fetch_all(executor).await.map_err(db_error)?;
    rows.iter().map(|row| Ok((row.get::<String, _>(0), from_json(&row.get::<String, _>(1))?))).collect()
}

fn api_key_from_row(row: &PgRow) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: row.get("id"),
        public_key: row.get("public_key"),
        org_id: row.get("org_id"),
        description: row.get("description"),
        ha1_md5: row.get("ha1_md5"),
        ha1_sha256: row.get("ha1_sha256"),
        org_roles: from_json(&row.get::<String, _>("org_roles"))?,
        project_roles: from_json(&row.get::<String, _>("project_roles"))?,
        access_list: from_json(&row.get::<String, _>("access_list"))?,
        created_at: row.get("created_at"),
    })
}

fn service_account_from_row(row: &PgRow) -> StoreResult<ServiceAccount> {
    Ok(ServiceAccount {
        client_id: row.get("client_id"),
        org_id: row.get("org_id"),
        description: row.get("description"),
        secret_sha256: row.get("secret_sha256"),
        org_roles: from_json(&row.get::<String, _>("org_roles"))?,
        project_roles: from_json(&row.get::<String, _>("project_roles"))?,
        access_list: from_json(&row.get::<String, _>("access_list"))?,
        created_at: row.get("created_at"),
    })
}

fn org_from_row(row: &PgRow) -> Org {
    Org {
        id: row.get("id"),
        name: row.get("name"),
        created_at: row.get("created_at"),
        api_access_list_required: row.get::<i64, _>("api_access_list_required") != 0,
    }
}

/// Adds `roles` to a membership row, keeping the roles it had. The caller holds the user's row lock, which
/// every writer of that user's memberships takes first, so the read and the write cannot interleave with
/// another merge.
async fn grant_roles(
    tx: &mut Transaction<'static, Postgres>,
    table_select: &'static str,
    table_upsert: &'static str,
    scope_id: &str,
    user_id: &str,
    roles: &[String],
) -> StoreResult<()> {
    let existing: Option<String> = sqlx::query_scalar(table_select)
        .bind(scope_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
    let mut merged: Vec<String> = existing.map(|text| from_json(&text)).transpose()?.unwrap_or_default();
    for role in roles {
        if !merged.contains(role) {
            merged.push(role.clone());
        }
    }
    sqlx::query(table_upsert)
        .bind(scope_id)
        .bind(user_id)
        .bind(to_json(&merged))
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    async fn org(&self, id: &str) -> StoreResult<Option<Org>> {
        if unmatchable(&[id]) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT * FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(org_from_row))
    }

    async fn project(&self, id: &str) -> StoreResult<Option<Project>> {
        if unmatchable(&[id]) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT id, org_id, name, created_at FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| Project {
            id: r.get("id"),
            org_id: r.get("org_id"),
            name: r.get("name"),
            created_at: r.get("created_at"),
        }))
    }

    async fn team(&self, id: &str) -> StoreResult<Option<Team>> {
        if unmatchable(&[id]) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT id, org_id, name FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| Team { id: r.get("id"), org_id: r.get("org_id"), name: r.get("name") }))
    }

    async fn orgs(&self) -> StoreResult<Vec<Org>> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY id").fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.iter().map(org_from_row).collect())
    }

    async fn projects(&self, org_id: Option<&str>) -> StoreResult<Vec<Project>> {
        if unmatchable(&[org_id.unwrap_or_default()]) {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT id, org_id, name, created_at FROM projects WHERE $1 IS NULL OR org_id = $1 ORDER BY id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| Project {
                id: r.get("id"),
                org_id: r.get("org_id"),
                name: r.get("name"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    async fn teams(&self, org_id: Option<&str>) -> StoreResult<Vec<Team>> {
        if unmatchable(&[org_id.unwrap_or_default()]) {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT id, org_id, name FROM teams WHERE $1 IS NULL OR org_id = $1 ORDER BY id")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| Team { id: r.get("id"), org_id: r.get("org_id"), name: r.get("name") }).collect())
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let names: Vec<String> = sqlx::query_scalar("SELECT username_norm FROM users ORDER BY username_norm")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        let mut users = Vec::with_capacity(names.len());
        for name in names {
            users.extend(fetch_user(&self.pool, &name).await?);
        }
        Ok(users)
    }

    async fn user_by_username(&self, username_norm: &str) -> StoreResult<Option<User>> {
        if unmatchable(&[username_norm]) {
            return Ok(None);
        }
        fetch_user(&self.pool, username_norm).await
    }

    async fn membership(&self, org_id: &str, project_id: Option<&str>, username_norm: &str) -> StoreResult<Membership> {
        if unmatchable(&[org_id, project_id.unwrap_or_default(), username_norm]) {
            return Ok(Membership::default());
        }
        let row = sqlx::query(
            "SELECT \
               EXISTS (SELECT 1 FROM org_memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.org_id = $1 AND u.username_norm = $3), \
               EXISTS (SELECT 1 FROM project_memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.project_id = $2 AND u.username_norm = $3)",
        )
        .bind(org_id)
        .bind(project_id)
        .bind(username_norm)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(Membership { org_member: row.get::<bool, _>(0), project_member: row.get::<bool, _>(1) })
    }

    async fn api_key(&self, public_key: &str) -> StoreResult<Option<ApiKeyRecord>> {
        if unmatchable(&[public_key]) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT * FROM api_keys WHERE public_key = $1")
            .bind(public_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(api_key_from_row).transpose()
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>> {
        let rows =
            sqlx::query("SELECT * FROM api_keys ORDER BY public_key").fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(api_key_from_row).collect()
    }

    async fn upsert_org(&self, org: &Org) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO orgs (id, name, created_at, api_access_list_required) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, api_access_list_required = excluded.api_access_list_required",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(org.created_at)
        .bind(i64::from(org.api_access_list_required))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn upsert_project(&self, project: &Project) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO projects (id, org_id, name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, org_id = excluded.org_id",
        )
        .bind(&project.id)
        .bind(&project.org_id)
        .bind(&project.name)
        .bind(project.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn upsert_team(&self, team: &Team) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO teams (id, org_id, name) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, org_id = excluded.org_id",
        )
        .bind(&team.id)
        .bind(&team.org_id)
        .bind(&team.name)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn upsert_user(&self, user: &User) -> StoreResult<User> {
        let norm = normalize(&user.username);
        let mut tx = self.write().await?;
        // Inserting or updating the user's row locks it until commit: concurrent upserts and accepts of the
        // same user wait here, before touching its memberships.
        sqlx::query(
            "INSERT INTO users (id, username, username_norm, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (username_norm) DO UPDATE SET username = excluded.username",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&norm)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let id: String = sqlx::query_scalar("SELECT id FROM users WHERE username_norm = $1")
            .bind(&norm)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        for table in ["org_memberships", "project_memberships", "team_memberships"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for (org_id, roles) in &user.org_roles {
            sqlx::query("INSERT INTO org_memberships (org_id, user_id, roles) VALUES ($1, $2, $3)")
                .bind(org_id)
                .bind(&id)
                .bind(to_json(roles))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for (project_id, roles) in &user.project_roles {
            sqlx::query("INSERT INTO project_memberships (project_id, user_id, roles) VALUES ($1, $2, $3)")
                .bind(project_id)
                .bind(&id)
                .bind(to_json(roles))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for team_id in &user.team_ids {
            sqlx::query("INSERT INTO team_memberships (team_id, user_id) VALUES ($1, $2)")
                .bind(team_id)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        fetch_user(&self.pool, &norm).await?.ok_or_else(|| StoreError::Other("user vanished after upsert".into()))
    }

    async fn upsert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, public_key, org_id, description, ha1_md5, ha1_sha256, org_roles, project_roles, \
               access_list, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (public_key) DO UPDATE SET org_id = excluded.org_id, description = excluded.description, \
               ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256, org_roles = excluded.org_roles, \
               project_roles = excluded.project_roles, access_list = excluded.access_list",
        )
        .bind(&key.id)
        .bind(&key.public_key)
        .bind(&key.org_id)
        .bind(&key.description)
        .bind(&key.ha1_md5)
        .bind(&key.ha1_sha256)
        .bind(to_json(&key.org_roles))
        .bind(to_json(&key.project_roles))
        .bind(to_json(&key.access_list))
        .bind(key.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn service_account(&self, client_id: &str) -> StoreResult<Option<ServiceAccount>> {
        if unmatchable(&[client_id]) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT * FROM service_accounts WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(service_account_from_row).transpose()
    }

    async fn service_accounts(&self) -> StoreResult<Vec<ServiceAccount>> {
        let rows = sqlx::query("SELECT * FROM service_accounts ORDER BY client_id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(service_account_from_row).collect()
    }

    async fn upsert_service_account(&self, account: &ServiceAccount) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO service_accounts (client_id, org_id, description, secret_sha256, org_roles, project_roles, \
               access_list, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (client_id) DO UPDATE SET org_id = excluded.org_id, description = excluded.description, \
               secret_sha256 = excluded.secret_sha256, org_roles = excluded.org_roles, \
               project_roles = excluded.project_roles, access_list = excluded.access_list",
        )
        .bind(&account.client_id)
        .bind(&account.org_id)
        .bind(&account.description)
        .bind(&account.secret_sha256)
        .bind(to_json(&account.org_roles))
        .bind(to_json(&account.project_roles))
        .bind(to_json(&account.access_list))
        .bind(account.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn delete_service_account(&self, client_id: &str) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        // The account's row first, as record_token locks it first.
        let deleted = sqlx::query("DELETE FROM service_accounts WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        sqlx::query("DELETE FROM access_tokens WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(deleted == 1)
    }

    async fn record_token(
        &self,
        jti: &str,
        client_id: &str,
        issued_at: UnixSeconds,
        expires_at: UnixSeconds,
        max_active: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        // Issuers for one account take turns from here to commit, so the count below is exact.
        sqlx::query("SELECT 1 FROM service_accounts WHERE client_id = $1 FOR UPDATE")
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        sqlx::query("DELETE FROM access_tokens WHERE client_id = $1 AND expires_at < $2")
            .bind(client_id)
            .bind(issued_at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens WHERE client_id = $1 AND revoked = 0")
            .bind(client_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        if active >= max_active {
            return Ok(false);
        }
        sqlx::query("INSERT INTO access_tokens (jti, client_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(jti)
            .bind(client_id)
            .bind(issued_at)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn token_is_live(&self, jti: &str, client_id: &str, now: UnixSeconds) -> StoreResult<bool> {
        if unmatchable(&[jti, client_id]) {
            return Ok(false);
        }
        let live: Option<bool> = sqlx::query_scalar(
            "SELECT TRUE FROM access_tokens t JOIN service_accounts a ON a.client_id = t.client_id \
             WHERE t.jti = $1 AND t.client_id = $2 AND t.revoked = 0 AND t.expires_at >= $3",
        )
        .bind(jti)
        .bind(client_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(live.is_some())
    }

    async fn revoke_token(&self, jti: &str, client_id: &str) -> StoreResult<Option<bool>> {
        if unmatchable(&[jti]) {
            return Ok(None);
        }
        let mut tx = self.write().await?;
        let owner: Option<String> = sqlx::query_scalar("SELECT client_id FROM access_tokens WHERE jti = $1 FOR UPDATE")
            .bind(jti)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        let outcome = match owner {
            Some(owner) if owner == client_id => {
                sqlx::query("UPDATE access_tokens SET revoked = 1 WHERE jti = $1")
                    .bind(jti)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Some(true)
            }
            Some(_) => Some(false),
            None => None,
        };
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision> {
        // The bucket row is locked while it is read, advanced and written, so replicas share one bucket.
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let full = Bucket::full(quota, now);
        sqlx::query(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(full.tokens)
        .bind(full.updated)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let row = sqlx::query("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1 FOR UPDATE")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        let mut bucket = Bucket { tokens: row.get("tokens"), updated: row.get("updated_at") };
        let decision = bucket.touch(quota, now, take);
        sqlx::query("UPDATE rate_buckets SET tokens = $2, updated_at = $3 WHERE key = $1")
            .bind(key)
            .bind(bucket.tokens)
            .bind(bucket.updated)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(decision)
    }

    async fn accept_nonce_use(
        &self,
        nonce: &str,
        nc: u32,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> StoreResult<bool> {
        // One statement: a first use inserts; a later one only raises last_nc, so a replay matches no row.
        let accepted: Option<String> = sqlx::query_scalar(
            "INSERT INTO digest_nonce_uses (nonce, last_nc, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (nonce) DO UPDATE SET last_nc = excluded.last_nc \
               WHERE digest_nonce_uses.last_nc < excluded.last_nc \
             RETURNING nonce",
        )
        .bind(nonce)
        .bind(i64::from(nc))
        .bind(expires_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let mut dice = [0u8; 1];
        if accepted.is_some() && getrandom::fill(&mut dice).is_ok() && dice[0] == 0 {
            // Forget nonces that can no longer be answered, about once every 256 uses.
            sqlx::query("DELETE FROM digest_nonce_uses WHERE expires_at < $1")
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
        }
        Ok(accepted.is_some())
    }

    async fn fixture_lock(&self) -> StoreResult<FixtureLock> {
        // A session-level advisory lock on a connection taken out of the pool: closing the connection when the
        // guard drops releases the lock.
        let mut connection = self.pool.acquire().await.map_err(db_error)?.detach();
        sqlx::query("SELECT pg_advisory_lock(7240651)").execute(&mut connection).await.map_err(db_error)?;
        Ok(FixtureLock::new(std::sync::Mutex::new(connection)))
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
        // A concurrent first insert is waited for; the SELECT, a new statement, then sees the committed row.
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }

    async fn insert_project_invitation(&self, new: &NewProjectInvitation, now: UnixSeconds) -> StoreResult<()> {
        let mut tx = self.write().await?;
        // The project's lock is taken before the org's, here and everywhere.
        insert_invitation(&mut tx, &new.invitation, now, false).await?;
        if let Some(companion) = &new.companion_org_invitation {
            insert_invitation(&mut tx, companion, now, true).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn insert_org_invitation(&self, invitation: &Invitation, now: UnixSeconds) -> StoreResult<()> {
        let mut tx = self.write().await?;
        insert_invitation(&mut tx, invitation, now, false).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn invitation(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        if unmatchable(&[scope_id, id]) {
            return Ok(None);
        }
        let scope = scope_column(kind);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1 AND kind = $2 AND {scope} = $3 AND expires_at > $4"
        )))
        .bind(id)
        .bind(kind.as_str())
        .bind(scope_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    async fn invitation_by_id(&self, id: &str, now: UnixSeconds) -> StoreResult<Option<Invitation>> {
        if unmatchable(&[id]) {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1 AND expires_at > $2"
        )))
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    async fn invitation_by_username(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        username_norm: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        Ok(self.invitations(kind, scope_id, Some(username_norm), now).await?.into_iter().next())
    }

    async fn invitations(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        username_norm: Option<&str>,
        now: UnixSeconds,
    ) -> StoreResult<Vec<Invitation>> {
        if unmatchable(&[scope_id, username_norm.unwrap_or_default()]) {
            return Ok(Vec::new());
        }
        let scope = scope_column(kind);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations \
             WHERE kind = $1 AND {scope} = $2 AND expires_at > $3 AND ($4 IS NULL OR username_norm = $4) \
             ORDER BY created_at, id"
        )))
        .bind(kind.as_str())
        .bind(scope_id)
        .bind(now)
        .bind(username_norm)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(invitation_from_row).collect()
    }

    async fn update_invitation(&self, invitation: &Invitation, now: UnixSeconds) -> StoreResult<bool> {
        if unmatchable(&[&invitation.id, invitation.scope_id()]) {
            return Ok(false);
        }
        // One statement: a concurrent delete or accept is waited for and the WHERE clause re-checked.
        let scope = scope_column(invitation.kind);
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE invitations SET roles = $1, team_ids = $2, group_role_assignments = $3 \
             WHERE id = $4 AND kind = $5 AND {scope} = $6 AND expires_at > $7"
        )))
        .bind(to_json(&invitation.roles))
        .bind(to_json(&invitation.team_ids))
        .bind(assignments_json(invitation))
        .bind(&invitation.id)
        .bind(invitation.kind.as_str())
        .bind(invitation.scope_id())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_error)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn delete_invitation(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        id: &str,
        now: UnixSeconds,
    ) -> StoreResult<bool> {
        if unmatchable(&[scope_id, id]) {
            return Ok(false);
        }
        // One statement: if an accept holds the row, this waits and then finds it gone (0 rows).
        let scope = scope_column(kind);
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM invitations WHERE id = $1 AND kind = $2 AND {scope} = $3 AND expires_at > $4"
        )))
        .bind(id)
        .bind(kind.as_str())
        .bind(scope_id)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_error)?
        .rows_affected();
        Ok(deleted == 1)
    }

    async fn accept_invitation(
        &self,
        id: &str,
        user_id_if_new: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>> {
        if unmatchable(&[id]) {
            return Ok(None);
        }
        let mut tx = self.write().await?;
        // Locked until commit: a concurrent delete (or second accept) waits and then finds no row.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1 AND expires_at > $2 FOR UPDATE"
        )))
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(invitation) = row.as_ref().map(invitation_from_row).transpose()? else {
            return Ok(None);
        };
        let granted = acceptance(&invitation);
        let norm = normalize(&granted.username);
        sqlx::query(
            "INSERT INTO users (id, username, username_norm, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (username_norm) DO NOTHING",
        )
        .bind(user_id_if_new)
        .bind(&granted.username)
        .bind(&norm)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        // The user's row lock serializes everything that writes this user's memberships.
        let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE username_norm = $1 FOR UPDATE")
            .bind(&norm)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        grant_roles(
            &mut tx,
            "SELECT roles FROM org_memberships WHERE org_id = $1 AND user_id = $2",
            "INSERT INTO org_memberships (org_id, user_id, roles) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id, user_id) DO UPDATE SET roles = excluded.roles",
            &granted.org_id,
            &user_id,
            &granted.org_roles,
        )
        .await?;
        for (project_id, roles) in &granted.project_roles {
            grant_roles(
                &mut tx,
                "SELECT roles FROM project_memberships WHERE project_id = $1 AND user_id = $2",
                "INSERT INTO project_memberships (project_id, user_id, roles) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id, user_id) DO UPDATE SET roles = excluded.roles",
                project_id,
                &user_id,
                roles,
            )
            .await?;
        }
        for team_id in &granted.team_ids {
            sqlx::query("INSERT INTO team_memberships (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(team_id)
                .bind(&user_id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        sqlx::query("DELETE FROM invitations WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(invitation))
    }
}
