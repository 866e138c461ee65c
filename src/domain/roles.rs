//! Role names an invitation may grant, and which project roles may manage project invitations, per API
//! surface.

/// The roles one API surface knows. Atlas's lists come from the Atlas Admin API spec (the 2025-06 enums, plus
/// ORG_STREAM_PROCESSING_ADMIN from the 2026 spec); Cloud Manager's from its user-roles reference; see
/// docs/atlas-behavior.md §2.
#[derive(Debug, Clone, Copy)]
pub struct RoleCatalog {
    pub project_roles: &'static [&'static str],
    pub org_roles: &'static [&'static str],
    /// Project roles that may manage the project's invitations (Organization Owners always may).
    pub project_invitation_managers: &'static [&'static str],
}

impl RoleCatalog {
    pub const ATLAS: RoleCatalog = RoleCatalog {
        project_roles: &[
            "GROUP_BACKUP_MANAGER",
            "GROUP_CLUSTER_MANAGER",
            "GROUP_DATA_ACCESS_ADMIN",
            "GROUP_DATA_ACCESS_READ_ONLY",
            "GROUP_DATA_ACCESS_READ_WRITE",
            "GROUP_DATABASE_ACCESS_ADMIN",
            "GROUP_OBSERVABILITY_VIEWER",
            "GROUP_OWNER",
            "GROUP_READ_ONLY",
            "GROUP_SEARCH_INDEX_EDITOR",
            "GROUP_STREAM_PROCESSING_OWNER",
        ],
        org_roles: &[
            "ORG_OWNER",
            "ORG_MEMBER",
            "ORG_GROUP_CREATOR",
            "ORG_BILLING_ADMIN",
            "ORG_BILLING_READ_ONLY",
            "ORG_READ_ONLY",
            "ORG_STREAM_PROCESSING_ADMIN",
        ],
        // "Project Owner" (x-rolesRequirements of the Atlas invitation operations).
        project_invitation_managers: &[GROUP_OWNER],
    };

    /// Cloud Manager (https://www.mongodb.com/docs/cloud-manager/reference/user-roles/).
    pub const CLOUD_MANAGER: RoleCatalog = RoleCatalog {
        project_roles: &[
            "GROUP_AUTOMATION_ADMIN",
            "GROUP_BACKUP_ADMIN",
            "GROUP_MONITORING_ADMIN",
            "GROUP_OWNER",
            "GROUP_READ_ONLY",
            "GROUP_USER_ADMIN",
            "GROUP_DATA_ACCESS_ADMIN",
            "GROUP_DATA_ACCESS_READ_ONLY",
            "GROUP_DATA_ACCESS_READ_WRITE",
        ],
        org_roles: &[
            "ORG_MEMBER",
            "ORG_READ_ONLY",
            "ORG_GROUP_CREATOR",
            "ORG_OWNER",
            "ORG_BILLING_ADMIN",
            "ORG_BILLING_READ_ONLY",
        ],
        // "Project User Admin" (the Cloud Manager invitation pages' Required Roles); Project Owner includes it.
        project_invitation_managers: &[GROUP_OWNER, "GROUP_USER_ADMIN"],
    };

    /// Whether any surface knows the project role (credentials may hold roles of either product).
    pub fn any_knows_project_role(role: &str) -> bool {
        [Self::ATLAS, Self::CLOUD_MANAGER].iter().any(|catalog| catalog.is_project_role(role))
    }

    pub fn any_knows_org_role(role: &str) -> bool {
        [Self::ATLAS, Self::CLOUD_MANAGER].iter().any(|catalog| catalog.is_org_role(role))
    }

    pub fn is_project_role(&self, role: &str) -> bool {
        self.project_roles.contains(&role)
    }

    pub fn is_org_role(&self, role: &str) -> bool {
        self.org_roles.contains(&role)
    }
}

pub const ORG_OWNER: &str = "ORG_OWNER";
pub const ORG_MEMBER: &str = "ORG_MEMBER";
pub const ORG_READ_ONLY: &str = "ORG_READ_ONLY";
pub const GROUP_OWNER: &str = "GROUP_OWNER";
