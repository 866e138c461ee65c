//! The operations. Each takes the caller, checks its rights, applies the domain rules and persists the result;
//! handlers of every API surface, the admin command line and fixture files all come through here, so none of
//! them repeats a rule. Results are domain errors or store failures (`Error`), never wire errors.

mod accounts;
mod admin;
mod auth;
mod events;
mod invitations;
mod lifecycle;
mod teams;
mod users;

use std::sync::Arc;

pub use admin::{InvitationListing, IssuedKey};
pub use auth::{Authenticated, Revocation};
pub use events::EventPage;
pub use lifecycle::LinkTarget;
pub use teams::NewTeam;
pub use users::{ProjectListing, ProjectUser, UserQuery};

use crate::auth::digest::Algorithm;
use crate::auth::{ServerKeys, Verifier};
use crate::clock::{SharedClock, UnixSeconds};
use crate::domain::{DomainError, ObjectId, Org, Principal, Project, RoleCatalog};
use crate::state::RequestState;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ServiceResult<T> = Result<T, Error>;

pub struct Service {
    store: Arc<Store>,
    state: Arc<dyn RequestState>,
    clock: SharedClock,
    verifier: Verifier,
    strict_tenancy: bool,
}

/// A project the caller may manage invitations of, with its org (invitation bodies show both names).
pub struct ProjectScope {
    pub project: Project,
    pub org: Org,
}

impl Service {
    /// The digest nonce key, the token signing key and the invitation link key live in the store, created by the
    /// first process, so every process on one database accepts what another issued, across restarts too.
    pub async fn new(
        store: Arc<Store>,
        state: Arc<dyn RequestState>,
        clock: SharedClock,
        challenge_algorithm: Algorithm,
    ) -> anyhow::Result<Service> {
        let mut db = store.read().await?;
        let mut key = async |name: &str| server_key(db.server_secret(name, &random_key()).await?, name);
        let stored_nonce_key = key("digest-nonce-key").await?;
        let keys = ServerKeys {
            // Beside SQLite the replay ledger lives in this process only, so its nonces do too: an Authorization
            // header captured before a restart is refused after it.
            nonce: if state.outlives_process() { stored_nonce_key } else { random_bytes() },
            token: key("token-signing-key").await?,
            link: key("invitation-link-key").await?,
        };
        drop(db);
        let verifier = Verifier::new(keys, challenge_algorithm);
        Ok(Service { store, state, clock, verifier, strict_tenancy: false })
    }

    /// `--strict-tenancy`: a project or org the caller may not see is answered exactly as a missing one (404),
    /// where Atlas answers 401 — so a caller cannot tell another tenant's ids from unused ones.
    pub fn with_strict_tenancy(self, strict_tenancy: bool) -> Service {
        Service { strict_tenancy, ..self }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> UnixSeconds {
        self.clock.now()
    }

    /// Checks, in Atlas's order, the project's existence (404 GROUP_NOT_FOUND, as real Atlas answers an
    /// authenticated caller), then the caller's rights (401). The path id's shape was checked where it was
    /// parsed.
    pub async fn project_scope(
        &self,
        principal: &Principal,
        project_id: &ObjectId,
        catalog: &RoleCatalog,
    ) -> ServiceResult<ProjectScope> {
        let project = self.readable_project(principal, project_id).await?;
        principal.authorize_project_invitations(&project, catalog)?;
        // Seeing the project means it is in the caller's own org, which authentication read already.
        Ok(ProjectScope { project, org: principal.org.clone() })
    }

    /// A project the caller may read, with its org (seeing it means it is in the caller's own org).
    pub async fn readable_project_scope(
        &self,
        principal: &Principal,
        project_id: &ObjectId,
    ) -> ServiceResult<ProjectScope> {
        let project = self.readable_project(principal, project_id).await?;
        Ok(ProjectScope { project, org: principal.org.clone() })
    }

    /// The project itself, for callers who may see it.
    pub async fn readable_project(&self, principal: &Principal, project_id: &ObjectId) -> ServiceResult<Project> {
        let project =
            self.store.read().await?.project(project_id).await?.ok_or(DomainError::ProjectNotFound(*project_id))?;
        principal
            .authorize_project_read(&project)
            .map_err(|refused| self.hidden(refused, || DomainError::ProjectNotFound(*project_id)))?;
        Ok(project)
    }

    /// An org the caller may manage invitations of.
    pub async fn org_scope(&self, principal: &Principal, org_id: &ObjectId) -> ServiceResult<Org> {
        let org = self.readable_org(principal, org_id).await?;
        principal.authorize_org_invitations(&org.id)?;
        Ok(org)
    }

    /// The org itself, for its own credentials; the caller's org is known already, any other is read to tell a
    /// missing org (404) from a foreign one (401).
    pub async fn readable_org(&self, principal: &Principal, org_id: &ObjectId) -> ServiceResult<Org> {
        if principal.org.id == *org_id {
            return Ok(principal.org.clone());
        }
        let org = self.store.read().await?.org(org_id).await?.ok_or(DomainError::OrgNotFound(*org_id))?;
        principal
            .authorize_org_read(&org.id)
            .map_err(|refused| self.hidden(refused, || DomainError::OrgNotFound(org.id)))?;
        Ok(org)
    }

    /// A refusal to see a target, as the tenancy mode shows it: Atlas's own (401), or as a missing target.
    fn hidden(&self, refused: DomainError, missing: impl FnOnce() -> DomainError) -> DomainError {
        if self.strict_tenancy { missing() } else { refused }
    }
}

fn random_bytes() -> [u8; 32] {
    let mut candidate = [0u8; 32];
    getrandom::fill(&mut candidate).expect("the operating system's random source failed");
    candidate
}

fn random_key() -> String {
    hex::encode(random_bytes())
}

fn server_key(stored: String, name: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(&stored).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes.ok_or_else(|| anyhow::anyhow!("server secret {name} in the store is not 32 hex-encoded bytes"))
}
