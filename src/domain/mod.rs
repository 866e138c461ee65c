//! The rules of MongoDB Cloud invitations: who may invite whom, with which roles, for how long, and what
//! accepting does. Nothing here knows about HTTP or SQL; callers pass in what the store holds and persist
//! what comes back.

pub mod access;
pub mod ids;
pub mod invitation;
pub mod model;
pub mod roles;
pub mod username;

pub use access::Principal;
pub use invitation::{GroupRoleAssignment, Invitation, InvitationKind};
pub use model::{ApiKeyRecord, Org, Project, ServiceAccount, Team, User};
pub use roles::RoleCatalog;
