//! Persistence. `Store` is what the rest of the server needs from a database; each backend implements it
//! thinly and keeps no rules of its own beyond the uniqueness and atomicity the rules rely on.

pub mod sqlite;

use async_trait::async_trait;

use crate::clock::UnixSeconds;
use crate::domain::invitation::NewProjectInvitation;
use crate::domain::{ApiKeyRecord, Invitation, InvitationKind, Org, Project, Team, User};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A pending invitation for the same (scope, username) exists already.
    #[error("a pending invitation for this username exists")]
    Conflict,
    /// The scope holds as many pending invitations as it may.
    #[error("too many pending invitations in this scope")]
    LimitReached,
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
    } else {
        anyhow::bail!("unsupported --database-url {database_url:?}: expected sqlite://PATH")
    }
}
