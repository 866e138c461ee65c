package conformance

// Success paths of the 12 invitation operations, as the official Go SDK calls
// them, plus the response headers and the project-invite/org-invite coupling.

import (
	"net/http"
	"testing"

	"go.mongodb.org/atlas-sdk/v20250312020/admin"
)

func TestProjectInvitationLifecycle(t *testing.T) {
	projectInvitationLifecycle(t, digestPrincipal(t, ownerKey))
}

func TestOrgInvitationLifecycle(t *testing.T) {
	orgInvitationLifecycle(t, digestPrincipal(t, ownerKey))
}

// projectInvitationLifecycle runs the six project-invitation operations on
// acme-prod as who (create, get, list, filtered list, update by id, update by
// username, delete) and checks every decoded model. The digest and the OAuth
// runs share it.
func projectInvitationLifecycle(t *testing.T, who principal) {
	ctx := t.Context()
	api := who.client.ProjectsApi
	user, other := newUsername(t), newUsername(t)

	// CreateGroupInvite
	created, resp, err := api.CreateGroupInvite(ctx, prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(user), Roles: &[]string{"GROUP_READ_ONLY"},
	}).Execute()
	requireStatus(t, "CreateGroupInvite", resp, err, http.StatusOK)
	checkGroupInvitation(t, "CreateGroupInvite", created, wantGroupInvite{
		groupID: prodGroupID, groupName: prodGroupName, username: user, roles: []string{"GROUP_READ_ONLY"}, inviter: who.inviter,
	})
	id := created.GetId()
	if id == "" {
		t.Fatal("CreateGroupInvite returned no id; cannot continue")
	}
	// A second invitation, so that "list all" has something to tell apart.
	second, resp, err := api.CreateGroupInvite(ctx, prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(other), Roles: &[]string{"GROUP_DATA_ACCESS_READ_WRITE"},
	}).Execute()
	requireStatus(t, "CreateGroupInvite (second user)", resp, err, http.StatusOK)
	checkGroupInvitation(t, "CreateGroupInvite (second user)", second, wantGroupInvite{
		groupID: prodGroupID, groupName: prodGroupName, username: other, inviter: who.inviter,
		roles: []string{"GROUP_DATA_ACCESS_READ_WRITE"},
	})

	current := wantGroupInvite{
		id: id, groupID: prodGroupID, groupName: prodGroupName, username: user, inviter: who.inviter,
		roles: []string{"GROUP_READ_ONLY"}, created: created.CreatedAt, expires: created.ExpiresAt,
	}

	// GetGroupInvite
	got, resp, err := api.GetGroupInvite(ctx, prodGroupID, id).Execute()
	requireStatus(t, "GetGroupInvite", resp, err, http.StatusOK)
	checkGroupInvitation(t, "GetGroupInvite", got, current)

	// ListGroupInvites, unfiltered
	all, resp, err := api.ListGroupInvites(ctx, prodGroupID).Execute()
	requireStatus(t, "ListGroupInvites", resp, err, http.StatusOK)
	for _, inv := range all {
		if inv.GetGroupId() != prodGroupID {
			t.Errorf("ListGroupInvites(%s) returned an invitation of project %q: %s", prodGroupID, inv.GetGroupId(), asJSON(inv))
		}
	}
	assertListedGroupIDs(t, "ListGroupInvites", all, id, second.GetId())

	// ListGroupInvites filtered by username
	filtered, resp, err := api.ListGroupInvites(ctx, prodGroupID).Username(user).Execute()
	requireStatus(t, "ListGroupInvites.Username", resp, err, http.StatusOK)
	if len(filtered) != 1 {
		t.Errorf("ListGroupInvites.Username(%q): got %d invitations, want exactly 1: %s", user, len(filtered), asJSON(filtered))
	} else {
		checkGroupInvitation(t, "ListGroupInvites.Username", &filtered[0], current)
	}

	// ListGroupInvitesWithParams with Username = "" (what the Atlas CLI sends) means no filter.
	empty, resp, err := api.ListGroupInvitesWithParams(ctx, &admin.ListGroupInvitesApiParams{
		GroupId: prodGroupID, Username: ptr(""),
	}).Execute()
	requireStatus(t, "ListGroupInvitesWithParams(username=\"\")", resp, err, http.StatusOK)
	assertListedGroupIDs(t, "ListGroupInvitesWithParams(username=\"\")", empty, id, second.GetId())
	if len(empty) != len(all) {
		t.Errorf("ListGroupInvitesWithParams(username=\"\"): %d invitations, but the unfiltered list has %d", len(empty), len(all))
	}

	// UpdateInviteById replaces the roles, keeps the timestamps.
	current.roles = []string{"GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"}
	updated, resp, err := api.UpdateInviteById(ctx, prodGroupID, id, &admin.GroupInvitationUpdateRequest{
		Roles: &[]string{"GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"},
	}).Execute()
	requireStatus(t, "UpdateInviteById", resp, err, http.StatusOK)
	checkGroupInvitation(t, "UpdateInviteById", updated, current)

	// UpdateGroupInvites selects the invitation by username.
	current.roles = []string{"GROUP_CLUSTER_MANAGER"}
	updated, resp, err = api.UpdateGroupInvites(ctx, prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(user), Roles: &[]string{"GROUP_CLUSTER_MANAGER"},
	}).Execute()
	requireStatus(t, "UpdateGroupInvites", resp, err, http.StatusOK)
	checkGroupInvitation(t, "UpdateGroupInvites", updated, current)

	got, resp, err = api.GetGroupInvite(ctx, prodGroupID, id).Execute()
	requireStatus(t, "GetGroupInvite after updates", resp, err, http.StatusOK)
	checkGroupInvitation(t, "GetGroupInvite after updates", got, current)

	// The other invitation was not touched by either update.
	got, resp, err = api.GetGroupInvite(ctx, prodGroupID, second.GetId()).Execute()
	requireStatus(t, "GetGroupInvite (second user) after updates", resp, err, http.StatusOK)
	checkGroupInvitation(t, "GetGroupInvite (second user) after updates", got, wantGroupInvite{
		id: second.GetId(), groupID: prodGroupID, groupName: prodGroupName, username: other, inviter: who.inviter,
		roles: []string{"GROUP_DATA_ACCESS_READ_WRITE"}, created: second.CreatedAt, expires: second.ExpiresAt,
	})

	// DeleteGroupInvite, then the invitation is gone.
	resp, err = api.DeleteGroupInvite(ctx, prodGroupID, id).Execute()
	requireStatus(t, "DeleteGroupInvite", resp, err, http.StatusNoContent)

	_, resp, err = api.GetGroupInvite(ctx, prodGroupID, id).Execute()
	expectAPIError(t, "GetGroupInvite after delete", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")

	filtered, resp, err = api.ListGroupInvites(ctx, prodGroupID).Username(user).Execute()
	requireStatus(t, "ListGroupInvites.Username after delete", resp, err, http.StatusOK)
	if len(filtered) != 0 {
		t.Errorf("ListGroupInvites.Username(%q) after delete: %d invitations, want 0: %s", user, len(filtered), asJSON(filtered))
	}
}

// orgInvitationLifecycle runs the six org-invitation operations on Acme as who,
// the way projectInvitationLifecycle does for projects.
func orgInvitationLifecycle(t *testing.T, who principal) {
	ctx := t.Context()
	api := who.client.OrganizationsApi
	user, other := newUsername(t), newUsername(t)

	// CreateOrgInvite without teamIds / groupRoleAssignments: both come back as [].
	created, resp, err := api.CreateOrgInvite(ctx, acmeOrgID, &admin.OrganizationInvitationRequest{
		Username: ptr(user), Roles: &[]string{"ORG_MEMBER"},
	}).Execute()
	requireStatus(t, "CreateOrgInvite", resp, err, http.StatusOK)
	checkOrgInvitation(t, "CreateOrgInvite", created, wantOrgInvite{
		username: user, roles: []string{"ORG_MEMBER"}, teamIDs: []string{}, groupRoles: []string{}, inviter: who.inviter,
	})
	id := created.GetId()
	if id == "" {
		t.Fatal("CreateOrgInvite returned no id; cannot continue")
	}
	second, resp, err := api.CreateOrgInvite(ctx, acmeOrgID, &admin.OrganizationInvitationRequest{
		Username: ptr(other), Roles: &[]string{"ORG_READ_ONLY"},
	}).Execute()
	requireStatus(t, "CreateOrgInvite (second user)", resp, err, http.StatusOK)
	checkOrgInvitation(t, "CreateOrgInvite (second user)", second, wantOrgInvite{
		username: other, roles: []string{"ORG_READ_ONLY"}, teamIDs: []string{}, groupRoles: []string{}, inviter: who.inviter,
	})

	current := wantOrgInvite{
		id: id, username: user, roles: []string{"ORG_MEMBER"}, teamIDs: []string{}, groupRoles: []string{}, inviter: who.inviter,
		created: created.CreatedAt, expires: created.ExpiresAt,
	}

	// GetOrgInvite
	got, resp, err := api.GetOrgInvite(ctx, acmeOrgID, id).Execute()
	requireStatus(t, "GetOrgInvite", resp, err, http.StatusOK)
	checkOrgInvitation(t, "GetOrgInvite", got, current)

	// ListOrgInvites, unfiltered
	all, resp, err := api.ListOrgInvites(ctx, acmeOrgID).Execute()
	requireStatus(t, "ListOrgInvites", resp, err, http.StatusOK)
	for _, inv := range all {
		if inv.GetOrgId() != acmeOrgID {
			t.Errorf("ListOrgInvites(%s) returned an invitation of org %q: %s", acmeOrgID, inv.GetOrgId(), asJSON(inv))
		}
	}
	assertListedOrgIDs(t, "ListOrgInvites", all, id, second.GetId())

	// ListOrgInvites filtered by username
	filtered, resp, err := api.ListOrgInvites(ctx, acmeOrgID).Username(user).Execute()
	requireStatus(t, "ListOrgInvites.Username", resp, err, http.StatusOK)
	if len(filtered) != 1 {
		t.Errorf("ListOrgInvites.Username(%q): got %d invitations, want exactly 1: %s", user, len(filtered), asJSON(filtered))
	} else {
		checkOrgInvitation(t, "ListOrgInvites.Username", &filtered[0], current)
	}

	// ListOrgInvitesWithParams with Username = "" means no filter.
	empty, resp, err := api.ListOrgInvitesWithParams(ctx, &admin.ListOrgInvitesApiParams{
		OrgId: acmeOrgID, Username: ptr(""),
	}).Execute()
	requireStatus(t, "ListOrgInvitesWithParams(username=\"\")", resp, err, http.StatusOK)
	assertListedOrgIDs(t, "ListOrgInvitesWithParams(username=\"\")", empty, id, second.GetId())
	if len(empty) != len(all) {
		t.Errorf("ListOrgInvitesWithParams(username=\"\"): %d invitations, but the unfiltered list has %d", len(empty), len(all))
	}

	// UpdateOrgInviteById replaces the roles, keeps the timestamps.
	current.roles = []string{"ORG_READ_ONLY"}
	updated, resp, err := api.UpdateOrgInviteById(ctx, acmeOrgID, id, &admin.OrganizationInvitationUpdateRequest{
		Roles: &[]string{"ORG_READ_ONLY"},
	}).Execute()
	requireStatus(t, "UpdateOrgInviteById", resp, err, http.StatusOK)
	checkOrgInvitation(t, "UpdateOrgInviteById", updated, current)

	// UpdateOrgInvites selects the invitation by username.
	current.roles = []string{"ORG_GROUP_CREATOR"}
	updated, resp, err = api.UpdateOrgInvites(ctx, acmeOrgID, &admin.OrganizationInvitationRequest{
		Username: ptr(user), Roles: &[]string{"ORG_GROUP_CREATOR"},
	}).Execute()
	requireStatus(t, "UpdateOrgInvites", resp, err, http.StatusOK)
	checkOrgInvitation(t, "UpdateOrgInvites", updated, current)

	got, resp, err = api.GetOrgInvite(ctx, acmeOrgID, id).Execute()
	requireStatus(t, "GetOrgInvite after updates", resp, err, http.StatusOK)
	checkOrgInvitation(t, "GetOrgInvite after updates", got, current)

	got, resp, err = api.GetOrgInvite(ctx, acmeOrgID, second.GetId()).Execute()
	requireStatus(t, "GetOrgInvite (second user) after updates", resp, err, http.StatusOK)
	checkOrgInvitation(t, "GetOrgInvite (second user) after updates", got, wantOrgInvite{
		id: second.GetId(), username: other, inviter: who.inviter,
		roles: []string{"ORG_READ_ONLY"}, teamIDs: []string{}, groupRoles: []string{},
		created: second.CreatedAt, expires: second.ExpiresAt,
	})

	// DeleteOrgInvite, then the invitation is gone.
	resp, err = api.DeleteOrgInvite(ctx, acmeOrgID, id).Execute()
	requireStatus(t, "DeleteOrgInvite", resp, err, http.StatusNoContent)

	_, resp, err = api.GetOrgInvite(ctx, acmeOrgID, id).Execute()
	expectAPIError(t, "GetOrgInvite after delete", resp, err, http.StatusNotFound, "INVALID_INVITATION_ID")

	filtered, resp, err = api.ListOrgInvites(ctx, acmeOrgID).Username(user).Execute()
	requireStatus(t, "ListOrgInvites.Username after delete", resp, err, http.StatusOK)
	if len(filtered) != 0 {
		t.Errorf("ListOrgInvites.Username(%q) after delete: %d invitations, want 0: %s", user, len(filtered), asJSON(filtered))
	}
}

// Org invitations carry team memberships and project roles; the request sends
// {groupId, roles[]}, the response has one {groupId, groupRole} item per role.
func TestOrgInvitationWithTeamAndProjectRoles(t *testing.T) {
	ctx := t.Context()
	api := newClient(t, ownerKey).OrganizationsApi

	cases := []struct {
		name       string
		groupRoles []string // requested roles on acme-prod
	}{
		{"one project role", []string{"GROUP_READ_ONLY"}},
		{"two project roles", []string{"GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := newUsername(t)
			want := wantOrgInvite{username: user, roles: []string{"ORG_MEMBER"}, teamIDs: []string{platformTeamID}}
			for _, role := range tc.groupRoles {
				want.groupRoles = append(want.groupRoles, prodGroupID+"/"+role)
			}

			created, resp, err := api.CreateOrgInvite(ctx, acmeOrgID, &admin.OrganizationInvitationRequest{
				Username: ptr(user),
				Roles:    &[]string{"ORG_MEMBER"},
				TeamIds:  &[]string{platformTeamID},
				GroupRoleAssignments: &[]admin.OrganizationInvitationGroupRoleAssignmentsRequest{
					{GroupId: ptr(prodGroupID), Roles: ptr(tc.groupRoles)},
				},
			}).Execute()
			requireStatus(t, "CreateOrgInvite", resp, err, http.StatusOK)
			checkOrgInvitation(t, "CreateOrgInvite", created, want)

			want.id, want.created, want.expires = created.GetId(), created.CreatedAt, created.ExpiresAt
			got, resp, err := api.GetOrgInvite(ctx, acmeOrgID, created.GetId()).Execute()
			requireStatus(t, "GetOrgInvite", resp, err, http.StatusOK)
			checkOrgInvitation(t, "GetOrgInvite", got, want)
		})
	}
}

// Inviting a non-member to a project also creates a pending org invitation
// (ORG_MEMBER); deleting the project invitation leaves the org invitation.
func TestProjectInvitationAlsoInvitesToOrg(t *testing.T) {
	ctx := t.Context()
	c := newClient(t, ownerKey)
	user := newUsername(t)

	created, resp, err := c.ProjectsApi.CreateGroupInvite(ctx, prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(user), Roles: &[]string{"GROUP_READ_ONLY"},
	}).Execute()
	requireStatus(t, "CreateGroupInvite", resp, err, http.StatusOK)
	if created.GetId() == "" {
		t.Fatal("CreateGroupInvite returned no id; cannot continue")
	}

	orgInvites, resp, err := c.OrganizationsApi.ListOrgInvites(ctx, acmeOrgID).Username(user).Execute()
	requireStatus(t, "ListOrgInvites.Username after the project invite", resp, err, http.StatusOK)
	if len(orgInvites) != 1 {
		t.Fatalf("ListOrgInvites.Username(%q) after inviting the user to a project: %d invitations, want exactly 1: %s",
			user, len(orgInvites), asJSON(orgInvites))
	}
	orgInvite := orgInvites[0]
	var p problems
	p.checkID(orgInvite.GetId())
	if orgInvite.GetOrgId() != acmeOrgID {
		p.addf("orgId %q, want %q", orgInvite.GetOrgId(), acmeOrgID)
	}
	if orgInvite.GetUsername() != user {
		p.addf("username %q, want %q", orgInvite.GetUsername(), user)
	}
	if !sameSet(orgInvite.GetRoles(), []string{"ORG_MEMBER"}) {
		p.addf("roles %q, want [\"ORG_MEMBER\"]", orgInvite.GetRoles())
	}
	p.report(t, "org invitation created by the project invite", orgInvite)

	resp, err = c.ProjectsApi.DeleteGroupInvite(ctx, prodGroupID, created.GetId()).Execute()
	requireStatus(t, "DeleteGroupInvite", resp, err, http.StatusNoContent)

	groupInvites, resp, err := c.ProjectsApi.ListGroupInvites(ctx, prodGroupID).Username(user).Execute()
	requireStatus(t, "ListGroupInvites.Username after delete", resp, err, http.StatusOK)
	if len(groupInvites) != 0 {
		t.Errorf("ListGroupInvites.Username(%q) after delete: %d invitations, want 0: %s", user, len(groupInvites), asJSON(groupInvites))
	}

	orgInvites, resp, err = c.OrganizationsApi.ListOrgInvites(ctx, acmeOrgID).Username(user).Execute()
	requireStatus(t, "ListOrgInvites.Username after deleting the project invite", resp, err, http.StatusOK)
	if len(orgInvites) != 1 || orgInvites[0].GetId() != orgInvite.GetId() {
		t.Errorf("ListOrgInvites.Username(%q) after deleting the project invitation: %s, want the org invitation %s to remain",
			user, asJSON(orgInvites), orgInvite.GetId())
	}
}

// The SDK ignores these headers, but real Atlas sends them; check them on the
// *http.Response the SDK hands back.
func TestSuccessResponseHeaders(t *testing.T) {
	ctx := t.Context()
	c := newClient(t, ownerKey)

	_, resp, err := c.ProjectsApi.CreateGroupInvite(ctx, prodGroupID, &admin.GroupInvitationRequest{
		Username: ptr(newUsername(t)), Roles: &[]string{"GROUP_READ_ONLY"},
	}).Execute()
	requireStatus(t, "CreateGroupInvite", resp, err, http.StatusOK)
	checkHeader(t, "CreateGroupInvite", resp, "Content-Type", wantContentType)
	checkHeader(t, "CreateGroupInvite", resp, "Deprecation", wantGroupDeprecation)
	checkHeader(t, "CreateGroupInvite", resp, "Sunset", wantSunset)

	_, resp, err = c.OrganizationsApi.CreateOrgInvite(ctx, acmeOrgID, &admin.OrganizationInvitationRequest{
		Username: ptr(newUsername(t)), Roles: &[]string{"ORG_MEMBER"},
	}).Execute()
	requireStatus(t, "CreateOrgInvite", resp, err, http.StatusOK)
	checkHeader(t, "CreateOrgInvite", resp, "Content-Type", wantContentType)
	checkHeader(t, "CreateOrgInvite", resp, "Deprecation", wantOrgDeprecation)
	checkHeader(t, "CreateOrgInvite", resp, "Sunset", wantSunset)
}

func assertListedGroupIDs(t *testing.T, op string, list []admin.GroupInvitation, ids ...string) {
	t.Helper()
	listed := map[string]bool{}
	for _, inv := range list {
		listed[inv.GetId()] = true
	}
	for _, id := range ids {
		if !listed[id] {
			t.Errorf("%s: invitation %s is missing from the %d listed: %s", op, id, len(list), asJSON(list))
		}
	}
}

func assertListedOrgIDs(t *testing.T, op string, list []admin.OrganizationInvitation, ids ...string) {
	t.Helper()
	listed := map[string]bool{}
	for _, inv := range list {
		listed[inv.GetId()] = true
	}
	for _, id := range ids {
		if !listed[id] {
			t.Errorf("%s: invitation %s is missing from the %d listed: %s", op, id, len(list), asJSON(list))
		}
	}
}
