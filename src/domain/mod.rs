//! The rules of MongoDB Cloud invitations: who may invite whom, with which roles, for how long, and what
//! accepting does. Nothing here knows about HTTP or SQL; callers pass in what the store holds and persist
//! what comes back. Refusals are `DomainError`s.

pub mod access;
pub mod accounts;
pub mod error;
pub mod events;
pub mod ids;
pub mod invitation;
pub mod model;
pub mod ratelimit;
pub mod roles;
pub mod teams;
pub mod username;
pub mod users;

pub use access::Principal;
pub use error::{DomainError, DomainResult, IdKind};
pub use ids::ObjectId;
pub use invitation::{GroupRoleAssignment, Invitation, InvitationKind};
pub use model::{ApiKey, Grants, Org, Profile, Project, ServiceAccount, Team, User};
pub use roles::RoleCatalog;
