//! Who is calling: the credential lookups and records around the pure checks of `crate::auth`, the limit on
//! failed authentications, rate-limit buckets, and the OAuth 2.0 token endpoint's work.

use std::net::IpAddr;

use super::{Service, ServiceResult};
use crate::auth::oauth::{self, MAX_ACTIVE_TOKENS};
use crate::auth::{Refusal, digest::DigestResponse};
use crate::domain::ratelimit::{Decision, Quota};
use crate::domain::{Principal, ServiceAccount};

/// The outcome of checking a request's credentials.
pub enum Authenticated {
    Caller(Principal),
    Refused(Refusal),
}

/// What revoking a token found.
pub enum Revocation {
    /// Revoked now, or already; unknown and expired tokens are answered the same (RFC 7009 §2.2).
    Done,
    /// The token belongs to another client and stays valid.
    NotYours,
}

impl Service {
    /// A digest challenge header with a fresh nonce.
    pub fn challenge(&self, stale: bool) -> String {
        self.verifier.challenge(stale, self.now())
    }

    /// Checks a Digest `Authorization` header for `method` on `request_target`: the key and its org in one
    /// read, the answer and nonce checked, and the (nonce, nc) use recorded so a replay is refused.
    pub async fn authenticate_digest(
        &self,
        method: &str,
        request_target: &str,
        authorization: &str,
    ) -> ServiceResult<Authenticated> {
        let credentials: DigestResponse = match self.verifier.parse_digest(authorization, request_target) {
            Ok(credentials) => credentials,
            Err(refusal) => return Ok(Authenticated::Refused(refusal)),
        };
        let found = self.store.read().await?.api_key(&credentials.username).await?;
        let now = self.now();
        let checked = self.verifier.check_digest(&credentials, found.as_ref().map(|(key, _)| key), method, now);
        let (proof, key, org) = match (checked, found) {
            (Ok(proof), Some((key, org))) => (proof, key, org),
            (Err(refusal), _) => return Ok(Authenticated::Refused(refusal)),
            // A proof is only ever made with a key; without one nothing is proven.
            (Ok(_), None) => return Ok(Authenticated::Refused(Refusal::Digest { stale: false })),
        };
        if !self.state.accept_nonce_use(&proof.nonce, proof.nc, proof.nonce_expires_at, now).await? {
            return Ok(Authenticated::Refused(Refusal::Digest { stale: false }));
        }
        Ok(Authenticated::Caller(Principal::for_api_key(&key, org)))
    }

    /// Checks a bearer token: our signature, unexpired, recorded and unrevoked, its account still there.
    pub async fn authenticate_bearer(&self, token: &str) -> ServiceResult<Authenticated> {
        let now = self.now();
        let claims = match self.verifier.check_bearer(token, now) {
            Ok(claims) => claims,
            Err(refusal) => return Ok(Authenticated::Refused(refusal)),
        };
        let mut db = self.store.read().await?;
        if !db.token_is_live(&claims.jti, &claims.sub, now).await? {
            return Ok(Authenticated::Refused(Refusal::Bearer));
        }
        Ok(match db.service_account(&claims.sub).await? {
            Some((account, org)) => Authenticated::Caller(Principal::for_service_account(&account, org)),
            None => Authenticated::Refused(Refusal::Bearer),
        })
    }

    /// Takes one token from the bucket `key` (or, without `take`, only looks whether one is there).
    pub async fn rate_limit(&self, key: &str, quota: Quota, take: bool) -> ServiceResult<Decision> {
        Ok(self.state.rate_limit(key, quota, self.now(), take).await?)
    }

    /// Whether `client` may still try to authenticate: repeated failures from one address are refused for a
    /// while, so secrets cannot be guessed quickly.
    pub async fn failures_allowed(&self, client: IpAddr, per_minute: u32) -> ServiceResult<Decision> {
        self.rate_limit(&failures_key(client), failure_quota(per_minute), false).await
    }

    pub async fn record_failure(&self, client: IpAddr, per_minute: u32) {
        if let Err(err) = self.rate_limit(&failures_key(client), failure_quota(per_minute), true).await {
            tracing::error!(error = %err, "recording a failed authentication");
        }
    }

    /// The service account that HTTP Basic credentials name, if the secret is its own. An unknown client costs
    /// the same hash as a known one.
    pub async fn client_credentials(&self, client_id: &str, secret: &str) -> ServiceResult<Option<ServiceAccount>> {
        let account = self.store.read().await?.service_account(client_id).await?.map(|(account, _)| account);
        let stored = account.as_ref().map_or_else(|| oauth::hash_secret(client_id), |a| a.secret_sha256.clone());
        let matches = oauth::secret_matches(secret, &stored);
        Ok(account.filter(|_| matches))
    }

    /// Issues a token to the account, unless it already holds Atlas's maximum of active tokens (then None).
    pub async fn issue_token(&self, account: &ServiceAccount) -> ServiceResult<Option<String>> {
        let claims = self.verifier.tokens().mint(&account.client_id, self.now());
        let mut tx = self.store.write().await?;
        tx.lock_service_account(&account.client_id).await?;
        if tx.active_tokens(&account.client_id, claims.iat).await? >= MAX_ACTIVE_TOKENS {
            return Ok(None);
        }
        tx.insert_token(&claims.jti, &claims.sub, claims.iat, claims.exp).await?;
        tx.commit().await?;
        Ok(Some(self.verifier.tokens().encode(&claims)))
    }

    /// Revokes a token the account holds.
    pub async fn revoke_token(&self, account: &ServiceAccount, token: &str) -> ServiceResult<Revocation> {
        let Ok(claims) = self.verifier.check_bearer(token, self.now()) else {
            return Ok(Revocation::Done);
        };
        let mut tx = self.store.write().await?;
        let outcome = match tx.token_owner(&claims.jti).await? {
            Some(owner) if owner == account.client_id => {
                tx.revoke_token(&claims.jti).await?;
                Revocation::Done
            }
            Some(_) => Revocation::NotYours,
            None => Revocation::Done,
        };
        tx.commit().await?;
        Ok(outcome)
    }
}

fn failures_key(client: IpAddr) -> String {
    format!("failed-authentication/{client}")
}

fn failure_quota(per_minute: u32) -> Quota {
    let per_minute = per_minute.max(1);
    Quota { capacity: per_minute, refill_per_minute: per_minute }
}
