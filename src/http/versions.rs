//! The dated versions of the Atlas Administration API v2 resources
//! (https://www.mongodb.com/docs/atlas/api/versioned-api-overview/). Each operation lists the versions it has, as
//! the content types of its responses in the Atlas spec (openapi/atlas/); `wire::negotiate_version` picks one.

use time::Date;
use time::macros::date;

/// One version of one operation: its date, its media type, and the day it was deprecated (sent as the
/// `Deprecation` header, with `Sunset` beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub date: Date,
    pub name: &'static str,
    pub content_type: &'static str,
    pub deprecated: Option<&'static str>,
}

impl ApiVersion {
    /// Whether this is the first version of the MongoDB Cloud users resources, which shows active users only
    /// ("If using a deprecated version, only active users will be returned" — Atlas spec, listOrgUsers).
    pub fn is_before_users_api(self) -> bool {
        self.date < V2025_02_19.date
    }
}

/// Header values exactly as recorded from Atlas (Java RFC 1123 style: day of month not padded).
const PROJECT_INVITES_DEPRECATION: &str = "Wed, 4 Oct 2023 00:00:00 GMT";
/// The org invitations, the 2023-01-01 users resources and `/users` (recorded: iam/atlasusers, Deprecation).
const USERS_DEPRECATION: &str = "Wed, 19 Feb 2025 00:00:00 GMT";

const V2023_01_01: ApiVersion = ApiVersion {
    date: date!(2023 - 01 - 01),
    name: "2023-01-01",
    content_type: "application/vnd.atlas.2023-01-01+json;charset=utf-8",
    deprecated: None,
};
const V2025_02_19: ApiVersion = ApiVersion {
    date: date!(2025 - 02 - 19),
    name: "2025-02-19",
    content_type: "application/vnd.atlas.2025-02-19+json;charset=utf-8",
    deprecated: None,
};
const fn deprecated_on(version: ApiVersion, day: &'static str) -> ApiVersion {
    ApiVersion { deprecated: Some(day), ..version }
}

/// The project invitation operations: one version, deprecated.
pub const PROJECT_INVITES: &[ApiVersion] = &[deprecated_on(V2023_01_01, PROJECT_INVITES_DEPRECATION)];
/// The org invitation operations, and the deprecated user operations (`PUT …/roles`, `/users`).
pub const DEPRECATED_2023: &[ApiVersion] = &[deprecated_on(V2023_01_01, USERS_DEPRECATION)];
/// Resources with only their first version (orgs, projects, teams, events).
pub const STABLE_2023: &[ApiVersion] = &[V2023_01_01];
/// Users operations new in 2025-02-19.
pub const USERS: &[ApiVersion] = &[V2025_02_19];
/// listOrgUsers and removeOrgUser, whose 2023-01-01 version is deprecated and sees active users only.
pub const USERS_SINCE_2023: &[ApiVersion] = &[deprecated_on(V2023_01_01, USERS_DEPRECATION), V2025_02_19];

/// The newest of `versions` not after the requested date.
pub fn resolve(versions: &'static [ApiVersion], requested: Date) -> Option<ApiVersion> {
    versions.iter().rev().find(|version| version.date <= requested).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_version_not_after_the_requested_date_is_served() {
        let name = |versions, requested| resolve(versions, requested).map(|v| v.name);
        assert_eq!(name(USERS_SINCE_2023, date!(2024 - 06 - 01)), Some("2023-01-01"));
        assert_eq!(name(USERS_SINCE_2023, date!(2025 - 03 - 12)), Some("2025-02-19"));
        assert_eq!(name(USERS, date!(2023 - 01 - 01)), None);
        assert_eq!(name(PROJECT_INVITES, date!(2025 - 03 - 12)), Some("2023-01-01"));
        assert_eq!(name(STABLE_2023, date!(2022 - 12 - 31)), None);
    }
}
