//! The Atlas wire rules, applied once for every route: version negotiation through `Accept`, the
//! Deprecation/Sunset headers, `envelope` and `pretty`, request body media types, and turning every error —
//! including the framework's own rejections — into an Atlas error body.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::macros::datetime;

use super::app::{AppState, MAX_BODY_BYTES, Route};
use super::error::ApiError;
use super::pretty::to_pretty_string;
use super::strict_json::StrictJsonError;
use super::versions;

/// `x-sunset: 2027-07-01` in the Atlas spec for every deprecated version; after it the version answers 410
/// VERSION_GONE.
const SUNSET: time::OffsetDateTime = datetime!(2027-07-01 00:00:00 UTC);
/// As recorded from Atlas (Java RFC 1123 style: day of month not padded).
const SUNSET_HEADER: &str = "Thu, 1 Jul 2027 00:00:00 GMT";

/// A JSON body waiting to be written: `present` decides compact or pretty, enveloped or bare.
#[derive(Clone)]
pub struct JsonBody(pub Value);

/// Marks a response whose body must go out byte for byte (the digest challenge).
#[derive(Clone, Copy)]
pub struct FinalBody;

/// A successful answer: a status and, except for 204, a JSON body.
pub struct Payload {
    status: StatusCode,
    body: Option<Value>,
}

impl Payload {
    pub fn ok(body: Value) -> Self {
        Payload { status: StatusCode::OK, body: Some(body) }
    }
    pub fn with_status(status: StatusCode, body: Value) -> Self {
        Payload { status, body: Some(body) }
    }
    pub fn no_content() -> Self {
        Payload { status: StatusCode::NO_CONTENT, body: None }
    }
}

impl IntoResponse for Payload {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(body) = self.body {
            response.extensions_mut().insert(JsonBody(body));
        }
        response
    }
}

/// The one place an `ApiError` becomes a response: Atlas error body, `Content-Type: application/json` and the
/// `X-Error-Code` header real Atlas adds.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(HeaderName::from_static("x-error-code"), HeaderValue::from_static(self.error_code));
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(JsonBody(self.body()));
        response
    }
}

/// `envelope` and `pretty`, accepted on every operation (Atlas spec parameters, default false).
#[derive(Clone, Copy, Default)]
struct Presentation {
    envelope: bool,
    pretty: bool,
}

impl Presentation {
    fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut presentation = Presentation::default();
        for (name, value) in form_pairs(query) {
            let flag = match name.as_str() {
                "envelope" => &mut presentation.envelope,
                "pretty" => &mut presentation.pretty,
                _ => continue,
            };
            *flag = match value.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(ApiError::invalid_query_parameter(&name)),
            };
        }
        Ok(presentation)
    }
}

/// Query pairs, percent-decoded.
pub fn form_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

/// Reads the whole request body (up to the limit) before anything answers. A response sent while body bytes
/// are still in flight — a digest challenge to a POST, say, which the official clients send with its body —
/// makes the HTTP server close the keep-alive connection without saying so, and the client's next request on it
/// fails. Bodies over the limit get 413 and the connection is closed.
pub async fn read_body_first(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => {
            let mut response = ApiError::payload_too_large(MAX_BODY_BYTES).into_response();
            response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Outermost layer: reads `envelope`/`pretty`, then writes every response's body and common headers.
pub async fn present(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match Presentation::from_query(request.uri().query()) {
        Ok(presentation) => finish(next.run(request).await, presentation, &method, &path),
        Err(err) => finish(err.into_response(), Presentation::default(), &method, &path),
    }
}

fn finish(response: Response, presentation: Presentation, method: &Method, path: &str) -> Response {
    if response.extensions().get::<FinalBody>().is_some() {
        return response;
    }
    let status = response.status();
    let (mut parts, original) = response.into_parts();
    let value = match parts.extensions.remove::<JsonBody>() {
        Some(JsonBody(value)) => Some(value),
        // A rejection from the framework or a transport layer (404, 405, 413, …): give it an Atlas body.
        None if status.is_client_error() || status.is_server_error() => {
            let mut replacement = for_status(status.as_u16(), method.as_str(), path).into_response();
            if let Some(allow) = parts.headers.get(ALLOW) {
                replacement.headers_mut().insert(ALLOW, allow.clone());
            }
            return finish(replacement, presentation, method, path);
        }
        None => None,
    };
    let value = if presentation.envelope {
        // Envelopes exist for clients that cannot read the status line, so the status moves into the body and the
        // HTTP status is 200 (Atlas docs, "Envelopes").
        parts.status = StatusCode::OK;
        Some(match value {
            Some(content) => json!({ "content": content, "status": status.as_u16() }),
            None => json!({ "status": status.as_u16() }),
        })
    } else {
        value
    };
    add_common_headers(&mut parts.headers);
    parts.headers.remove(CONTENT_LENGTH);
    let body = match value {
        Some(value) if presentation.pretty => Body::from(to_pretty_string(&value)),
        Some(value) => Body::from(value.to_string()),
        // A body that is not JSON (the OpenAPI document) goes out as the handler wrote it.
        None => original,
    };
    Response::from_parts(parts, body)
}

/// Headers Atlas sends on every response except the digest challenge (recorded responses).
fn add_common_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("strict-transport-security", "max-age=31536000; includeSubdomains;"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("x-permitted-cross-domain-policies", "none"),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    headers.insert(
        HeaderName::from_static("x-mongodb-service-version"),
        HeaderValue::from_static(concat!("gitHash=none; versionString=atlas-invites-", env!("CARGO_PKG_VERSION"))),
    );
}

/// A generic error for a status produced outside the handlers (framework or transport layers).
fn for_status(status: u16, method: &str, path: &str) -> ApiError {
    match status {
        404 => ApiError::resource_not_found(path),
        405 => ApiError::method_not_allowed(method, path),
        413 => ApiError::payload_too_large(MAX_BODY_BYTES),
        415 => ApiError::unsupported_media_type(""),
        400..=499 => ApiError::invalid_request(status),
        503 => ApiError::service_unavailable(),
        _ => ApiError::unexpected(),
    }
}

/// The versioned API's negotiation (https://www.mongodb.com/docs/atlas/api/versioned-api-overview/):
/// `Accept: application/vnd.atlas.YYYY-MM-DD+json` resolves to the newest version of the operation not after that
/// date; none, an unparsable one or one before the operation's first version is 406 INVALID_VERSION_DATE; a
/// deprecated version past its sunset is 410. The handler finds the version served among the extensions.
pub async fn negotiate_version(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let versions = request.extensions().get::<Route>().map_or(versions::STABLE_2023, |route| route.versions);
    let Some(version) = requested_version_date(request.headers()).and_then(|date| versions::resolve(versions, date))
    else {
        return ApiError::invalid_version_date().into_response();
    };
    let now = time::OffsetDateTime::from_unix_timestamp(app.service.now()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if version.deprecated.is_some() && now >= SUNSET {
        return ApiError::version_gone(version.name, request.uri().path()).into_response();
    }
    request.extensions_mut().insert(version);
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(version.content_type));
        if let Some(deprecation) = version.deprecated {
            headers.insert(HeaderName::from_static("deprecation"), HeaderValue::from_static(deprecation));
            headers.insert(HeaderName::from_static("sunset"), HeaderValue::from_static(SUNSET_HEADER));
        }
    }
    response
}

/// The unversioned surfaces (Atlas v1.0, Cloud Manager) answer plain `application/json` (their docs'
/// examples) and never expire.
pub async fn plain_json(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status().is_success() {
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    response
}

/// The date of the first `application/vnd.atlas.<date>+json` media range in `Accept`.
fn requested_version_date(headers: &HeaderMap) -> Option<time::Date> {
    let accept = headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    accept.split(',').find_map(|range| {
        let media_type = range.split(';').next()?.trim().to_ascii_lowercase();
        let date = media_type.strip_prefix("application/vnd.atlas.")?.strip_suffix("+json")?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(date, format).ok()
    })
}

/// A request body as JSON. Atlas takes `application/json` or its versioned vendor type (Atlas docs,
/// "Migrate to a new version"); anything else is refused before the body is read.
pub fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let is_json = media_type == "application/json"
        || (media_type.starts_with("application/vnd.atlas.") && media_type.ends_with("+json"));
    if !is_json {
        return Err(ApiError::unsupported_media_type(content_type));
    }
    super::strict_json::parse(body).map_err(|err| match err {
        StrictJsonError::DuplicateKey(key) => ApiError::duplicate_attribute(&key),
        StrictJsonError::Malformed => ApiError::malformed_json(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn version_dates_are_read_from_accept() {
        assert_eq!(
            requested_version_date(&accept("application/vnd.atlas.2023-01-01+json")),
            Some(date!(2023 - 01 - 01))
        );
        assert_eq!(
            requested_version_date(&accept("application/json, application/vnd.atlas.2025-03-12+json;q=0.9")),
            Some(date!(2025 - 03 - 12))
        );
        for bad in
            ["application/json", "*/*", "application/vnd.atlas.2023-13-45+json", "application/vnd.atlas.preview+json"]
        {
            assert_eq!(requested_version_date(&accept(bad)), None, "{bad}");
        }
        assert_eq!(requested_version_date(&HeaderMap::new()), None);
    }

    #[test]
    fn query_flags_must_be_booleans() {
        assert!(Presentation::from_query(Some("pretty=true&envelope=false")).unwrap().pretty);
        assert!(!Presentation::from_query(Some("username=a%40b.com")).unwrap().envelope);
        assert_eq!(Presentation::from_query(Some("pretty=yes")).err().unwrap().error_code, "INVALID_QUERY_PARAMETER");
    }

    #[test]
    fn query_components_are_percent_decoded() {
        assert_eq!(
            form_pairs(Some("username=a%40b.com&x")),
            vec![("username".into(), "a@b.com".into()), ("x".into(), "".into())]
        );
    }
}
