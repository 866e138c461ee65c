//! API keys, service accounts, their access tokens, and the server's own secrets.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::dialect::RowLock;
use super::directory::ORG_COLUMNS;
use super::{Db, StoreResult, WriteTx, id, int, json, text, to_json, unmatchable};
use crate::clock::UnixSeconds;
use crate::domain::{ApiKey, Grants, Org, ServiceAccount};

fn grants_from_row(row: &AnyRow) -> StoreResult<Grants> {
    Ok(Grants {
        org_roles: json(row, "org_roles")?,
        project_roles: json(row, "project_roles")?,
        access_list: json(row, "access_list")?,
    })
}

fn api_key_from_row(row: &AnyRow) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: id(row, "id")?,
        public_key: text(row, "public_key")?,
        org_id: id(row, "org_id")?,
        description: text(row, "description")?,
        ha1_md5: text(row, "ha1_md5")?,
        ha1_sha256: text(row, "ha1_sha256")?,
        grants: grants_from_row(row)?,
        created_at: int(row, "created_at")?,
    })
}

fn service_account_from_row(row: &AnyRow) -> StoreResult<ServiceAccount> {
    Ok(ServiceAccount {
        client_id: text(row, "client_id")?,
        org_id: id(row, "org_id")?,
        description: text(row, "description")?,
        secret_sha256: text(row, "secret_sha256")?,
        grants: grants_from_row(row)?,
        created_at: int(row, "created_at")?,
    })
}

/// The org's columns under `o_` names, for reading a credential and its org in one statement.
fn org_columns_prefixed() -> String {
    ORG_COLUMNS.split(", ").map(|c| format!("o.{c} AS o_{c}")).collect::<Vec<_>>().join(", ")
}

fn prefixed_org_from_row(row: &AnyRow) -> StoreResult<Org> {
    Ok(Org {
        id: id(row, "o_id")?,
        name: text(row, "o_name")?,
        created_at: int(row, "o_created_at")?,
        api_access_list_required: int(row, "o_api_access_list_required")? != 0,
    })
}

const API_KEY_COLUMNS: &str = "k.id, k.public_key, k.org_id, k.description, k.ha1_md5, k.ha1_sha256, k.org_roles, \
     k.project_roles, k.access_list, k.created_at";
const SERVICE_ACCOUNT_COLUMNS: &str = "a.client_id, a.org_id, a.description, a.secret_sha256, a.org_roles, \
     a.project_roles, a.access_list, a.created_at";

impl<C: DerefMut<Target = AnyConnection>> Db<C> {
    /// The key and its organization, in one statement (authentication needs both).
    pub async fn api_key(&mut self, public_key: &str) -> StoreResult<Option<(ApiKey, Org)>> {
        if unmatchable(public_key) {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {API_KEY_COLUMNS}, {} FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.public_key = $1",
            org_columns_prefixed()
        )))
        .bind(public_key)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        row.map(|row| Ok((api_key_from_row(&row)?, prefixed_org_from_row(&row)?))).transpose()
    }

    pub async fn api_keys(&mut self) -> StoreResult<Vec<ApiKey>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {API_KEY_COLUMNS} FROM api_keys k ORDER BY k.public_key")))
                .fetch_all(self.conn())
                .await
                .map_err(|e| self.fail(e))?;
        rows.iter().map(api_key_from_row).collect()
    }

    /// The account and its organization, in one statement.
    pub async fn service_account(&mut self, client_id: &str) -> StoreResult<Option<(ServiceAccount, Org)>> {
        if unmatchable(client_id) {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SERVICE_ACCOUNT_COLUMNS}, {} FROM service_accounts a JOIN orgs o ON o.id = a.org_id \
             WHERE a.client_id = $1",
            org_columns_prefixed()
        )))
        .bind(client_id)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        row.map(|row| Ok((service_account_from_row(&row)?, prefixed_org_from_row(&row)?))).transpose()
    }

    pub async fn service_accounts(&mut self) -> StoreResult<Vec<ServiceAccount>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SERVICE_ACCOUNT_COLUMNS} FROM service_accounts a ORDER BY a.client_id"
        )))
        .fetch_all(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        rows.iter().map(service_account_from_row).collect()
    }

    pub async fn upsert_api_key(&mut self, key: &ApiKey) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, public_key, org_id, description, ha1_md5, ha1_sha256, org_roles, project_roles, \
               access_list, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (public_key) DO UPDATE SET org_id = excluded.org_id, description = excluded.description, \
               ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256, org_roles = excluded.org_roles, \
               project_roles = excluded.project_roles, access_list = excluded.access_list",
        )
        .bind(key.id.to_string())
        .bind(&key.public_key)
        .bind(key.org_id.to_string())
        .bind(&key.description)
        .bind(&key.ha1_md5)
        .bind(&key.ha1_sha256)
        .bind(to_json(&key.grants.org_roles))
        .bind(to_json(&key.grants.project_roles))
        .bind(to_json(&key.grants.access_list))
        .bind(key.created_at)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn upsert_service_account(&mut self, account: &ServiceAccount) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO service_accounts (client_id, org_id, description, secret_sha256, org_roles, project_roles, \
               access_list, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (client_id) DO UPDATE SET org_id = excluded.org_id, description = excluded.description, \
               secret_sha256 = excluded.secret_sha256, org_roles = excluded.org_roles, \
               project_roles = excluded.project_roles, access_list = excluded.access_list",
        )
        .bind(&account.client_id)
        .bind(account.org_id.to_string())
        .bind(&account.description)
        .bind(&account.secret_sha256)
        .bind(to_json(&account.grants.org_roles))
        .bind(to_json(&account.grants.project_roles))
        .bind(to_json(&account.grants.access_list))
        .bind(account.created_at)
        .execute(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Whether the token is recorded for this account, unrevoked and unexpired, and the account still exists.
    pub async fn token_is_live(&mut self, jti: &str, client_id: &str, now: UnixSeconds) -> StoreResult<bool> {
        if unmatchable(jti) || unmatchable(client_id) {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT 1 AS live FROM access_tokens t JOIN service_accounts a ON a.client_id = t.client_id \
             WHERE t.jti = $1 AND t.client_id = $2 AND t.revoked = 0 AND t.expires_at >= $3",
        )
        .bind(jti)
        .bind(client_id)
        .bind(now)
        .fetch_optional(self.conn())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(row.is_some())
    }

    /// The secret stored under `name`, storing `candidate` first if there is none: the first process to ask
    /// decides, and every process on this database then uses the same value.
    pub async fn server_secret(&mut self, name: &str, candidate: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        // A new statement: it sees a concurrent first insert once that has committed.
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        text(&row, "value")
    }
}

impl WriteTx {
    /// Deletes the account and its tokens. False when there was no such account.
    pub async fn delete_service_account(&mut self, client_id: &str) -> StoreResult<bool> {
        if unmatchable(client_id) {
            return Ok(false);
        }
        let deleted = sqlx::query("DELETE FROM service_accounts WHERE client_id = $1")
            .bind(client_id)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?
            .rows_affected();
        sqlx::query("DELETE FROM access_tokens WHERE client_id = $1")
            .bind(client_id)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(deleted == 1)
    }

    /// Locks the account until commit, so token issuers for one account take turns and count exactly.
    pub async fn lock_service_account(&mut self, client_id: &str) -> StoreResult<()> {
        if let Some(lock) = self.dialect.lock_suffix(RowLock::Update) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 AS locked FROM service_accounts WHERE client_id = $1{lock}"
            )))
            .bind(client_id)
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Forgets the account's tokens that expired before `now`, then counts the unrevoked ones left.
    pub async fn active_tokens(&mut self, client_id: &str, now: UnixSeconds) -> StoreResult<i64> {
        sqlx::query("DELETE FROM access_tokens WHERE client_id = $1 AND expires_at < $2")
            .bind(client_id)
            .bind(now)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        let row = sqlx::query("SELECT COUNT(*) AS active FROM access_tokens WHERE client_id = $1 AND revoked = 0")
            .bind(client_id)
            .fetch_one(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        int(&row, "active")
    }

    pub async fn insert_token(
        &mut self,
        jti: &str,
        client_id: &str,
        issued_at: UnixSeconds,
        expires_at: UnixSeconds,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO access_tokens (jti, client_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(jti)
            .bind(client_id)
            .bind(issued_at)
            .bind(expires_at)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The account a token was issued to, locked until commit.
    pub async fn token_owner(&mut self, jti: &str) -> StoreResult<Option<String>> {
        if unmatchable(jti) {
            return Ok(None);
        }
        let lock = self.dialect.lock_suffix(RowLock::Update).unwrap_or_default();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT client_id FROM access_tokens WHERE jti = $1{lock}")))
            .bind(jti)
            .fetch_optional(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        row.as_ref().map(|row| text(row, "client_id")).transpose()
    }

    pub async fn revoke_token(&mut self, jti: &str) -> StoreResult<()> {
        sqlx::query("UPDATE access_tokens SET revoked = 1 WHERE jti = $1")
            .bind(jti)
            .execute(self.conn())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
