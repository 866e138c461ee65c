//! Server side of HTTP Digest authentication (RFC 7616) in the dialect MongoDB Atlas speaks.
//!
//! Atlas API keys are used as Digest credentials: the public key is the username and the private
//! key the password. Existing clients, the official Go SDK above all, parse the challenge
//! strictly, so the wire format here copies Atlas byte for byte rather than offering
//! everything RFC 7616 allows. Nothing here knows about HTTP frameworks or storage: callers hand
//! in header values, methods and clocks, and get back plain values.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The realm Atlas announces; HA1 values are bound to it, so changing it invalidates every stored key.
pub const REALM: &str = "MMS Public API";

/// Bounds the parser's work on hostile input.
const MAX_HEADER_LEN: usize = 4096;

/// Clock skew tolerated between replicas before a future-dated nonce is deemed forged.
const MAX_FUTURE_SKEW: i64 = 60;

/// Without working randomness nonces would be predictable, which is worse than not serving.
const NO_RANDOMNESS: &str = "OS random source unavailable";

const NONCE_RANDOM_LEN: usize = 16;
const NONCE_MAC_LEN: usize = 16;
const NONCE_LEN: usize = NONCE_RANDOM_LEN + 4 + NONCE_MAC_LEN;

/// The hash functions Atlas-compatible clients use. The `-sess` variants and SHA-512-256 are not
/// offered by Atlas, so clients never send them legitimately.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// The token used in the `algorithm` parameter.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Accepts only the algorithms this server can verify, so anything else is refused up front
    /// instead of failing later as a wrong password.
    pub fn parse(s: &str) -> Option<Algorithm> {
        [Algorithm::Md5, Algorithm::Sha256].into_iter().find(|a| a.name().eq_ignore_ascii_case(s))
    }

    /// Lowercase hex, the form every Digest computation concatenates.
    pub fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 => hex::encode(Md5::digest(data)),
            Algorithm::Sha256 => hex::encode(Sha256::digest(data)),
        }
    }
}

/// H(username:realm:password), what the store keeps instead of the private key.
pub fn ha1(algorithm: Algorithm, username: &str, password: &str) -> String {
    algorithm.hash_hex(format!("{username}:{REALM}:{password}").as_bytes())
}

/// The challenge header value, byte-exact to Atlas:
/// `Digest realm="MMS Public API", domain="", nonce="<nonce>", algorithm=MD5, qop="auth", stale=false`
/// (algorithm unquoted, qop quoted, stale unquoted true/false). The official Go client splits this on ", " and
/// rejects any other parameter, so nothing else may appear.
pub fn challenge(nonce: &str, algorithm: Algorithm, stale: bool) -> String {
    format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\", stale={stale}",
        algorithm.name()
    )
}

/// Stateless nonces: any replica holding the same key can check a nonce another minted.
/// Deliberately not `Debug`, so the key cannot end up in logs.
pub struct NonceKey([u8; 32]);

impl NonceKey {
    /// A fresh key from the OS random source, for deployments with a single replica or tests.
    pub fn generate() -> NonceKey {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect(NO_RANDOMNESS);
        NonceKey(key)
    }

    /// A key shared between replicas, so nonces survive load balancing and restarts.
    pub fn from_bytes(b: [u8; 32]) -> NonceKey {
        NonceKey(b)
    }
}

/// What a presented nonce is worth: an expired one earns a `stale=true` challenge so the client
/// retries silently, a forged one a plain 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceState {
    Fresh,
    Expired,
    Forged,
}

/// Mints and verifies nonces without server-side state.
pub struct NonceIssuer {
    key: NonceKey,
    ttl_seconds: i64,
}

impl NonceIssuer {
    pub fn new(key: NonceKey, ttl_seconds: i64) -> NonceIssuer {
        NonceIssuer { key, ttl_seconds }
    }

    /// The layout is a contract between replicas; the MAC lets them trust the issue time inside.
    /// base64 (standard alphabet) of 16 random bytes ‖ issue time as u32 big-endian unix seconds ‖ first 16 bytes of
    /// HMAC-SHA256(key, random ‖ time)  → 36 bytes → 48 characters, never containing ", ".
    pub fn mint(&self, now_unix: i64) -> String {
        let mut raw = [0u8; NONCE_LEN];
        getrandom::fill(&mut raw[..NONCE_RANDOM_LEN]).expect(NO_RANDOMNESS);
        let issued = now_unix.clamp(0, i64::from(u32::MAX)) as u32;
        raw[NONCE_RANDOM_LEN..NONCE_RANDOM_LEN + 4].copy_from_slice(&issued.to_be_bytes());
        let tag = self.tag(&raw[..NONCE_RANDOM_LEN + 4]);
        raw[NONCE_RANDOM_LEN + 4..].copy_from_slice(&tag);
        BASE64.encode(raw)
    }

    /// Forged if it does not decode / has the wrong length / MAC mismatch (constant-time MAC check);
    /// Expired if now_unix > issued + ttl (also if issued is in the future by more than 60 s: treat as Forged);
    /// Fresh otherwise.
    #[must_use]
    pub fn check(&self, nonce: &str, now_unix: i64) -> NonceState {
        let Some(issued) = self.verified_issue_time(nonce) else {
            return NonceState::Forged;
        };
        if issued > now_unix.saturating_add(MAX_FUTURE_SKEW) {
            NonceState::Forged
        } else if now_unix > issued.saturating_add(self.ttl_seconds) {
            NonceState::Expired
        } else {
            NonceState::Fresh
        }
    }

    /// When the nonce stops being fresh (issued + ttl), for the replay ledger's eviction; None if forged.
    pub fn expires_at(&self, nonce: &str) -> Option<i64> {
        self.verified_issue_time(nonce).map(|issued| issued.saturating_add(self.ttl_seconds))
    }

    /// The issue time, but only for a nonce this key minted: the time is untrusted until the MAC holds.
    fn verified_issue_time(&self, nonce: &str) -> Option<i64> {
        let raw: [u8; NONCE_LEN] = BASE64.decode(nonce).ok()?.try_into().ok()?;
        let (signed, mac) = raw.split_at(NONCE_RANDOM_LEN + 4);
        let time = signed[NONCE_RANDOM_LEN..].try_into().ok()?;
        bool::from(self.tag(signed).ct_eq(mac)).then(|| i64::from(u32::from_be_bytes(time)))
    }

    fn tag(&self, signed: &[u8]) -> [u8; NONCE_MAC_LEN] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key.0).expect("HMAC accepts keys of any length");
        mac.update(signed);
        let mut out = [0u8; NONCE_MAC_LEN];
        out.copy_from_slice(&mac.finalize().into_bytes()[..NONCE_MAC_LEN]);
        out
    }
}

/// The client's `Authorization: Digest ...` parameters. `nc` and `cnonce` are only kept when
/// `qop` is present, because only then do they take part in the response. The caller still has
/// to compare `uri` with the request target, since the response only proves the client signed
/// whatever `uri` it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestResponse {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    /// Absent means MD5, as in RFC 2617.
    pub algorithm: Algorithm,
    pub qop: Option<String>,
    pub nc: Option<u32>,
    pub cnonce: Option<String>,
    pub opaque: Option<String>,
}

/// Why a header was refused; distinct variants let the caller choose between a fresh challenge
/// and a 400, and log something useful.
#[derive(Debug, PartialEq, Eq)]
pub enum DigestError {
    NotDigest,
    Malformed,
    MissingParameter(&'static str),
    UnsupportedAlgorithm,
    UnsupportedQop,
    TooLong,
}

/// Parses an Authorization header value. Scheme "Digest" matched case-insensitively; auth-params per RFC 7235:
/// name=token or name="quoted-string" with backslash escapes, optional whitespace around '=' and ',', parameter
/// names case-insensitive, a repeated parameter → Malformed, unknown parameters ignored. Values longer than the
/// whole-header limit of 4096 bytes → TooLong (check first). Required: username, realm, nonce, uri, response.
/// If qop is present it must be exactly "auth" (case-insensitive) else UnsupportedQop, and then nc (exactly 8 hex
/// digits, parsed as u32) and cnonce are required. algorithm may be quoted or bare (the official Go client sends
/// algorithm="MD5" quoted and qop=auth unquoted).
pub fn parse_authorization(header: &str) -> Result<DigestResponse, DigestError> {
    use DigestError::*;
    if header.len() > MAX_HEADER_LEN {
        return Err(TooLong);
    }
    let (scheme, rest) = split_token(header.trim_matches(OWS)).unwrap_or(("", ""));
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(NotDigest);
    }
    if !rest.is_empty() && !rest.starts_with(OWS) {
        return Err(Malformed);
    }
    let mut params = parse_auth_params(rest)?;
    let mut take = |name: &'static str| params.remove(name).ok_or(MissingParameter(name));
    let (username, realm, nonce) = (take("username")?, take("realm")?, take("nonce")?);
    let (uri, response) = (take("uri")?, take("response")?);
    let algorithm = match params.remove("algorithm") {
        None => Algorithm::Md5,
        Some(a) => Algorithm::parse(&a).ok_or(UnsupportedAlgorithm)?,
    };
    let (qop, nc, cnonce) = match params.remove("qop") {
        None => (None, None, None),
        Some(q) if q.eq_ignore_ascii_case("auth") => {
            let nc = params.remove("nc").ok_or(MissingParameter("nc"))?;
            if nc.len() != 8 || !nc.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(Malformed);
            }
            let nc = u32::from_str_radix(&nc, 16).map_err(|_| Malformed)?;
            let cnonce = params.remove("cnonce").ok_or(MissingParameter("cnonce"))?;
            (Some(q), Some(nc), Some(cnonce))
        }
        Some(_) => return Err(UnsupportedQop),
    };
    let opaque = params.remove("opaque");
    Ok(DigestResponse { username, realm, nonce, uri, response, algorithm, qop, nc, cnonce, opaque })
}

const OWS: [char; 2] = [' ', '\t'];

/// The `#auth-param` list after the scheme, names lowercased. Empty list elements are skipped as
/// RFC 7230 §7 asks of recipients.
fn parse_auth_params(mut s: &str) -> Result<HashMap<String, String>, DigestError> {
    let mut params = HashMap::new();
    loop {
        s = s.trim_start_matches([' ', '\t', ',']);
        if s.is_empty() {
            return Ok(params);
        }
        let (name, rest) = split_token(s).ok_or(DigestError::Malformed)?;
        let rest = rest.trim_start_matches(OWS).strip_prefix('=');
        let rest = rest.ok_or(DigestError::Malformed)?.trim_start_matches(OWS);
        let (value, rest) = match rest.strip_prefix('"') {
            Some(quoted) => split_quoted(quoted)?,
            None => {
                let (token, rest) = split_token(rest).ok_or(DigestError::Malformed)?;
                (token.to_owned(), rest)
            }
        };
        s = rest.trim_start_matches(OWS);
        if !s.is_empty() && !s.starts_with(',') {
            return Err(DigestError::Malformed);
        }
        if params.insert(name.to_ascii_lowercase(), value).is_some() {
            return Err(DigestError::Malformed);
        }
    }
}

/// Splits a leading RFC 7230 token off `s`; None if there is none.
fn split_token(s: &str) -> Option<(&str, &str)> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let end = s.find(|c| !tchar(c)).unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// Unescapes a quoted-string whose opening quote is already consumed; returns it and what follows
/// the closing quote.
fn split_quoted(s: &str) -> Result<(String, &str), DigestError> {
    // qdtext and quoted-pair both exclude control characters other than HTAB.
    let allowed = |c: char| c == '\t' || (c >= ' ' && c != '\x7f');
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped)) if allowed(escaped) => out.push(escaped),
                _ => return Err(DigestError::Malformed),
            },
            c if allowed(c) => out.push(c),
            _ => return Err(DigestError::Malformed),
        }
    }
    Err(DigestError::Malformed)
}

/// The response the client should have sent for `method` given the stored HA1 for r.algorithm:
/// with qop: H(HA1:nonce:nc(8 lowercase hex):cnonce:qop:H(method:uri)); without qop (RFC 2069): H(HA1:nonce:H(method:uri)).
pub fn expected_response(r: &DigestResponse, ha1_hex: &str, method: &str) -> String {
    let h = |s: String| r.algorithm.hash_hex(s.as_bytes());
    let ha2 = h(format!("{method}:{}", r.uri));
    let nonce = &r.nonce;
    match &r.qop {
        Some(qop) => {
            let (nc, cnonce) = (r.nc.unwrap_or(0), r.cnonce.as_deref().unwrap_or(""));
            h(format!("{ha1_hex}:{nonce}:{nc:08x}:{cnonce}:{qop}:{ha2}"))
        }
        None => h(format!("{ha1_hex}:{nonce}:{ha2}")),
    }
}

/// Constant-time so that response checks do not leak how many leading characters of a guess were right.
#[must_use]
pub fn response_matches(r: &DigestResponse, ha1_hex: &str, method: &str) -> bool {
    let expected = expected_response(r, ha1_hex, method);
    let given = r.response.to_ascii_lowercase();
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Algorithm::{Md5, Sha256};
    use DigestError::*;

    const NOW: i64 = 1_750_000_000;

    fn issuer() -> NonceIssuer {
        NonceIssuer::new(NonceKey::from_bytes([7; 32]), 300)
    }

    /// One line per parsed header keeps the expectations readable.
    fn summary(r: &DigestResponse) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let nc = r.nc.map(|n| n.to_string()).unwrap_or_default();
        let (alg, qop, cnonce, opaque) = (r.algorithm.name(), o(&r.qop), o(&r.cnonce), o(&r.opaque));
        let (u, realm, nonce, uri, resp) = (&r.username, &r.realm, &r.nonce, &r.uri, &r.response);
        format!("{u}|{realm}|{nonce}|{uri}|{resp}|{alg}|{qop}|{nc}|{cnonce}|{opaque}")
    }

    #[test]
    fn challenge_is_byte_exact_and_algorithms_parse() {
        let md5 = r#"Digest realm="MMS Public API", domain="", nonce="ab+/c", algorithm=MD5, qop="auth", stale=false"#;
        assert_eq!(challenge("ab+/c", Md5, false), md5);
        let sha = md5.replace("=MD5", "=SHA-256");
        assert_eq!(challenge("ab+/c", Sha256, false), sha);
        let stale = md5.replace("=false", "=true");
        assert_eq!(challenge("ab+/c", Md5, true), stale);
        assert_eq!(Algorithm::parse("sha-256"), Some(Sha256));
        assert_eq!(Algorithm::parse("md5"), Some(Md5));
        for bad in ["MD5-sess", "SHA-256-sess", "SHA-512-256", "SHA3", ""] {
            assert_eq!(Algorithm::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn nonces_round_trip_expire_and_resist_forgery() {
        let iss = issuer();
        let n = iss.mint(NOW);
        assert!(n.len() == 48 && !n.contains(", ") && !n.contains('"'));
        assert_eq!(iss.check(&n, NOW), NonceState::Fresh);
        assert_eq!(iss.check(&n, NOW + 300), NonceState::Fresh);
        assert_eq!(iss.check(&n, NOW + 301), NonceState::Expired);
        assert_eq!(iss.expires_at(&n), Some(NOW + 300));
        // A replica whose clock lags a little still accepts it; one far in the future is not plausible.
        assert_eq!(iss.check(&n, NOW - 60), NonceState::Fresh);
        assert_eq!(iss.check(&n, NOW - 61), NonceState::Forged);
        let raw = BASE64.decode(&n).unwrap();
        for pos in [0, 17, 35] {
            let mut bad = raw.clone();
            bad[pos] ^= 1;
            assert_eq!(iss.check(&BASE64.encode(&bad), NOW), NonceState::Forged);
        }
        let other = NonceIssuer::new(NonceKey::generate(), 300);
        assert_eq!(other.check(&n, NOW), NonceState::Forged);
        assert_eq!(other.expires_at(&n), None);
        let (short, long) = (BASE64.encode(&raw[..33]), n.clone() + "AAAA");
        let (bangs, letters) = ("!".repeat(48), "A".repeat(48));
        for junk in ["", "not a nonce", &bangs, &letters, &short, &long] {
            assert_eq!(iss.check(junk, NOW), NonceState::Forged, "{junk}");
        }
        let all: std::collections::HashSet<String> = (0..10_000).map(|_| iss.mint(NOW)).collect();
        assert_eq!(all.len(), 10_000);
    }

    const GO: &str = r#"Digest username="pub", realm="MMS Public API", nonce="N", uri="/api/atlas/v2/groups/x/invites?username=a%40b.c", response="0123456789abcdef", algorithm="MD5", qop=auth, nc=00000001, cnonce="0a4f113b2c3d4e5f""#;

    #[test]
    fn parses_client_headers() {
        let go = "pub|MMS Public API|N|/api/atlas/v2/groups/x/invites?username=a%40b.c|0123456789abcdef\
                  |MD5|auth|1|0a4f113b2c3d4e5f|";
        assert_eq!(summary(&parse_authorization(GO).unwrap()), go);
        let curl = r#"Digest username="pub", realm="MMS Public API", nonce="n", uri="/api/x", cnonce="Y2Q=", nc=000000ff, qop=auth, response="ab", algorithm=SHA-256"#;
        let want = "pub|MMS Public API|n|/api/x|ab|SHA-256|auth|255|Y2Q=|";
        assert_eq!(summary(&parse_authorization(curl).unwrap()), want);
        // Case-insensitive scheme and names, whitespace around '=' and ',', escapes, unknown and
        // empty list elements; without qop, nc and cnonce are irrelevant.
        let odd = "dIGEST  USERNAME = \"a\\\"b\\\\c\" ,Realm=r,, nonce=n ,uri=\"/\", response=x, \
                   userhash=false, opaque=\"o\", nc=zz, cnonce=c ";
        let want = "a\"b\\c|r|n|/|x|MD5||||o";
        assert_eq!(summary(&parse_authorization(odd).unwrap()), want);
    }

    #[test]
    fn rejects_bad_headers() {
        let parse = parse_authorization;
        let required = ["username", "realm", "nonce", "uri", "response"];
        for name in required.into_iter().chain(["nc", "cnonce"]) {
            // Renamed, the parameter becomes an ignored unknown one.
            let header = GO.replacen(&format!(" {name}="), &format!(" x-{name}="), 1);
            assert_eq!(parse(&header), Err(MissingParameter(name)));
        }
        let cases = [
            ("qop=auth", "qop=auth-int", UnsupportedQop),
            ("qop=auth", "qop=\"auth,auth-int\"", UnsupportedQop),
            ("\"MD5\"", "SHA3", UnsupportedAlgorithm),
            ("\"MD5\"", "\"MD5-sess\"", UnsupportedAlgorithm),
            ("00000001", "0000001", Malformed),
            ("00000001", "0000000g", Malformed),
            ("00000001", "\"+0000001\"", Malformed),
            ("qop=auth", "qop=auth, Username=\"other\"", Malformed),
            ("nc=00000001", "nc=", Malformed),
            ("0a4f113b2c3d4e5f\"", "0a4f113b2c3d4e5f", Malformed),
            (", qop=", " qop=", Malformed),
            ("pub\"", "pub\u{1}\"", Malformed),
            ("Digest ", "Digest,", Malformed),
            ("Digest ", "Basic ", NotDigest),
            ("Digest ", "Digestion ", NotDigest),
        ];
        for (from, to, err) in cases {
            assert_eq!(parse(&GO.replacen(from, to, 1)), Err(err), "{to}");
        }
        assert!(parse(&GO.replace("qop=auth", "qop=AUTH")).is_ok());
        assert_eq!(parse(""), Err(NotDigest));
        assert_eq!(parse("Digest"), Err(MissingParameter("username")));
        let long = format!("{GO}, x=\"{}\"", "a".repeat(4096));
        assert_eq!(parse(&long), Err(TooLong));
        assert_eq!(parse(&"Basic ".repeat(700)), Err(TooLong));
    }

    const RFC_7616: &str = r#"Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=ALG, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="RESP""#;

    /// RFC 7616 §3.9.1 answers one request with both algorithms.
    #[test]
    fn rfc_7616_known_answers() {
        let md5 = "8ca523f5e9506fed4657c9700eebdbec";
        let sha = "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1";
        for (alg, resp) in [(Md5, md5), (Sha256, sha)] {
            let header = RFC_7616.replace("ALG", alg.name());
            let r = parse_authorization(&header.replace("RESP", &resp.to_ascii_uppercase())).unwrap();
            let ha1 = alg.hash_hex(b"Mufasa:http-auth@example.org:Circle of Life");
            assert_eq!(expected_response(&r, &ha1, "GET"), resp);
            assert!(response_matches(&r, &ha1, "GET"));
        }
    }

    /// The `digest_auth` crate plays an independent client answering our exact challenge.
    fn client(challenge: &str, method: &str, uri: &str) -> DigestResponse {
        let mut prompt = digest_auth::parse(challenge).unwrap();
        let method = digest_auth::HttpMethod(method.into());
        let ctx = digest_auth::AuthContext::new_with_method("pub", "priv", uri, None::<&[u8]>, method);
        parse_authorization(&prompt.respond(&ctx).unwrap().to_string()).unwrap()
    }

    #[test]
    fn independent_client_cross_check() {
        let uri = "/api/atlas/v2/groups/5e2211c17a3e5a48f5497de3/invites?pretty=true";
        for alg in [Md5, Sha256] {
            let nonce = issuer().mint(NOW);
            let (good, bad) = (ha1(alg, "pub", "priv"), ha1(alg, "pub", "x"));
            for method in ["GET", "POST", "PATCH", "DELETE"] {
                let mut r = client(&challenge(&nonce, alg, false), method, uri);
                assert_eq!((r.algorithm, &r.nonce, r.nc), (alg, &nonce, Some(1)));
                assert!(response_matches(&r, &good, method), "{alg:?} {method}");
                assert!(!response_matches(&r, &bad, method));
                let other_method = if method == "GET" { "PUT" } else { "GET" };
                assert!(!response_matches(&r, &good, other_method));
                r.uri.push_str("&x=1");
                assert!(!response_matches(&r, &good, method));
            }
        }
        // RFC 2069 clients: a challenge without qop yields a response without nc/cnonce.
        let nonce = issuer().mint(NOW);
        let legacy = format!(r#"Digest realm="{REALM}", nonce="{nonce}", algorithm=MD5"#);
        let r = client(&legacy, "GET", uri);
        assert_eq!((r.qop.as_deref(), r.nc), (None, None));
        assert!(response_matches(&r, &ha1(Md5, "pub", "priv"), "GET"));
        assert!(!response_matches(&r, &ha1(Md5, "pub", "x"), "GET"));
    }
}
