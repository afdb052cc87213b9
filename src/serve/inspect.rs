//! `GET /admin/inspect`: the self-inspection report as a page, for staff.
//!
//! The route exists only when the server was started with `--admin-token`;
//! otherwise the path answers 404 like any unknown one. The token comes as
//! `Authorization: Bearer TOKEN` or `?token=TOKEN` and is compared in
//! constant time; without it, or with another, the answer is 401. The
//! report is made from the data directory's crawl state on each request
//! (it reads, never fetches) with `DATA/inspect.toml`'s thresholds.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;

/// Query of `/admin/inspect`.
#[derive(Debug, Default, Deserialize)]
pub struct InspectParams {
    /// The admin token, for links and browsers that cannot send a header.
    pub token: Option<String>,
    /// The day ages count to (YYYY-MM-DD); today by default.
    pub as_of: Option<String>,
    /// `json` for the report as JSON; the page otherwise.
    pub format: Option<String>,
}

/// Equal bytes, in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        let y = b.get(i % b.len().max(1)).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// Whether the request carries the admin token.
fn authorized(expected: &str, headers: &HeaderMap, query: Option<&str>) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let given = bearer.or(query);
    given.is_some_and(|g| !expected.is_empty() && same(g.as_bytes(), expected.as_bytes()))
}

/// The report page (or JSON).
pub async fn inspect_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<InspectParams>,
) -> Result<Response, ApiError> {
    let Some(expected) = state.config.admin_token.as_deref() else {
        return Err(ApiError::not_found("no such page"));
    };
    if !authorized(expected, &headers, params.token.as_deref()) {
        let mut response = ApiError::status(StatusCode::UNAUTHORIZED).into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"gongkai admin\""),
        );
        return Ok(response);
    }
    let as_of = match params.as_of.as_deref() {
        Some(d) => gongkai_reports::inspect::parse_day(d)
            .ok_or_else(|| ApiError::bad_request("as_of: not a YYYY-MM-DD day"))?,
        None => gongkai_reports::inspect::today(),
    };
    let data = state.config.data.clone();
    let json = params.format.as_deref() == Some("json");
    let body = tokio::task::spawn_blocking(move || -> Result<String, String> {
        use gongkai_reports::inspect;
        let config = inspect::InspectConfig::load(&data).map_err(|e| e.to_string())?;
        let report = inspect::inspect_data_dir(&data, &config, as_of).map_err(|e| e.to_string())?;
        if json {
            inspect::to_json(&report).map_err(|e| e.to_string())
        } else {
            Ok(inspect::to_html(&report))
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("inspection task failed: {e}")))?
    .map_err(|e| {
        tracing::warn!(error = %e, "self-inspection failed");
        ApiError::internal("the self-inspection could not be made; see the server log")
    })?;
    let content_type = if json {
        "application/json"
    } else {
        "text/html; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
        let mut h = HeaderMap::new();
        assert!(!authorized("s3", &h, None));
        assert!(authorized("s3", &h, Some("s3")));
        assert!(!authorized("", &h, Some("")));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3"));
        assert!(authorized("s3", &h, None));
        assert!(
            !authorized("s4", &h, Some("s3")),
            "the header is what counts when sent"
        );
    }
}
