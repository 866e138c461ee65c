//! The audit events Atlas writes about people, invitations and teams (Events API, https://www.mongodb.com/docs/
//! atlas/reference/api-resources-spec/v2/#tag/Events; recorded: tests/recordings/generic/events). Each change
//! that Atlas records writes its events in the same transaction as the change; deleting an invitation through
//! the API writes none, as recorded Atlas wrote none.

use std::net::IpAddr;

use crate::clock::UnixSeconds;
use crate::domain::access::Principal;
use crate::domain::ids::ObjectId;
use crate::domain::users::{Assignment, MembershipStatus, OrgUser};

macro_rules! event_types {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// The event types this server writes, named as Atlas names them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant),* }

        impl EventType {
            pub const ALL: &[EventType] = &[$(EventType::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name),* }
            }
        }
    };
}

event_types! {
    InvitedToOrg => "INVITED_TO_ORG",
    InvitedToGroup => "INVITED_TO_GROUP",
    JoinedOrg => "JOINED_ORG",
    JoinedGroup => "JOINED_GROUP",
    JoinedTeam => "JOINED_TEAM",
    RemovedFromOrg => "REMOVED_FROM_ORG",
    RemovedFromGroup => "REMOVED_FROM_GROUP",
    RemovedFromTeam => "REMOVED_FROM_TEAM",
    UserRolesChanged => "USER_ROLES_CHANGED_AUDIT",
    TeamCreated => "TEAM_CREATED",
    TeamDeleted => "TEAM_DELETED",
    TeamNameChanged => "TEAM_NAME_CHANGED",
    TeamAddedToGroup => "TEAM_ADDED_TO_GROUP",
    TeamRemovedFromGroup => "TEAM_REMOVED_FROM_GROUP",
    TeamRolesModified => "TEAM_ROLES_MODIFIED",
}

impl EventType {
    /// Atlas names event types outside this set too (clusters, alerts, …); a filter naming one finds nothing.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// Who made the change: a credential (recorded: `apiKeyId`, `publicKey`, `remoteAddress`), the person
/// themselves (accepting, declining: `userId`, `username`), or an operator of this server (`atlas-invites
/// admin`, fixtures), shown as Atlas shows its own staff (`isGlobalAdmin: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Credential { api_key_id: Option<ObjectId>, public_key: String, remote_address: Option<IpAddr> },
    Person { user_id: ObjectId, username: String },
    Operator,
}

impl Actor {
    pub fn of(principal: &Principal) -> Actor {
        Actor::Credential {
            api_key_id: principal.api_key_id,
            public_key: principal.name.clone(),
            remote_address: principal.remote_address,
        }
    }
}

/// One event: what happened, when, in which org (and project), by whom, to whom or to which team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: ObjectId,
    pub event_type: EventType,
    pub created_at: UnixSeconds,
    pub org_id: ObjectId,
    pub project_id: Option<ObjectId>,
    pub actor: Actor,
    pub target_username: Option<String>,
    pub team_id: Option<ObjectId>,
}

impl Event {
    fn new(event_type: EventType, actor: &Actor, org_id: ObjectId, now: UnixSeconds) -> Event {
        Event {
            id: ObjectId::new(now),
            event_type,
            created_at: now,
            org_id,
            project_id: None,
            actor: actor.clone(),
            target_username: None,
            team_id: None,
        }
    }

    /// An event about a person in the org (or, with `project_id`, in one of its projects).
    pub fn about_user(
        event_type: EventType,
        actor: &Actor,
        org_id: ObjectId,
        project_id: Option<ObjectId>,
        username: &str,
        now: UnixSeconds,
    ) -> Event {
        Event { project_id, target_username: Some(username.to_string()), ..Event::new(event_type, actor, org_id, now) }
    }

    /// An event about a team (or, with `project_id`, its place in a project).
    pub fn about_team(
        event_type: EventType,
        actor: &Actor,
        org_id: ObjectId,
        project_id: Option<ObjectId>,
        team_id: ObjectId,
        now: UnixSeconds,
    ) -> Event {
        Event { project_id, team_id: Some(team_id), ..Event::new(event_type, actor, org_id, now) }
    }
}

/// The events of an active member's change in one org, as Atlas writes them: org roles changed, projects
/// joined, left or with changed roles, teams joined or left. Pending users' invitations change silently.
pub fn membership_changes(
    actor: &Actor,
    org_id: ObjectId,
    before: &OrgUser,
    after: &Assignment,
    now: UnixSeconds,
) -> Vec<Event> {
    if before.status != MembershipStatus::Active {
        return Vec::new();
    }
    let about =
        |event_type, project_id| Event::about_user(event_type, actor, org_id, project_id, &before.username, now);
    let mut events = Vec::new();
    if before.org_roles != after.org_roles {
        events.push(about(EventType::UserRolesChanged, None));
    }
    for assignment in &after.project_roles {
        match before.roles_in(&assignment.group_id) {
            None => events.push(about(EventType::JoinedGroup, Some(assignment.group_id))),
            Some(roles) if roles != assignment.roles.as_slice() => {
                events.push(about(EventType::UserRolesChanged, Some(assignment.group_id)))
            }
            Some(_) => {}
        }
    }
    for assignment in &before.project_roles {
        if !after.project_roles.iter().any(|a| a.group_id == assignment.group_id) {
            events.push(about(EventType::RemovedFromGroup, Some(assignment.group_id)));
        }
    }
    let joined = after.team_ids.iter().filter(|id| !before.team_ids.contains(id));
    events.extend(joined.map(|_| about(EventType::JoinedTeam, None)));
    let left = before.team_ids.iter().filter(|id| !after.team_ids.contains(id));
    events.extend(left.map(|_| about(EventType::RemovedFromTeam, None)));
    events
}

/// Which events a list asks for (listOrgEvents, listGroupEvents): by type and by time, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Empty: every type. Names Atlas has but this server never writes match nothing.
    pub event_types: Vec<String>,
    pub min_date: Option<UnixSeconds>,
    pub max_date: Option<UnixSeconds>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_their_atlas_names() {
        for event_type in EventType::ALL {
            assert_eq!(EventType::parse(event_type.as_str()), Some(*event_type));
        }
        assert_eq!(EventType::parse("CLUSTER_CREATED"), None);
    }
}
