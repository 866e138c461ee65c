package conformance

// The Teams operations: every method of TeamsApi, plus the team methods of
// MongoDBCloudUsersApi (AddOrgTeamUser, RemoveOrgTeamUser, ListTeamUsers).
// Teams hold the org's active members and pending users (a pending user's
// teams are its invitation's teamIds); a team assigned to a project gives its
// members the team's roles there, which ListGroupUsers shows with
// flattenTeams=true. The digest and the OAuth runs share teamsLifecycle.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/atlas-sdk/v20250312020/admin"
)

func TestTeamsLifecycle(t *testing.T) {
	teamsLifecycle(t, digestPrincipal(t, ownerKey), digestTeamsUser)
}

// The same operations through the ORG_OWNER service account's OAuth token,
// with one token for all of them.
func TestTeamsServiceAccountOAuth(t *testing.T) {
	who, rec := newOAuthPrincipal(t, ownerSA)
	teamsLifecycle(t, who, oauthTeamsUser)
	rec.checkOneToken(t, ownerSA.clientID)
}

// teamsLifecycle runs every Teams operation as who (an Organization Owner of
// Acme) on three new teams: A (the active fixture member memberName and a
// pending user), B (the pending user) and C (the member). It assigns them to
// acme-prod, takes them off again and deletes them, so memberName ends on no
// team.
func teamsLifecycle(t *testing.T, who principal, memberName string) {
	ctx := t.Context()
	teams := who.client.TeamsApi
	users := who.client.MongoDBCloudUsersApi

	member := wantOrgUser{
		username: memberName, status: "ACTIVE", orgRoles: []string{"ORG_MEMBER"},
		groupRoles: []string{prodGroupID + "/GROUP_READ_ONLY"}, teamIDs: []string{},
	}
	member.id = orgUserID(t, users, memberName)
	getOrgUser(t, users, "GetOrgUser(member) before the teams run", member)
	pending := createPendingOrgUser(t, who)
	joiner := createPendingOrgUser(t, who)

	// CreateOrgTeam: 201 (the spec says 200; Atlas answers 201, and the SDK decodes either) with the usernames.
	nameA, nameB, nameC := newTeamName(t), newTeamName(t), newTeamName(t)
	a := createTeam(t, teams, "CreateOrgTeam(A)", nameA, memberName, pending.username)
	b := createTeam(t, teams, "CreateOrgTeam(B)", nameB, pending.username)
	c := createTeam(t, teams, "CreateOrgTeam(C)", nameC, memberName)
	if t.Failed() {
		t.FailNow()
	}
	member.teamIDs, pending.teamIDs = []string{a, c}, []string{a, b}
	getOrgUser(t, users, "GetOrgUser(member) after CreateOrgTeam", member)
	getOrgUser(t, users, "GetOrgUser(pending) after CreateOrgTeam", pending)
	checkUserInvitation(t, who.client, "ListOrgInvites.Username(pending) after CreateOrgTeam", pending)

	// Refused creates change nothing.
	_, resp, err := teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{Name: nameA, Usernames: []string{joiner.username}}).Execute()
	expectAPIError(t, "CreateOrgTeam with the name of team A", resp, err, http.StatusConflict, "TEAM_NAME_NOT_AVAILABLE")
	_, resp, err = teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{Name: "platform", Usernames: []string{joiner.username}}).Execute()
	expectAPIError(t, "CreateOrgTeam with the name of the fixture team", resp, err, http.StatusConflict, "TEAM_NAME_NOT_AVAILABLE")
	emptyName, strangerName := newTeamName(t), newTeamName(t)
	_, resp, err = teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{Name: emptyName, Usernames: []string{}}).Execute()
	expectAPIError(t, "CreateOrgTeam with no usernames", resp, err, http.StatusBadRequest, "CANNOT_CREATE_EMPTY_TEAM")
	_, resp, err = teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{
		Name: strangerName, Usernames: []string{joiner.username, newUsername(t)},
	}).Execute()
	expectAPIError(t, "CreateOrgTeam with a username outside the org", resp, err, http.StatusNotFound, "USER_NOT_IN_ORG")
	for _, name := range []string{emptyName, strangerName} {
		_, resp, err = teams.GetTeamByName(ctx, acmeOrgID, name).Execute()
		expectAPIError(t, "GetTeamByName of a refused create", resp, err, http.StatusNotFound, "TEAM_NAME_NOT_FOUND")
	}
	getOrgUser(t, users, "GetOrgUser(joiner) after the refused creates", joiner)

	// GetOrgTeam and GetTeamByName: {id, links, name}.
	getTeam(t, teams, "GetOrgTeam(A)", a, nameA)
	byName, resp, err := teams.GetTeamByName(ctx, acmeOrgID, nameA).Execute()
	requireStatus(t, "GetTeamByName(A)", resp, err, http.StatusOK)
	checkHeader(t, "GetTeamByName", resp, "Content-Type", wantContentType)
	checkTeam(t, "GetTeamByName(A)", byName, a, nameA)
	_, resp, err = teams.GetOrgTeam(ctx, acmeOrgID, unknownTeamID).Execute()
	expectAPIError(t, "GetOrgTeam(unknown team id)", resp, err, http.StatusNotFound, "TEAM_NOT_FOUND")

	// ListOrgTeams: every team of Acme, ordered by name, and paged.
	all := listOrgTeams(t, teams, "ListOrgTeams")
	var names, ids []string
	for _, team := range all {
		names, ids = append(names, team.GetName()), append(ids, team.GetId())
		if want, ok := map[string]string{a: nameA, b: nameB, c: nameC, platformTeamID: "platform"}[team.GetId()]; ok {
			checkTeam(t, "ListOrgTeams: team "+want, &team, team.GetId(), want)
		}
	}
	assertIDs(t, "ListOrgTeams", ids, []string{a, b, c, platformTeamID}, []string{otherTeamID}, all)
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("ListOrgTeams: names %q, want them unique and in name order", names)
	}
	// The SDK's defaults (includeCount=true, itemsPerPage=100, pageNum=1) as recorded.
	firstPage, resp, err := teams.ListOrgTeams(ctx, acmeOrgID).Execute()
	requireStatus(t, "ListOrgTeams (SDK defaults)", resp, err, http.StatusOK)
	checkHeader(t, "ListOrgTeams", resp, "Content-Type", wantContentType)
	checkSelfHref(t, "ListOrgTeams (SDK defaults)", firstPage.GetLinks(), orgTeamsHref()+"?includeCount=true&pageNum=1&itemsPerPage=100", true)
	checkOrgTeamPages(t, teams, ids)

	// RenameOrgTeam, then the team answers to its new name only; a taken name is refused.
	nameC2 := newTeamName(t)
	renamed, resp, err := teams.RenameOrgTeam(ctx, acmeOrgID, c, &admin.TeamUpdate{Name: nameC2}).Execute()
	requireStatus(t, "RenameOrgTeam(C)", resp, err, http.StatusOK)
	checkHeader(t, "RenameOrgTeam", resp, "Content-Type", wantContentType)
	checkTeam(t, "RenameOrgTeam(C)", renamed, c, nameC2)
	byName, resp, err = teams.GetTeamByName(ctx, acmeOrgID, nameC2).Execute()
	requireStatus(t, "GetTeamByName(C's new name)", resp, err, http.StatusOK)
	checkTeam(t, "GetTeamByName(C's new name)", byName, c, nameC2)
	_, resp, err = teams.GetTeamByName(ctx, acmeOrgID, nameC).Execute()
	expectAPIError(t, "GetTeamByName(C's old name)", resp, err, http.StatusNotFound, "TEAM_NAME_NOT_FOUND")
	_, resp, err = teams.RenameOrgTeam(ctx, acmeOrgID, c, &admin.TeamUpdate{Name: nameA}).Execute()
	expectAPIError(t, "RenameOrgTeam(C) to the name of A", resp, err, http.StatusConflict, "TEAM_NAME_NOT_AVAILABLE")
	getTeam(t, teams, "GetOrgTeam(C) after the refused rename", c, nameC2)

	// AddOrgTeamUser / RemoveOrgTeamUser (2025-02-19): active and pending users, answered as OrgUserResponse.
	joiner.teamIDs = []string{a}
	added, resp, err := users.AddOrgTeamUser(ctx, acmeOrgID, a, &admin.AddOrRemoveUserFromTeam{Id: joiner.id}).Execute()
	requireStatus(t, "AddOrgTeamUser(A, pending joiner)", resp, err, http.StatusOK)
	checkHeader(t, "AddOrgTeamUser", resp, "Content-Type", wantUsersContentType)
	checkOrgUser(t, "AddOrgTeamUser(A, pending joiner)", added, joiner)
	checkUserInvitation(t, who.client, "ListOrgInvites.Username(joiner) after AddOrgTeamUser", joiner)
	_, resp, err = users.AddOrgTeamUser(ctx, acmeOrgID, a, &admin.AddOrRemoveUserFromTeam{Id: member.id}).Execute()
	expectAPIError(t, "AddOrgTeamUser(A, member already on it)", resp, err, http.StatusConflict, "USER_ALREADY_IN_TEAM")
	_, resp, err = users.AddOrgTeamUser(ctx, acmeOrgID, a, &admin.AddOrRemoveUserFromTeam{Id: unknownUserID}).Execute()
	expectAPIError(t, "AddOrgTeamUser(A, unknown user id)", resp, err, http.StatusNotFound, "USER_NOT_IN_ORG")
	getOrgUser(t, users, "GetOrgUser(member) after the refused AddOrgTeamUser", member)

	// ListTeamUsers (2025-02-19): active and pending members by username, filtered.
	inA := []wantOrgUser{member, pending, joiner}
	slices.SortFunc(inA, func(x, y wantOrgUser) int { return strings.Compare(x.username, y.username) })
	listed := listTeamUsers(t, users, "ListTeamUsers(A)", admin.ListTeamUsersApiParams{TeamId: a})
	checkTeamUsers(t, "ListTeamUsers(A)", listed, inA)
	for _, f := range []struct {
		name   string
		params admin.ListTeamUsersApiParams
		want   []wantOrgUser
	}{
		{"Username(joiner)", admin.ListTeamUsersApiParams{Username: ptr(joiner.username)}, []wantOrgUser{joiner}},
		{"OrgMembershipStatus(PENDING)", admin.ListTeamUsersApiParams{OrgMembershipStatus: ptr("PENDING")}, usersWithStatus(inA, "PENDING")},
		{"OrgMembershipStatuses([ACTIVE])", admin.ListTeamUsersApiParams{OrgMembershipStatuses: &[]string{"ACTIVE"}}, []wantOrgUser{member}},
		{"UserId(member)", admin.ListTeamUsersApiParams{UserId: ptr(member.id)}, []wantOrgUser{member}},
		{"UserId(pending)", admin.ListTeamUsersApiParams{UserId: ptr(pending.id)}, []wantOrgUser{pending}},
	} {
		f.params.TeamId = a
		op := "ListTeamUsers(A)." + f.name
		checkTeamUsers(t, op, listTeamUsers(t, users, op, f.params), f.want)
	}
	checkTeamUsers(t, "ListTeamUsers(B)", listTeamUsers(t, users, "ListTeamUsers(B)", admin.ListTeamUsersApiParams{TeamId: b}),
		[]wantOrgUser{pending})

	joiner.teamIDs = []string{}
	removed, resp, err := users.RemoveOrgTeamUser(ctx, acmeOrgID, a, &admin.AddOrRemoveUserFromTeam{Id: joiner.id}).Execute()
	requireStatus(t, "RemoveOrgTeamUser(A, joiner)", resp, err, http.StatusOK)
	checkHeader(t, "RemoveOrgTeamUser", resp, "Content-Type", wantUsersContentType)
	checkOrgUser(t, "RemoveOrgTeamUser(A, joiner)", removed, joiner)
	checkUserInvitation(t, who.client, "ListOrgInvites.Username(joiner) after RemoveOrgTeamUser", joiner)
	_, resp, err = users.RemoveOrgTeamUser(ctx, acmeOrgID, a, &admin.AddOrRemoveUserFromTeam{Id: joiner.id}).Execute()
	expectAPIError(t, "RemoveOrgTeamUser(A, joiner) again", resp, err, http.StatusNotFound, "USER_NOT_IN_TEAM")
	checkTeamUsers(t, "ListTeamUsers(A) after RemoveOrgTeamUser",
		listTeamUsers(t, users, "ListTeamUsers(A) after RemoveOrgTeamUser", admin.ListTeamUsersApiParams{TeamId: a}),
		usersExcept(inA, joiner.id))

	// The deprecated AddTeamUsers (active users only, all or none) and RemoveUserFromTeam (204).
	_, resp, err = teams.AddTeamUsers(ctx, acmeOrgID, b, &[]admin.AddUserToTeam{{Id: member.id}, {Id: joiner.id}}).Execute()
	expectAPIError(t, "AddTeamUsers(B, [member, pending joiner])", resp, err, http.StatusNotFound, "CANNOT_ADD_PENDING_USER")
	getOrgUser(t, users, "GetOrgUser(member) after the refused AddTeamUsers", member)
	getOrgUser(t, users, "GetOrgUser(joiner) after the refused AddTeamUsers", joiner)

	resp, err = teams.RemoveUserFromTeam(ctx, acmeOrgID, a, member.id).Execute()
	requireStatus(t, "RemoveUserFromTeam(A, member)", resp, err, http.StatusNoContent)
	checkHeader(t, "RemoveUserFromTeam", resp, "Deprecation", wantOrgDeprecation)
	checkHeader(t, "RemoveUserFromTeam", resp, "Sunset", wantSunset)
	member.teamIDs = []string{c}
	getOrgUser(t, users, "GetOrgUser(member) after RemoveUserFromTeam", member)
	resp, err = teams.RemoveUserFromTeam(ctx, acmeOrgID, a, member.id).Execute()
	expectAPIError(t, "RemoveUserFromTeam(A, member) again", resp, err, http.StatusNotFound, "USER_NOT_IN_TEAM")

	member.teamIDs = []string{a, c}
	accounts, resp, err := teams.AddTeamUsers(ctx, acmeOrgID, a, &[]admin.AddUserToTeam{{Id: member.id}}).Execute()
	requireStatus(t, "AddTeamUsers(A, [member])", resp, err, http.StatusOK)
	checkDeprecatedUsersHeaders(t, "AddTeamUsers", resp)
	checkTeamAccounts(t, "AddTeamUsers(A, [member])", accounts, a, member)
	getOrgUser(t, users, "GetOrgUser(member) after AddTeamUsers", member)

	// Project teams on acme-prod. The answers of AddGroupTeams and UpdateGroupTeam page every team of the project.
	before := groupTeamRoles(listGroupTeams(t, teams, "ListGroupTeams(acme-prod) before", prodGroupID))
	inProd := cloneRoles(before)
	inProd[a] = []string{"GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY"}
	inProd[b] = []string{"GROUP_CLUSTER_MANAGER", "GROUP_DATA_ACCESS_READ_ONLY"} // shares one role with A after its update
	answer, resp, err := teams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{
		{TeamId: a, RoleNames: inProd[a]}, {TeamId: b, RoleNames: inProd[b]},
	}).Execute()
	requireStatus(t, "AddGroupTeams(acme-prod, [A, B])", resp, err, http.StatusOK)
	checkHeader(t, "AddGroupTeams", resp, "Content-Type", wantContentType)
	checkGroupTeamsPage(t, "AddGroupTeams(acme-prod, [A, B])", answer, prodGroupID, inProd, groupTeamsHref(prodGroupID, ""))
	inProd[c] = []string{"GROUP_DATA_ACCESS_ADMIN"}
	answer, resp, err = teams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{{TeamId: c, RoleNames: inProd[c]}}).Execute()
	requireStatus(t, "AddGroupTeams(acme-prod, [C])", resp, err, http.StatusOK)
	checkGroupTeamsPage(t, "AddGroupTeams(acme-prod, [C]) answers A and B too", answer, prodGroupID, inProd, groupTeamsHref(prodGroupID, ""))

	_, resp, err = teams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{{TeamId: a, RoleNames: []string{"GROUP_OWNER"}}}).Execute()
	expectAPIError(t, "AddGroupTeams(acme-prod, [A]) again", resp, err, http.StatusConflict, "TEAM_EXISTS_IN_GROUP")
	_, resp, err = teams.AddGroupTeams(ctx, devGroupID, &[]admin.TeamRole{{TeamId: a, RoleNames: []string{"ORG_OWNER"}}}).Execute()
	expectAPIError(t, "AddGroupTeams(acme-dev, [A with ORG_OWNER])", resp, err, http.StatusBadRequest, "INVALID_ROLE_FOR_GROUP")
	getGroupTeam(t, teams, "GetGroupTeam(acme-prod, A) after the refused adds", prodGroupID, a, inProd[a])
	_, resp, err = teams.GetGroupTeam(ctx, devGroupID, a).Execute()
	expectAPIError(t, "GetGroupTeam(acme-dev, A): not assigned there", resp, err, http.StatusNotFound, "TEAM_NOT_IN_GROUP")

	whole := listGroupTeams(t, teams, "ListGroupTeams(acme-prod)", prodGroupID)
	checkGroupTeams(t, "ListGroupTeams(acme-prod)", whole, prodGroupID, inProd)
	checkGroupTeamPages(t, teams, prodGroupID, whole)

	// UpdateGroupTeam: the roles read back exactly as written, order included.
	inProd[a] = []string{"GROUP_DATA_ACCESS_READ_WRITE", "GROUP_CLUSTER_MANAGER"}
	answer, resp, err = teams.UpdateGroupTeam(ctx, prodGroupID, a, &admin.TeamRole{TeamId: a, RoleNames: inProd[a]}).Execute()
	requireStatus(t, "UpdateGroupTeam(acme-prod, A)", resp, err, http.StatusOK)
	checkHeader(t, "UpdateGroupTeam", resp, "Content-Type", wantContentType)
	checkGroupTeamsPage(t, "UpdateGroupTeam(acme-prod, A)", answer, prodGroupID, inProd, groupTeamsHref(prodGroupID, a))
	getGroupTeam(t, teams, "GetGroupTeam(acme-prod, A) after UpdateGroupTeam", prodGroupID, a, inProd[a])
	_, resp, err = teams.UpdateGroupTeam(ctx, prodGroupID, a, &admin.TeamRole{TeamId: a, RoleNames: []string{}}).Execute()
	expectAPIError(t, "UpdateGroupTeam(acme-prod, A) with no roles", resp, err, http.StatusForbidden, "NO_ROLES_IN_ASSIGNMENT")
	_, resp, err = teams.UpdateGroupTeam(ctx, devGroupID, a, &admin.TeamRole{TeamId: a, RoleNames: []string{"GROUP_READ_ONLY"}}).Execute()
	expectAPIError(t, "UpdateGroupTeam(acme-dev, A): not assigned there", resp, err, http.StatusNotFound, "TEAM_NOT_IN_GROUP")
	checkGroupTeams(t, "ListGroupTeams(acme-prod) after the refused updates",
		listGroupTeams(t, teams, "ListGroupTeams(acme-prod) after the refused updates", prodGroupID), prodGroupID, inProd)

	// The teams' roles: ListGroupUsers with flattenTeams unites each member's own roles with its teams'; without
	// it, and in GetGroupUser and the org user, only the roles granted to the person show.
	teamRoles := func(ids ...string) []string {
		var roles []string
		for _, id := range ids {
			for _, r := range inProd[id] {
				if !slices.Contains(roles, r) {
					roles = append(roles, r)
				}
			}
		}
		return roles
	}
	memberInProd := wantGroupUser{id: member.id, username: memberName, status: "ACTIVE", roles: []string{"GROUP_READ_ONLY"}}
	pendingInProd := wantGroupUser{
		id: pending.id, username: pending.username, status: "PENDING", inviter: who.inviter,
		invited: pending.invited, expires: pending.expires,
	}
	flatMember, flatPending := memberInProd, pendingInProd
	flatMember.roles = append(teamRoles(a, c), "GROUP_READ_ONLY")
	flatPending.roles = teamRoles(a, b)
	checkProjectMember(t, users, "(member)", prodGroupID, memberInProd, flatMember)
	checkProjectMember(t, users, "(pending team member)", prodGroupID, wantGroupUser{username: pending.username}, flatPending)
	getGroupUser(t, users, "GetGroupUser(acme-prod, member) with its teams in acme-prod", prodGroupID, memberInProd)
	_, resp, err = users.GetGroupUser(ctx, prodGroupID, pending.id).Execute()
	expectAPIError(t, "GetGroupUser(acme-prod, pending team member without roles of its own)", resp, err,
		http.StatusNotFound, "USER_NOT_IN_GROUP")
	getOrgUser(t, users, "GetOrgUser(member) with its teams in acme-prod", member)
	getOrgUser(t, users, "GetOrgUser(pending) with its teams in acme-prod", pending)

	// DeleteOrgTeam is refused while a project holds the team.
	resp, err = teams.DeleteOrgTeam(ctx, acmeOrgID, a).Execute()
	expectAPIError(t, "DeleteOrgTeam(A) while acme-prod holds it", resp, err, http.StatusNotFound, "CANNOT_DELETE_TEAM_ASSIGNED_TO_PROJECT")
	getTeam(t, teams, "GetOrgTeam(A) after the refused delete", a, nameA)
	getGroupTeam(t, teams, "GetGroupTeam(acme-prod, A) after the refused delete", prodGroupID, a, inProd[a])

	// RemoveGroupTeam: 204, and the team's roles are gone from its members.
	resp, err = teams.RemoveGroupTeam(ctx, prodGroupID, a).Execute()
	requireStatus(t, "RemoveGroupTeam(acme-prod, A)", resp, err, http.StatusNoContent)
	delete(inProd, a)
	_, resp, err = teams.GetGroupTeam(ctx, prodGroupID, a).Execute()
	expectAPIError(t, "GetGroupTeam(acme-prod, A) after RemoveGroupTeam", resp, err, http.StatusNotFound, "TEAM_NOT_IN_GROUP")
	resp, err = teams.RemoveGroupTeam(ctx, prodGroupID, a).Execute()
	expectAPIError(t, "RemoveGroupTeam(acme-prod, A) again", resp, err, http.StatusNotFound, "TEAM_NOT_IN_GROUP")
	checkGroupTeams(t, "ListGroupTeams(acme-prod) after RemoveGroupTeam(A)",
		listGroupTeams(t, teams, "ListGroupTeams(acme-prod) after RemoveGroupTeam(A)", prodGroupID), prodGroupID, inProd)
	flatMember.roles = append(teamRoles(c), "GROUP_READ_ONLY")
	flatPending.roles = teamRoles(b)
	checkProjectMember(t, users, "(member) after RemoveGroupTeam(A)", prodGroupID, memberInProd, flatMember)
	checkProjectMember(t, users, "(pending team member) after RemoveGroupTeam(A)", prodGroupID, wantGroupUser{username: pending.username}, flatPending)

	for _, id := range []string{b, c} {
		resp, err = teams.RemoveGroupTeam(ctx, prodGroupID, id).Execute()
		requireStatus(t, "RemoveGroupTeam(acme-prod, "+id+")", resp, err, http.StatusNoContent)
		delete(inProd, id)
	}
	checkGroupTeams(t, "ListGroupTeams(acme-prod) after removing the run's teams",
		listGroupTeams(t, teams, "ListGroupTeams(acme-prod) after removing the run's teams", prodGroupID), prodGroupID, before)
	checkProjectMember(t, users, "(member) with no team in acme-prod", prodGroupID, memberInProd, memberInProd)
	checkProjectMember(t, users, "(pending) with no team in acme-prod", prodGroupID, wantGroupUser{username: pending.username}, wantGroupUser{username: pending.username})

	// DeleteOrgTeam: 204, the team is gone and so are its memberships.
	for _, team := range []struct{ id, name string }{{a, nameA}, {b, nameB}, {c, nameC2}} {
		resp, err = teams.DeleteOrgTeam(ctx, acmeOrgID, team.id).Execute()
		requireStatus(t, "DeleteOrgTeam("+team.name+")", resp, err, http.StatusNoContent)
		_, resp, err = teams.GetOrgTeam(ctx, acmeOrgID, team.id).Execute()
		expectAPIError(t, "GetOrgTeam after DeleteOrgTeam("+team.name+")", resp, err, http.StatusNotFound, "TEAM_NOT_FOUND")
		_, resp, err = teams.GetTeamByName(ctx, acmeOrgID, team.name).Execute()
		expectAPIError(t, "GetTeamByName after DeleteOrgTeam("+team.name+")", resp, err, http.StatusNotFound, "TEAM_NAME_NOT_FOUND")
	}
	resp, err = teams.DeleteOrgTeam(ctx, acmeOrgID, a).Execute()
	expectAPIError(t, "DeleteOrgTeam(A) again", resp, err, http.StatusNotFound, "TEAM_NOT_FOUND")
	_, resp, err = users.ListTeamUsers(ctx, acmeOrgID, a).Execute()
	expectAPIError(t, "ListTeamUsers of the deleted team A", resp, err, http.StatusNotFound, "TEAM_NOT_FOUND")
	ids = ids[:0]
	for _, team := range listOrgTeams(t, teams, "ListOrgTeams after DeleteOrgTeam") {
		ids = append(ids, team.GetId())
	}
	assertIDs(t, "ListOrgTeams after DeleteOrgTeam", ids, []string{platformTeamID}, []string{a, b, c}, ids)
	member.teamIDs, pending.teamIDs = []string{}, []string{}
	getOrgUser(t, users, "GetOrgUser(member) after DeleteOrgTeam", member)
	getOrgUser(t, users, "GetOrgUser(pending) after DeleteOrgTeam", pending)
	checkUserInvitation(t, who.client, "ListOrgInvites.Username(pending) after DeleteOrgTeam", pending)
}

// Requests by other principals, and for another org's team, that the server
// must refuse and that change nothing.
func TestTeamsErrors(t *testing.T) {
	ctx := t.Context()
	owner := digestPrincipal(t, ownerKey)
	ownerTeams, ownerUsers := owner.client.TeamsApi, owner.client.MongoDBCloudUsersApi

	// Fixture: a team of one pending user, assigned to acme-prod.
	pending := createPendingOrgUser(t, owner)
	name := newTeamName(t)
	team := createTeam(t, ownerTeams, "setup: CreateOrgTeam", name, pending.username)
	if team == "" {
		t.FailNow()
	}
	pending.teamIDs = []string{team}
	roles := []string{"GROUP_READ_ONLY"}
	_, resp, err := ownerTeams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{{TeamId: team, RoleNames: roles}}).Execute()
	requireStatus(t, "setup: AddGroupTeams(acme-prod)", resp, err, http.StatusOK)
	ownerID := orgUserID(t, ownerUsers, ownerUsername)
	unchanged := func(t *testing.T, op string) {
		t.Helper()
		getTeam(t, ownerTeams, "GetOrgTeam "+op, team, name)
		getGroupTeam(t, ownerTeams, "GetGroupTeam(acme-prod) "+op, prodGroupID, team, roles)
		checkTeamUsers(t, "ListTeamUsers "+op,
			listTeamUsers(t, ownerUsers, "ListTeamUsers "+op, admin.ListTeamUsersApiParams{TeamId: team}), []wantOrgUser{pending})
		_, resp, err := ownerTeams.GetTeamByName(ctx, acmeOrgID, name+"-x").Execute()
		expectAPIError(t, "GetTeamByName(refused new name) "+op, resp, err, http.StatusNotFound, "TEAM_NAME_NOT_FOUND")
	}

	t.Run("read-only key", func(t *testing.T) {
		// acmeread (ORG_MEMBER, GROUP_READ_ONLY on acme-prod) reads Acme's and acme-prod's teams, changes none.
		c := newClient(t, readKey)
		teams, users := c.TeamsApi, c.MongoDBCloudUsersApi
		list, resp, err := teams.ListOrgTeams(ctx, acmeOrgID).Execute()
		requireStatus(t, "ListOrgTeams as acmeread", resp, err, http.StatusOK)
		if !slices.ContainsFunc(list.GetResults(), func(r admin.TeamResponse) bool { return r.GetId() == team }) {
			t.Errorf("ListOrgTeams as acmeread does not list team %s: %s", team, asJSON(list))
		}
		getTeam(t, teams, "GetOrgTeam as acmeread", team, name)
		byName, resp, err := teams.GetTeamByName(ctx, acmeOrgID, name).Execute()
		requireStatus(t, "GetTeamByName as acmeread", resp, err, http.StatusOK)
		checkTeam(t, "GetTeamByName as acmeread", byName, team, name)
		checkTeamUsers(t, "ListTeamUsers as acmeread",
			listTeamUsers(t, users, "ListTeamUsers as acmeread", admin.ListTeamUsersApiParams{TeamId: team}), []wantOrgUser{pending})
		checkGroupTeams(t, "ListGroupTeams(acme-prod) as acmeread",
			listGroupTeams(t, teams, "ListGroupTeams(acme-prod) as acmeread", prodGroupID), prodGroupID, map[string][]string{team: roles})
		getGroupTeam(t, teams, "GetGroupTeam(acme-prod) as acmeread", prodGroupID, team, roles)

		for _, op := range teamWriteOps(c, team, name+"-x", ownerID, pending) {
			resp, err := op.call(ctx)
			expectAPIError(t, op.name+" as acmeread", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		}
		unchanged(t, "after the refused requests of acmeread")
	})

	t.Run("key of another org", func(t *testing.T) {
		c := newClient(t, otherKey)
		teams, users := c.TeamsApi, c.MongoDBCloudUsersApi
		_, resp, err := teams.ListOrgTeams(ctx, acmeOrgID).Execute()
		expectAPIError(t, "ListOrgTeams(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		_, resp, err = teams.GetOrgTeam(ctx, acmeOrgID, team).Execute()
		expectAPIError(t, "GetOrgTeam(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		_, resp, err = teams.GetTeamByName(ctx, acmeOrgID, name).Execute()
		expectAPIError(t, "GetTeamByName(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		_, resp, err = users.ListTeamUsers(ctx, acmeOrgID, team).Execute()
		expectAPIError(t, "ListTeamUsers(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		_, resp, err = teams.ListGroupTeams(ctx, prodGroupID).Execute()
		expectAPIError(t, "ListGroupTeams(acme-prod) as otherown", resp, err, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP")
		_, resp, err = teams.GetGroupTeam(ctx, prodGroupID, team).Execute()
		expectAPIError(t, "GetGroupTeam(acme-prod) as otherown", resp, err, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP")
		_, resp, err = teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{Name: name + "-x", Usernames: []string{pending.username}}).Execute()
		expectAPIError(t, "CreateOrgTeam(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		resp, err = teams.DeleteOrgTeam(ctx, acmeOrgID, team).Execute()
		expectAPIError(t, "DeleteOrgTeam(Acme) as otherown", resp, err, http.StatusUnauthorized, "USER_UNAUTHORIZED")
		resp, err = teams.RemoveGroupTeam(ctx, prodGroupID, team).Execute()
		expectAPIError(t, "RemoveGroupTeam(acme-prod) as otherown", resp, err, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP")
		unchanged(t, "after the refused requests of otherown")
	})

	t.Run("team of another org", func(t *testing.T) {
		// Acme's owner reaches Other's team through Acme's paths: answered as a missing team.
		for _, op := range []projectOp{
			{"GetOrgTeam", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerTeams.GetOrgTeam(ctx, acmeOrgID, otherTeamID).Execute()
				return resp, err
			}},
			{"RenameOrgTeam", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerTeams.RenameOrgTeam(ctx, acmeOrgID, otherTeamID, &admin.TeamUpdate{Name: name + "-x"}).Execute()
				return resp, err
			}},
			{"DeleteOrgTeam", func(ctx context.Context) (*http.Response, error) {
				return ownerTeams.DeleteOrgTeam(ctx, acmeOrgID, otherTeamID).Execute()
			}},
			{"ListTeamUsers", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerUsers.ListTeamUsers(ctx, acmeOrgID, otherTeamID).Execute()
				return resp, err
			}},
			{"AddOrgTeamUser", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerUsers.AddOrgTeamUser(ctx, acmeOrgID, otherTeamID, &admin.AddOrRemoveUserFromTeam{Id: pending.id}).Execute()
				return resp, err
			}},
			{"AddTeamUsers", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerTeams.AddTeamUsers(ctx, acmeOrgID, otherTeamID, &[]admin.AddUserToTeam{{Id: ownerID}}).Execute()
				return resp, err
			}},
			{"AddGroupTeams(acme-prod)", func(ctx context.Context) (*http.Response, error) {
				_, resp, err := ownerTeams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{{TeamId: otherTeamID, RoleNames: roles}}).Execute()
				return resp, err
			}},
		} {
			resp, err := op.call(ctx)
			expectAPIError(t, op.name+"(team of another org) as acmeownr", resp, err, http.StatusNotFound, "TEAM_NOT_FOUND")
		}
		// The team exists, unchanged, for its own org.
		other := newClient(t, otherKey).TeamsApi
		got, resp, err := other.GetOrgTeam(ctx, otherOrgID, otherTeamID).Execute()
		requireStatus(t, "GetOrgTeam(Other's team) as otherown", resp, err, http.StatusOK)
		var p problems
		if got.GetId() != otherTeamID || got.GetName() != "other-team" {
			p.addf("want team %s named other-team", otherTeamID)
		}
		p.report(t, "GetOrgTeam(Other's team) as otherown", got)
		checkGroupTeams(t, "ListGroupTeams(acme-prod) after the refused requests",
			listGroupTeams(t, ownerTeams, "ListGroupTeams(acme-prod) after the refused requests", prodGroupID),
			prodGroupID, map[string][]string{team: roles})
		getOrgUser(t, ownerUsers, "GetOrgUser(pending) after the refused requests", pending)
	})

	// Clean up: the team leaves acme-prod and is deleted.
	resp, err = ownerTeams.RemoveGroupTeam(ctx, prodGroupID, team).Execute()
	requireStatus(t, "cleanup: RemoveGroupTeam(acme-prod)", resp, err, http.StatusNoContent)
	resp, err = ownerTeams.DeleteOrgTeam(ctx, acmeOrgID, team).Execute()
	requireStatus(t, "cleanup: DeleteOrgTeam", resp, err, http.StatusNoContent)
}

// teamWriteOps: every operation that changes a team, its members or its
// project roles, on team (assigned to acme-prod), with newName for creates and
// renames, activeID an active user not on it and pending a pending member.
func teamWriteOps(c *admin.APIClient, team, newName, activeID string, pending wantOrgUser) []projectOp {
	teams, users := c.TeamsApi, c.MongoDBCloudUsersApi
	return []projectOp{
		{"CreateOrgTeam", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := teams.CreateOrgTeam(ctx, acmeOrgID, &admin.Team{Name: newName, Usernames: []string{pending.username}}).Execute()
			return resp, err
		}},
		{"RenameOrgTeam", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := teams.RenameOrgTeam(ctx, acmeOrgID, team, &admin.TeamUpdate{Name: newName}).Execute()
			return resp, err
		}},
		{"DeleteOrgTeam", func(ctx context.Context) (*http.Response, error) {
			return teams.DeleteOrgTeam(ctx, acmeOrgID, team).Execute()
		}},
		{"AddOrgTeamUser", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := users.AddOrgTeamUser(ctx, acmeOrgID, team, &admin.AddOrRemoveUserFromTeam{Id: activeID}).Execute()
			return resp, err
		}},
		{"RemoveOrgTeamUser", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := users.RemoveOrgTeamUser(ctx, acmeOrgID, team, &admin.AddOrRemoveUserFromTeam{Id: pending.id}).Execute()
			return resp, err
		}},
		{"AddTeamUsers", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := teams.AddTeamUsers(ctx, acmeOrgID, team, &[]admin.AddUserToTeam{{Id: activeID}}).Execute()
			return resp, err
		}},
		{"RemoveUserFromTeam", func(ctx context.Context) (*http.Response, error) {
			return teams.RemoveUserFromTeam(ctx, acmeOrgID, team, pending.id).Execute()
		}},
		{"AddGroupTeams(acme-prod)", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := teams.AddGroupTeams(ctx, prodGroupID, &[]admin.TeamRole{{TeamId: team, RoleNames: []string{"GROUP_OWNER"}}}).Execute()
			return resp, err
		}},
		{"UpdateGroupTeam(acme-prod)", func(ctx context.Context) (*http.Response, error) {
			_, resp, err := teams.UpdateGroupTeam(ctx, prodGroupID, team, &admin.TeamRole{TeamId: team, RoleNames: []string{"GROUP_OWNER"}}).Execute()
			return resp, err
		}},
		{"RemoveGroupTeam(acme-prod)", func(ctx context.Context) (*http.Response, error) {
			return teams.RemoveGroupTeam(ctx, prodGroupID, team).Execute()
		}},
	}
}

// ---------------------------------------------------------------------------
// Setup

// newTeamName returns a team name no other test uses.
func newTeamName(t *testing.T) string {
	return strings.TrimSuffix(newUsername(t), "@invitee.test")
}

// createPendingOrgUser invites a new username to Acme as who (ORG_MEMBER) and
// returns the pending user as the checks expect it.
func createPendingOrgUser(t *testing.T, who principal) wantOrgUser {
	t.Helper()
	want := wantOrgUser{
		username: newUsername(t), status: "PENDING", orgRoles: []string{"ORG_MEMBER"},
		groupRoles: []string{}, teamIDs: []string{}, inviter: who.inviter,
	}
	got, resp, err := who.client.MongoDBCloudUsersApi.CreateOrgUser(t.Context(), acmeOrgID, &admin.OrgUserRequest{
		Username: want.username, Roles: admin.OrgUserRolesRequest{OrgRoles: want.orgRoles},
	}).Execute()
	requireStatus(t, "setup: CreateOrgUser", resp, err, http.StatusCreated)
	checkOrgUser(t, "setup: CreateOrgUser", got, want)
	if got.Id == "" {
		t.Fatal("setup: CreateOrgUser returned no id")
	}
	want.id, want.invited, want.expires = got.Id, got.InvitationCreatedAt, got.InvitationExpiresAt
	return want
}

// createTeam creates a team in Acme and checks the 201 answer: the Atlas
// headers, the Location, and {id, links, name, usernames}. It returns the id,
// "" if there is none.
func createTeam(t *testing.T, teams admin.TeamsApi, op, name string, usernames ...string) string {
	t.Helper()
	got, resp, err := teams.CreateOrgTeam(t.Context(), acmeOrgID, &admin.Team{Name: name, Usernames: usernames}).Execute()
	requireStatus(t, op, resp, err, http.StatusCreated)
	checkHeader(t, op, resp, "Content-Type", wantContentType)
	if dep := resp.Header.Values("Deprecation"); len(dep) != 0 {
		t.Errorf("%s: Deprecation %q, want none", op, dep)
	}
	if got == nil {
		t.Errorf("%s: no team was decoded", op)
		return ""
	}
	var p problems
	p.checkTeamFields(got.Id, got.Links, &got.Name, "", name)
	if !sameSet(got.Usernames, usernames) {
		p.addf("usernames %q, want %q", got.Usernames, usernames)
	}
	p.report(t, op, got)
	// As recorded, the Location leaves out the API prefix.
	checkHeader(t, op, resp, "Location", baseURL+"/orgs/"+acmeOrgID+"/teams/"+got.GetId())
	return got.GetId()
}

// ---------------------------------------------------------------------------
// Org teams

func orgTeamsHref() string { return baseURL + "/api/atlas/v2/orgs/" + acmeOrgID + "/teams" }

func teamUsersHref(teamID string) string { return orgTeamsHref() + "/" + teamID + "/users" }

// checkTeamFields: id (want id if set), exactly one link, self, to the team, and the name.
func (p *problems) checkTeamFields(id *string, links *[]admin.Link, name *string, wantID, wantName string) {
	if id == nil {
		p.addf("id is missing")
		return
	}
	p.checkID(*id)
	if wantID != "" && *id != wantID {
		p.addf("id %q, want %q", *id, wantID)
	}
	if name == nil || *name != wantName {
		p.addf("name %v, want %q", asJSON(name), wantName)
	}
	if links == nil {
		p.addf("links are missing")
		return
	}
	p.checkLinks(*links, []admin.Link{{Rel: ptr("self"), Href: ptr(orgTeamsHref() + "/" + *id)}})
}

// checkTeam checks a TeamResponse: {id, links: [self], name}.
func checkTeam(t *testing.T, op string, got *admin.TeamResponse, id, name string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no team was decoded", op)
		return
	}
	var p problems
	p.checkTeamFields(got.Id, got.Links, got.Name, id, name)
	p.report(t, op, got)
}

func getTeam(t *testing.T, teams admin.TeamsApi, op, id, name string) {
	t.Helper()
	got, resp, err := teams.GetOrgTeam(t.Context(), acmeOrgID, id).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkHeader(t, op, resp, "Content-Type", wantContentType)
	checkTeam(t, op, got, id, name)
}

// listOrgTeams lists all of Acme's teams in one page of 500.
func listOrgTeams(t *testing.T, teams admin.TeamsApi, op string) []admin.TeamResponse {
	t.Helper()
	list, resp, err := teams.ListOrgTeamsWithParams(t.Context(), &admin.ListOrgTeamsApiParams{
		OrgId: acmeOrgID, ItemsPerPage: ptr(500),
	}).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkWholeList(t, op, len(list.GetResults()), list.TotalCount, list.Links)
	checkSelfHref(t, op, list.GetLinks(), orgTeamsHref()+"?includeCount=true&pageNum=1&itemsPerPage=500", true)
	return list.GetResults()
}

// checkOrgTeamPages reads Acme's teams perPage at a time, as checkOrgUserPages does for its users.
func checkOrgTeamPages(t *testing.T, teams admin.TeamsApi, whole []string) {
	t.Helper()
	checkPages(t, "ListOrgTeams", whole, func(pageNum int, includeCount bool) (page, *http.Response, error) {
		list, resp, err := teams.ListOrgTeamsWithParams(t.Context(), &admin.ListOrgTeamsApiParams{
			OrgId: acmeOrgID, ItemsPerPage: ptr(perPage), PageNum: ptr(pageNum), IncludeCount: ptr(includeCount),
		}).Execute()
		var got page
		for _, team := range list.GetResults() {
			got.ids = append(got.ids, team.GetId())
		}
		if list != nil {
			got.total, got.links = list.TotalCount, list.GetLinks()
		}
		return got, resp, err
	}, func(pageNum int, includeCount bool) string {
		return fmt.Sprintf("%s?includeCount=%t&pageNum=%d&itemsPerPage=%d", orgTeamsHref(), includeCount, pageNum, perPage)
	})
}

// checkSelfHref: the list's only link is self, with href want: byte for byte
// when exact (the recorded form), else the same URL in any parameter order.
func checkSelfHref(t *testing.T, op string, links []admin.Link, want string, exact bool) {
	t.Helper()
	if len(links) != 1 || links[0].GetRel() != "self" {
		t.Errorf("%s: links %q, want only self %s", op, linkList(links), want)
		return
	}
	if got := links[0].GetHref(); got != want && (exact || !sameURL(got, want)) {
		t.Errorf("%s: self link %s, want %s", op, got, want)
	}
}

// ---------------------------------------------------------------------------
// Team users

// listTeamUsers lists a team's users with params (OrgId is set here) and
// checks the one page: 2025-02-19, totalCount, and the self link
// ?<filters>&pageNum=1&itemsPerPage=100 (byte for byte when unfiltered, as
// recorded).
func listTeamUsers(t *testing.T, users admin.MongoDBCloudUsersApi, op string, params admin.ListTeamUsersApiParams) []admin.OrgUserResponse {
	t.Helper()
	params.OrgId = acmeOrgID
	list, resp, err := users.ListTeamUsersWithParams(t.Context(), &params).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkHeader(t, op, resp, "Content-Type", wantUsersContentType)
	checkWholeList(t, op, len(list.GetResults()), list.TotalCount, list.Links)
	filters := url.Values{}
	for name, v := range map[string]*string{"username": params.Username, "orgMembershipStatus": params.OrgMembershipStatus, "userId": params.UserId} {
		if v != nil {
			filters.Set(name, *v)
		}
	}
	if params.OrgMembershipStatuses != nil {
		filters["orgMembershipStatuses"] = *params.OrgMembershipStatuses
	}
	want := teamUsersHref(params.TeamId) + "?pageNum=1&itemsPerPage=100"
	if len(filters) > 0 {
		want = teamUsersHref(params.TeamId) + "?" + filters.Encode() + "&pageNum=1&itemsPerPage=100"
	}
	checkSelfHref(t, op, list.GetLinks(), want, len(filters) == 0)
	return list.GetResults()
}

// checkTeamUsers: exactly want, in username order, each checked in full.
func checkTeamUsers(t *testing.T, op string, got []admin.OrgUserResponse, want []wantOrgUser) {
	t.Helper()
	var gotNames, wantNames []string
	for _, u := range got {
		gotNames = append(gotNames, u.Username)
	}
	for _, u := range want {
		wantNames = append(wantNames, u.username)
	}
	slices.Sort(wantNames)
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("%s: users %q, want %q (in username order): %s", op, gotNames, wantNames, asJSON(got))
		return
	}
	for i := range got {
		for _, w := range want {
			if w.username == got[i].Username {
				checkOrgUser(t, op+": "+w.username, &got[i], w)
			}
		}
	}
}

func usersWithStatus(list []wantOrgUser, status string) []wantOrgUser {
	return slices.DeleteFunc(slices.Clone(list), func(u wantOrgUser) bool { return u.status != status })
}

func usersExcept(list []wantOrgUser, id string) []wantOrgUser {
	return slices.DeleteFunc(slices.Clone(list), func(u wantOrgUser) bool { return u.id == id })
}

// checkTeamAccounts checks the deprecated addTeamUsers answer: the team's
// active members only, as CloudAppUser, one page with its self link (recorded:
// iam/atlasteamusers/TestAtlasTeamUsers/Add).
func checkTeamAccounts(t *testing.T, op string, got *admin.PaginatedApiAppUser, teamID string, members ...wantOrgUser) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nothing was decoded", op)
		return
	}
	checkWholeList(t, op, len(got.GetResults()), got.TotalCount, got.Links)
	checkSelfHref(t, op, got.GetLinks(), teamUsersHref(teamID)+"?pageNum=1&itemsPerPage=100", true)
	if len(got.GetResults()) != len(members) {
		t.Errorf("%s: %d users, want the %d active members: %s", op, len(got.GetResults()), len(members), asJSON(got))
		return
	}
	for _, want := range members {
		i := slices.IndexFunc(got.GetResults(), func(u admin.CloudAppUser) bool { return u.GetId() == want.id })
		if i < 0 {
			t.Errorf("%s: member %s is missing: %s", op, want.username, asJSON(got))
			continue
		}
		u := got.GetResults()[i]
		var p problems
		if u.Username != want.username || u.EmailAddress != want.username {
			p.addf("username %q, emailAddress %q, want both %q", u.Username, u.EmailAddress, want.username)
		}
		if u.TeamIds == nil || !sameSet(*u.TeamIds, want.teamIDs) {
			p.addf("teamIds %s, want %q", asJSON(u.TeamIds), want.teamIDs)
		}
		var roles []string
		for _, r := range u.Roles {
			switch {
			case r.OrgId != nil && r.GroupId == nil:
				roles = append(roles, "org "+r.GetOrgId()+"/"+r.GetRoleName())
			case r.GroupId != nil && r.OrgId == nil:
				roles = append(roles, r.GetGroupId()+"/"+r.GetRoleName())
			default:
				p.addf("role %s names neither or both of orgId and groupId", asJSON(r))
			}
		}
		wantRoles := []string{}
		for _, r := range want.orgRoles {
			wantRoles = append(wantRoles, "org "+acmeOrgID+"/"+r)
		}
		wantRoles = append(wantRoles, want.groupRoles...)
		if !sameSet(roles, wantRoles) {
			p.addf("roles (as [org ]id/role) %q, want %q", roles, wantRoles)
		}
		if u.FirstName == "" || u.Country == "" {
			p.addf("firstName %q, country %q, want both set for an active user", u.FirstName, u.Country)
		}
		if u.CreatedAt == nil || u.LastAuth == nil {
			p.addf("createdAt %v, lastAuth %v, want both set", u.CreatedAt, u.LastAuth)
		}
		if u.Password != "" {
			p.addf("a password is returned")
		}
		if u.Links == nil {
			p.addf("links are missing")
		} else {
			p.checkLinks(*u.Links, []admin.Link{{Rel: ptr("self"), Href: ptr(baseURL + "/api/atlas/v2/users/" + want.id)}})
		}
		p.report(t, op+": "+want.username, u)
	}
}

// ---------------------------------------------------------------------------
// Project teams

// groupTeamsHref is the project's teams list, or the path of one of its teams;
// with the query the answers of addGroupTeams and updateGroupTeam carry.
func groupTeamsHref(groupID, teamID string) string {
	href := baseURL + "/api/atlas/v2/groups/" + groupID + "/teams"
	if teamID != "" {
		href += "/" + teamID
	}
	return href + "?pageNum=1&itemsPerPage=100"
}

func groupTeamHref(groupID, teamID string) string {
	return baseURL + "/api/atlas/v2/groups/" + groupID + "/teams/" + teamID
}

// checkTeamRole: the team's self link in the project, and its roles exactly
// as written, order included.
func (p *problems) checkTeamRole(got admin.TeamRole, groupID string, roles []string) {
	if !slices.Equal(got.RoleNames, roles) {
		p.addf("team %s: roleNames %q, want exactly %q (as written, in that order)", got.TeamId, got.RoleNames, roles)
	}
	if got.Links == nil {
		p.addf("team %s: links are missing", got.TeamId)
	} else {
		p.checkLinks(*got.Links, []admin.Link{{Rel: ptr("self"), Href: ptr(groupTeamHref(groupID, got.TeamId))}})
	}
}

// checkGroupTeams: the project's teams are exactly want (team id → roles).
func checkGroupTeams(t *testing.T, op string, got []admin.TeamRole, groupID string, want map[string][]string) {
	t.Helper()
	var p problems
	seen := map[string]bool{}
	for _, team := range got {
		if seen[team.TeamId] {
			p.addf("team %s is listed twice", team.TeamId)
		}
		seen[team.TeamId] = true
		roles, ok := want[team.TeamId]
		if !ok {
			p.addf("team %s is listed, but the project does not hold it", team.TeamId)
			continue
		}
		p.checkTeamRole(team, groupID, roles)
	}
	for id := range want {
		if !seen[id] {
			p.addf("team %s is missing", id)
		}
	}
	p.report(t, op, got)
}

// checkGroupTeamsPage checks an answer of addGroupTeams or updateGroupTeam:
// every team of the project, in one page linked from selfHref.
func checkGroupTeamsPage(t *testing.T, op string, got *admin.PaginatedTeamRole, groupID string, want map[string][]string, selfHref string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nothing was decoded", op)
		return
	}
	checkWholeList(t, op, len(got.GetResults()), got.TotalCount, got.Links)
	checkSelfHref(t, op, got.GetLinks(), selfHref, true)
	checkGroupTeams(t, op, got.GetResults(), groupID, want)
}

// listGroupTeams lists all of a project's teams in one page of 500.
func listGroupTeams(t *testing.T, teams admin.TeamsApi, op, groupID string) []admin.TeamRole {
	t.Helper()
	list, resp, err := teams.ListGroupTeamsWithParams(t.Context(), &admin.ListGroupTeamsApiParams{
		GroupId: groupID, ItemsPerPage: ptr(500),
	}).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkHeader(t, op, resp, "Content-Type", wantContentType)
	checkWholeList(t, op, len(list.GetResults()), list.TotalCount, list.Links)
	checkSelfHref(t, op, list.GetLinks(),
		baseURL+"/api/atlas/v2/groups/"+groupID+"/teams?includeCount=true&pageNum=1&itemsPerPage=500", true)
	return list.GetResults()
}

func groupTeamRoles(list []admin.TeamRole) map[string][]string {
	roles := map[string][]string{}
	for _, team := range list {
		roles[team.TeamId] = team.RoleNames
	}
	return roles
}

func cloneRoles(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

func getGroupTeam(t *testing.T, teams admin.TeamsApi, op, groupID, teamID string, roles []string) {
	t.Helper()
	got, resp, err := teams.GetGroupTeam(t.Context(), groupID, teamID).Execute()
	requireStatus(t, op, resp, err, http.StatusOK)
	checkHeader(t, op, resp, "Content-Type", wantContentType)
	var p problems
	if got.TeamId != teamID {
		p.addf("teamId %q, want %q", got.TeamId, teamID)
	}
	p.checkTeamRole(*got, groupID, roles)
	p.report(t, op, got)
}

// checkGroupTeamPages reads a project's teams perPage at a time.
func checkGroupTeamPages(t *testing.T, teams admin.TeamsApi, groupID string, whole []admin.TeamRole) {
	t.Helper()
	ids := make([]string, len(whole))
	for i, team := range whole {
		ids[i] = team.TeamId
	}
	checkPages(t, "ListGroupTeams("+groupID+")", ids, func(pageNum int, includeCount bool) (page, *http.Response, error) {
		list, resp, err := teams.ListGroupTeams(t.Context(), groupID).ItemsPerPage(perPage).PageNum(pageNum).IncludeCount(includeCount).Execute()
		var got page
		for _, team := range list.GetResults() {
			got.ids = append(got.ids, team.TeamId)
		}
		if list != nil {
			got.total, got.links = list.TotalCount, list.GetLinks()
		}
		return got, resp, err
	}, func(pageNum int, includeCount bool) string {
		return fmt.Sprintf("%s/api/atlas/v2/groups/%s/teams?includeCount=%t&pageNum=%d&itemsPerPage=%d",
			baseURL, groupID, includeCount, pageNum, perPage)
	})
}

// checkProjectMember looks a user up in the project by username, without and
// with flattenTeams. want.roles nil (or flat.roles nil) means not listed.
func checkProjectMember(t *testing.T, users admin.MongoDBCloudUsersApi, who, groupID string, want, flat wantGroupUser) {
	t.Helper()
	for _, c := range []struct {
		flatten bool
		want    wantGroupUser
	}{{false, want}, {true, flat}} {
		op := fmt.Sprintf("ListGroupUsers(%s).Username%s.FlattenTeams(%t)", groupID, who, c.flatten)
		got := listGroupUsers(t, users, op, admin.ListGroupUsersApiParams{
			GroupId: groupID, Username: ptr(c.want.username), FlattenTeams: ptr(c.flatten),
		})
		switch {
		case c.want.roles == nil && len(got) != 0:
			t.Errorf("%s: %s, want nobody: the user has no role in the project", op, asJSON(got))
		case c.want.roles != nil && len(got) != 1:
			t.Errorf("%s: %d users, want exactly 1: %s", op, len(got), asJSON(got))
		case c.want.roles != nil:
			checkGroupUser(t, op, &got[0], c.want)
		}
	}
}
