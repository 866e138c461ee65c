//! Integration tests: each starts the real server on a random loopback port with a fresh store and talks HTTP
//! to it as a client does.

mod authorization;
mod digest;
mod errors;
mod events;
mod invitations;
mod invitee;
mod lifecycle;
mod limits;
mod seeds;
mod service_accounts;
mod support;
mod surfaces;
mod teams;
mod users;
mod wire;
