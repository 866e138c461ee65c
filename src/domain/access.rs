//! Who may do what. Atlas requires Organization Owner for the org invitation operations and Project Owner for
//! the project ones (`x-rolesRequirements` in the Atlas spec); an org owner manages every project of its org.
//! Credentials belong to exactly one organization, and Atlas answers calls outside it with 401
//! (https://www.mongodb.com/docs/atlas/api/api-authentication/).

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::ids::ObjectId;
use crate::domain::model::{ApiKey, Grants, Org, Project, ServiceAccount};
use crate::domain::roles::{ORG_OWNER, ORG_READ_ONLY, RoleCatalog};

/// The authenticated caller: an API key or a service account, with its organization and the roles it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// What Atlas records as `inviterUsername`: the API key's public key, or the service account's client id.
    pub name: String,
    /// The one organization the credential belongs to, read once when it authenticates.
    pub org: Org,
    pub org_roles: Vec<String>,
    pub project_roles: BTreeMap<ObjectId, Vec<String>>,
    /// Networks the credential may call from; empty means anywhere.
    pub access_list: Vec<IpNet>,
    /// The API key's id (events name it as `apiKeyId`); service accounts have none.
    pub api_key_id: Option<ObjectId>,
    /// Where the call came from, once the HTTP layer knows (events name it as `remoteAddress`).
    pub remote_address: Option<IpAddr>,
}

impl Principal {
    fn new(name: &str, org: Org, grants: &Grants, api_key_id: Option<ObjectId>) -> Principal {
        Principal {
            name: name.to_string(),
            org,
            org_roles: grants.org_roles.clone(),
            project_roles: grants.project_roles.clone(),
            access_list: parse_access_list(&grants.access_list),
            api_key_id,
            remote_address: None,
        }
    }

    pub fn for_api_key(key: &ApiKey, org: Org) -> Principal {
        Principal::new(&key.public_key, org, &key.grants, Some(key.id))
    }

    pub fn for_service_account(account: &ServiceAccount, org: Org) -> Principal {
        Principal::new(&account.client_id, org, &account.grants, None)
    }
}

/// Entries were validated when stored; one that no longer parses becomes `::/128`, which matches no client, so
/// it narrows the list rather than emptying it (an empty list would allow every address).
fn parse_access_list(entries: &[String]) -> Vec<IpNet> {
    entries
        .iter()
        .map(|entry| parse_access_list_entry(entry).unwrap_or_else(|| IpNet::from(IpAddr::from([0u8; 16]))))
        .collect()
}

/// Parses an access-list entry: a CIDR block or a single address (as Atlas accepts both).
pub fn parse_access_list_entry(entry: &str) -> Option<IpNet> {
    entry.parse::<IpNet>().ok().or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

impl Principal {
    /// API access lists (https://www.mongodb.com/docs/atlas/configure-api-access/): a credential with a list
    /// may call only from its networks; when the org requires lists, one without any may not call at all.
    pub fn authorize_network(&self, client: IpAddr) -> DomainResult<()> {
        let client = canonical(client);
        if self.access_list.is_empty() {
            return if self.org.api_access_list_required {
                Err(DomainError::OrgRequiresAccessList(client))
            } else {
                Ok(())
            };
        }
        if self.access_list.iter().any(|net| net.contains(&client)) {
            Ok(())
        } else {
            Err(DomainError::AddressNotOnAccessList(client))
        }
    }

    fn has_org_role(&self, role: &str) -> bool {
        self.org_roles.iter().any(|r| r == role)
    }

    fn roles_in(&self, project_id: &ObjectId) -> &[String] {
        self.project_roles.get(project_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether the caller can see the project at all: its org's owners and read-only members, or anyone holding
    /// a role in it.
    fn can_see_project(&self, project: &Project) -> bool {
        project.org_id == self.org.id
            && (self.has_org_role(ORG_OWNER)
                || self.has_org_role(ORG_READ_ONLY)
                || !self.roles_in(&project.id).is_empty())
    }

    /// Project invitations: Organization Owner of the project's org, or a managing role of the surface's catalog
    /// in the project (Project Owner in Atlas; also Project User Admin in Cloud Manager).
    pub fn authorize_project_invitations(&self, project: &Project, catalog: &RoleCatalog) -> DomainResult<()> {
        if !self.can_see_project(project) {
            return Err(DomainError::CannotAccessProject);
        }
        let manager = self.has_org_role(ORG_OWNER)
            || self.roles_in(&project.id).iter().any(|r| catalog.project_invitation_managers.contains(&r.as_str()));
        if manager { Ok(()) } else { Err(DomainError::Unauthorized) }
    }

    /// Organization invitations: Organization Owner of that org.
    pub fn authorize_org_invitations(&self, org_id: &ObjectId) -> DomainResult<()> {
        if self.org.id == *org_id && self.has_org_role(ORG_OWNER) { Ok(()) } else { Err(DomainError::Unauthorized) }
    }

    /// Reading the project itself (GET /groups/{id}).
    pub fn authorize_project_read(&self, project: &Project) -> DomainResult<()> {
        if self.can_see_project(project) { Ok(()) } else { Err(DomainError::CannotAccessProject) }
    }

    /// Reading the organization itself (GET /orgs/{id}): any credential of that org.
    pub fn authorize_org_read(&self, org_id: &ObjectId) -> DomainResult<()> {
        if self.org.id == *org_id { Ok(()) } else { Err(DomainError::Unauthorized) }
    }
}

/// IPv4 clients reached over an IPv6 socket are matched as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ObjectId {
        ObjectId::parse(text).unwrap()
    }

    fn org(text: &str, requires_list: bool) -> Org {
        Org { id: id(text), name: "o".into(), created_at: 0, api_access_list_required: requires_list }
    }

    const ORG: &str = "6f0000000000000000000001";
    const OTHER_ORG: &str = "6f0000000000000000000002";
    const PA: &str = "6f00000000000000000000a1";
    const PB: &str = "6f00000000000000000000a2";
    const PC: &str = "6f00000000000000000000b1";

    fn project(project: &str, org: &str) -> Project {
        Project { id: id(project), org_id: id(org), name: "p".into(), created_at: 0 }
    }

    fn key(org_id: &str, org_roles: &[&str], project_roles: &[(&str, &[&str])]) -> Principal {
        Principal {
            name: "k".into(),
            org: org(org_id, false),
            org_roles: org_roles.iter().map(|r| r.to_string()).collect(),
            project_roles: project_roles
                .iter()
                .map(|(p, roles)| (id(p), roles.iter().map(|r| r.to_string()).collect()))
                .collect(),
            access_list: vec![],
            api_key_id: None,
            remote_address: None,
        }
    }

    fn outcome(result: DomainResult<()>) -> String {
        match result {
            Ok(()) => "OK".into(),
            Err(err) => format!("{err:?}"),
        }
    }

    #[test]
    fn project_invitation_matrix() {
        let pa = project(PA, ORG);
        let pc = project(PC, OTHER_ORG);
        let cases: Vec<(Principal, &Project, &str)> = vec![
            (key(ORG, &["ORG_OWNER"], &[]), &pa, "OK"),
            (key(ORG, &["ORG_MEMBER"], &[(PA, &["GROUP_OWNER"])]), &pa, "OK"),
            (key(ORG, &["ORG_MEMBER"], &[(PA, &["GROUP_READ_ONLY"])]), &pa, "Unauthorized"),
            (key(ORG, &["ORG_READ_ONLY"], &[]), &pa, "Unauthorized"),
            (key(ORG, &["ORG_MEMBER"], &[]), &pa, "CannotAccessProject"),
            (key(ORG, &["ORG_MEMBER"], &[(PB, &["GROUP_OWNER"])]), &pa, "CannotAccessProject"),
            (key(ORG, &["ORG_OWNER"], &[]), &pc, "CannotAccessProject"),
            // A project role naming another org's project grants nothing there.
            (key(ORG, &["ORG_MEMBER"], &[(PC, &["GROUP_OWNER"])]), &pc, "CannotAccessProject"),
        ];
        for (principal, project, expected) in cases {
            assert_eq!(
                outcome(principal.authorize_project_invitations(project, &RoleCatalog::ATLAS)),
                expected,
                "{principal:?} on {project:?}"
            );
        }
    }

    #[test]
    fn org_invitation_matrix() {
        let org_id = id(ORG);
        assert_eq!(outcome(key(ORG, &["ORG_OWNER"], &[]).authorize_org_invitations(&org_id)), "OK");
        assert_eq!(outcome(key(ORG, &["ORG_MEMBER"], &[]).authorize_org_invitations(&org_id)), "Unauthorized");
        assert_eq!(outcome(key(ORG, &["ORG_READ_ONLY"], &[]).authorize_org_invitations(&org_id)), "Unauthorized");
        assert_eq!(outcome(key(OTHER_ORG, &["ORG_OWNER"], &[]).authorize_org_invitations(&org_id)), "Unauthorized");
        let group_owner = key(ORG, &["ORG_MEMBER"], &[(PA, &["GROUP_OWNER"])]);
        assert_eq!(outcome(group_owner.authorize_org_invitations(&org_id)), "Unauthorized");
    }

    #[test]
    fn access_lists_limit_where_a_credential_may_call_from() {
        let mut principal = key(ORG, &["ORG_OWNER"], &[]);
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(outcome(principal.authorize_network(loopback)), "OK");
        principal.org.api_access_list_required = true;
        assert_eq!(outcome(principal.authorize_network(loopback)), "OrgRequiresAccessList(127.0.0.1)");
        principal.access_list = vec![parse_access_list_entry("127.0.0.2").unwrap()];
        assert_eq!(outcome(principal.authorize_network(other)), "OK");
        principal.org.api_access_list_required = false;
        assert_eq!(outcome(principal.authorize_network("::ffff:127.0.0.2".parse().unwrap())), "OK");
        assert_eq!(outcome(principal.authorize_network(loopback)), "AddressNotOnAccessList(127.0.0.1)");
        principal.access_list = vec![parse_access_list_entry("10.0.0.0/8").unwrap()];
        assert_eq!(outcome(principal.authorize_network("10.1.2.3".parse().unwrap())), "OK");
        assert!(parse_access_list_entry("10.0.0.0/33").is_none() && parse_access_list_entry("nope").is_none());
    }

    #[test]
    fn cloud_manager_project_user_admins_manage_invitations_there_only() {
        let pa = project(PA, ORG);
        let user_admin = key(ORG, &["ORG_MEMBER"], &[(PA, &["GROUP_USER_ADMIN"])]);
        assert_eq!(outcome(user_admin.authorize_project_invitations(&pa, &RoleCatalog::CLOUD_MANAGER)), "OK");
        assert_eq!(outcome(user_admin.authorize_project_invitations(&pa, &RoleCatalog::ATLAS)), "Unauthorized");
    }
}
