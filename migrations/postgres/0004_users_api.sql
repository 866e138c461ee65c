-- Same as migrations/sqlite/0004_users_api.sql.

ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN country TEXT NOT NULL DEFAULT 'US';
ALTER TABLE users ADD COLUMN mobile_number TEXT;
ALTER TABLE users ADD COLUMN activated_at BIGINT;
ALTER TABLE users ADD COLUMN last_auth BIGINT;
UPDATE users SET activated_at = created_at, last_auth = created_at;

ALTER TABLE invitations ADD COLUMN user_id TEXT COLLATE "C" REFERENCES users (id);
ALTER TABLE invitations ADD COLUMN companion BIGINT NOT NULL DEFAULT 0;

INSERT INTO users (id, username, username_norm, created_at)
SELECT substr(md5(random()::text || username_norm), 1, 24), MIN(username), username_norm, MIN(created_at)
FROM invitations
WHERE username_norm NOT IN (SELECT username_norm FROM users)
GROUP BY username_norm;
UPDATE invitations SET user_id = (SELECT u.id FROM users u WHERE u.username_norm = invitations.username_norm);
UPDATE invitations SET companion = 1
WHERE kind = 'ORG' AND EXISTS (
    SELECT 1 FROM invitations p
    WHERE p.kind = 'PROJECT' AND p.org_id = invitations.org_id AND p.username_norm = invitations.username_norm
      AND p.created_at = invitations.created_at);
CREATE INDEX invitations_by_user ON invitations (user_id);
