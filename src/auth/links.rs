//! The token in an invitation's link: it names the invitation and proves that this server issued the link for
//! that version of it. It is `ID.MAC`, the MAC an HMAC-SHA256 of the invitation id and its creation time under a
//! server key, so nothing secret is stored per invitation and any process on the store can check it. A renewed
//! or taken-over invitation has a new creation time, so its old links stop working; an accepted, declined or
//! deleted one is no longer pending, so each link is used at most once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::clock::UnixSeconds;
use crate::domain::ObjectId;

pub struct LinkSigner {
    key: [u8; 32],
}

impl LinkSigner {
    pub fn new(key: [u8; 32]) -> Self {
        LinkSigner { key }
    }

    fn mac(&self, invitation_id: &ObjectId, created_at: UnixSeconds) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(b"invitation-link\0");
        mac.update(invitation_id.to_string().as_bytes());
        mac.update(&created_at.to_be_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn token(&self, invitation_id: &ObjectId, created_at: UnixSeconds) -> String {
        format!("{invitation_id}.{}", URL_SAFE_NO_PAD.encode(self.mac(invitation_id, created_at)))
    }

    /// The invitation a token names, if it is well formed; whether it is that invitation's is `matches`.
    pub fn invitation_id(token: &str) -> Option<ObjectId> {
        let (id, mac) = token.split_once('.')?;
        (mac.len() == 43).then(|| ObjectId::parse(id)).flatten()
    }

    /// Whether the token was issued for this invitation as it is now.
    pub fn matches(&self, token: &str, invitation_id: &ObjectId, created_at: UnixSeconds) -> bool {
        let expected = self.token(invitation_id, created_at);
        expected.as_bytes().ct_eq(token.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_invitation_and_only_its_version() {
        let signer = LinkSigner::new([7; 32]);
        let id = ObjectId::parse("6f0000000000000000000001").unwrap();
        let token = signer.token(&id, 100);
        assert_eq!(LinkSigner::invitation_id(&token), Some(id));
        assert!(signer.matches(&token, &id, 100));
        assert!(!signer.matches(&token, &id, 101), "a renewed invitation does not take old links");
        assert!(!LinkSigner::new([8; 32]).matches(&token, &id, 100), "another server's key");
        let forged = format!("{id}.{}", "A".repeat(43));
        assert!(!signer.matches(&forged, &id, 100));
        assert_eq!(LinkSigner::invitation_id("nope"), None);
        assert_eq!(LinkSigner::invitation_id(&format!("{id}.short")), None);
    }
}
