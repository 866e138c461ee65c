-- The MongoDB Cloud users API: every invitation names the person it invites (a row of `users`, made with the
-- invitation when the username is new), and people carry the profile the users API shows. A user without
-- `activated_at` has been invited but has no account yet.

ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN country TEXT NOT NULL DEFAULT 'US';
ALTER TABLE users ADD COLUMN mobile_number TEXT;
ALTER TABLE users ADD COLUMN activated_at INTEGER;
ALTER TABLE users ADD COLUMN last_auth INTEGER;
UPDATE users SET activated_at = created_at, last_auth = created_at;

-- The invited person, and whether an org invitation was made together with a project invitation (its
-- "companion"), which an explicit org invitation for the same username takes over.
ALTER TABLE invitations ADD COLUMN user_id TEXT REFERENCES users (id);
ALTER TABLE invitations ADD COLUMN companion INTEGER NOT NULL DEFAULT 0;

INSERT INTO users (id, username, username_norm, created_at)
SELECT lower(hex(randomblob(12))), MIN(username), username_norm, MIN(created_at)
FROM invitations
WHERE username_norm NOT IN (SELECT username_norm FROM users)
GROUP BY username_norm;
UPDATE invitations SET user_id = (SELECT u.id FROM users u WHERE u.username_norm = invitations.username_norm);
-- Org invitations that came with a project invitation for the same username at the same moment.
UPDATE invitations SET companion = 1
WHERE kind = 'ORG' AND EXISTS (
    SELECT 1 FROM invitations p
    WHERE p.kind = 'PROJECT' AND p.org_id = invitations.org_id AND p.username_norm = invitations.username_norm
      AND p.created_at = invitations.created_at);
CREATE INDEX invitations_by_user ON invitations (user_id);
