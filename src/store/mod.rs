//! Persistence. `Store` is what the rest of the server needs from a database; each backend implements it
//! thinly and keeps no rules of its own beyond the uniqueness and atomicity the rules rely on.

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;

use crate::clock::UnixSeconds;
use crate::domain::invitation::NewProjectInvitation;
use crate::domain::{ApiKeyRecord, Invitation, InvitationKind, Org, Project, ServiceAccount, Team, User};
use crate::ratelimit::{Decision, Quota};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A pending invitation for the same (scope, username) exists already.
    #[error("a pending invitation for this username exists")]
    Conflict,
    /// The project or org (which the kind says) holds as many pending invitations as it may; a project
    /// invitation's companion org invitation can reach the org's limit.
    #[error("too many pending invitations in this {0:?} scope")]
    LimitReached(InvitationKind),
    /// A referenced row (org, project, team, user) does not exist.
    #[error("missing reference: {0}")]
    MissingReference(String),
    /// The database could not be reached or did not answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Released when dropped.
pub struct FixtureLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl FixtureLock {
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        FixtureLock(Box::new(guard))
    }
}

/// What the invitee already is, looked up by normalized username.
#[derive(Debug, Clone, Copy, Default)]
pub struct Membership {
    pub org_member: bool,
    pub project_member: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Directory reads.
    async fn org(&self, id: &str) -> StoreResult<Option<Org>>;
    async fn project(&self, id: &str) -> StoreResult<Option<Project>>;
    async fn team(&self, id: &str) -> StoreResult<Option<Team>>;
    async fn orgs(&self) -> StoreResult<Vec<Org>>;
    async fn projects(&self, org_id: Option<&str>) -> StoreResult<Vec<Project>>;
    async fn teams(&self, org_id: Option<&str>) -> StoreResult<Vec<Team>>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    async fn user_by_username(&self, username_norm: &str) -> StoreResult<Option<User>>;
    async fn membership(&self, org_id: &str, project_id: Option<&str>, username_norm: &str) -> StoreResult<Membership>;
    async fn api_key(&self, public_key: &str) -> StoreResult<Option<ApiKeyRecord>>;
    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>>;

    // Directory writes (operators and fixture files). Upserts keyed by id (users by username, keys by public
    // key), so applying the same fixture twice changes nothing.
    async fn upsert_org(&self, org: &Org) -> StoreResult<()>;
    async fn upsert_project(&self, project: &Project) -> StoreResult<()>;
    async fn upsert_team(&self, team: &Team) -> StoreResult<()>;
    /// Creates or updates the user and replaces all of its memberships with the ones given.
    async fn upsert_user(&self, user: &User) -> StoreResult<User>;
    async fn upsert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()>;

    // Service accounts and their tokens.
    async fn service_account(&self, client_id: &str) -> StoreResult<Option<ServiceAccount>>;
    async fn service_accounts(&self) -> StoreResult<Vec<ServiceAccount>>;
    async fn upsert_service_account(&self, account: &ServiceAccount) -> StoreResult<()>;
    /// Deletes the account; its tokens stop working at once. False when there was no such account.
    async fn delete_service_account(&self, client_id: &str) -> StoreResult<bool>;
    /// Records an issued token unless the account already holds `max_active` unexpired, unrevoked tokens
    /// (then false, nothing recorded).
    async fn record_token(
        &self,
        jti: &str,
        client_id: &str,
        issued_at: UnixSeconds,
        expires_at: UnixSeconds,
        max_active: i64,
    ) -> StoreResult<bool>;
    /// Whether the token is recorded for this account, unrevoked and unexpired, and the account still exists.
    async fn token_is_live(&self, jti: &str, client_id: &str, now: UnixSeconds) -> StoreResult<bool>;
    /// Revokes the token if it belongs to `client_id`. Some(true) revoked (or already revoked), Some(false) it
    /// belongs to another account, None unknown.
    async fn revoke_token(&self, jti: &str, client_id: &str) -> StoreResult<Option<bool>>;

    /// State every server process on the store must share. SQLite is served by one process, so it keeps this
    /// in memory; PostgreSQL keeps it in tables, so replicas agree.
    ///
    /// Takes a token from the rate-limit bucket `key` when `take` (else only looks).
    async fn rate_limit(&self, key: &str, quota: Quota, now: UnixSeconds, take: bool) -> StoreResult<Decision>;
    /// Records a digest (nonce, nc) use: true if nc is above every nc accepted for this nonce (RFC 7616 §3.4:
    /// the same nc twice is a replay). The record is kept until `expires_at`.
    async fn accept_nonce_use(
        &self,
        nonce: &str,
        nc: u32,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> StoreResult<bool>;
    /// Held while a fixture file is applied, so replicas starting together apply it one after the other.
    async fn fixture_lock(&self) -> StoreResult<FixtureLock>;

    /// A server-wide secret by name, created from `candidate` by the first process that asks, so every process
    /// on this database signs and checks with the same key.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;

    // Invitations. Reads return pending (unexpired at `now`) invitations only.
    /// Inserts the project invitation and, unless one is pending already, its companion org invitation, in
    /// one transaction; expired invitations for the same username are replaced.
    async fn insert_project_invitation(&self, new: &NewProjectInvitation, now: UnixSeconds) -> StoreResult<()>;
    async fn insert_org_invitation(&self, invitation: &Invitation, now: UnixSeconds) -> StoreResult<()>;
    async fn invitation(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>>;
    /// Any pending invitation by id, whatever its scope (for operators accepting on the invitee's behalf).
    async fn invitation_by_id(&self, id: &str, now: UnixSeconds) -> StoreResult<Option<Invitation>>;
    async fn invitation_by_username(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        username_norm: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>>;
    async fn invitations(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        username_norm: Option<&str>,
        now: UnixSeconds,
    ) -> StoreResult<Vec<Invitation>>;
    /// Writes the mutable fields (roles, teams, project assignments) of a still-pending invitation in its
    /// scope. Returns false when it is gone (deleted, accepted or expired meanwhile).
    async fn update_invitation(&self, invitation: &Invitation, now: UnixSeconds) -> StoreResult<bool>;
    async fn delete_invitation(
        &self,
        kind: InvitationKind,
        scope_id: &str,
        id: &str,
        now: UnixSeconds,
    ) -> StoreResult<bool>;
    /// Atomically grants what accepting the pending invitation `id` grants and deletes it. None when it is not
    /// pending (already accepted, deleted or expired): exactly one of accept and delete wins.
    async fn accept_invitation(
        &self,
        id: &str,
        user_id_if_new: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<Invitation>>;
}

/// Opens the store a `--database-url` names. Unknown schemes are refused rather than guessed at.
pub async fn open(database_url: &str) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    if database_url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(sqlite::SqliteStore::open(database_url).await?))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::open(database_url).await?))
    } else {
        anyhow::bail!(
            "unsupported --database-url {:?}: expected sqlite://PATH or postgres://USER@HOST[:PORT]/DATABASE",
            redact_password(database_url)
        )
    }
}

/// The URL with any password replaced, for messages.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration_names(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let sqlite = migration_names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, migration_names("postgres"), "migrations/sqlite and migrations/postgres differ");
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_showing_a_password() {
        for url in ["mysql://root:hunter2@db/x", "postgres:/nohost", "atlas.db"] {
            let err = open(url).await.err().expect("refused").to_string();
            assert!(err.contains("unsupported --database-url"), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
