-- A declined org invitation stays as the INVITATION_REJECTED user it makes, until a new invitation replaces it.
ALTER TABLE invitations ADD COLUMN declined_at BIGINT;
