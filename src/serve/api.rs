//! JSON handlers. Each one is thin: check parameters, run the index work on
//! the blocking pool, serialise.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gongkai_index::category::{CATEGORIES, KIND_NEWS};
use gongkai_index::{SearchRequest, SearchResponse, Sort};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::json::SearchJson;
use super::{AppState, DEFAULT_PAGE_SIZE, MAX_DEPTH, MAX_PAGE_SIZE, MAX_QUERY_BYTES};

/// Query string of `/api/search` and `/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SearchParams {
    /// Query text.
    pub q: Option<String>,
    /// Category (several separated by commas); `新闻` selects news.
    pub category: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Published on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// 发布机构, exactly.
    pub publisher: Option<String>,
    /// `relevance` (default) or `date`.
    pub sort: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Hits per page (1..=100).
    pub size: Option<String>,
    /// `0`/`false` to leave snippets out (faster).
    pub snippets: Option<String>,
    /// Page only: `0` shows a 文号 query's document first instead of jumping to it.
    pub jump: Option<String>,
}

/// Checked parameters.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The request for the searcher.
    pub request: SearchRequest,
    /// Page number, from 1.
    pub page: usize,
    /// Hits per page.
    pub size: usize,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_number(name: &str, value: &Option<String>, default: usize) -> Result<usize, ApiError> {
    match non_empty(value) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "`{name}` must be a positive whole number, not {v:?}"
            ))
        }),
    }
}

fn parse_date(name: &str, value: &Option<String>) -> Result<Option<time::Date>, ApiError> {
    match non_empty(value) {
        None => Ok(None),
        Some(v) => gongkai_index::document::parse_date(v)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`{name}` is not a date: {v:?} (expected YYYY-MM-DD)"
                ))
            }),
    }
}

impl SearchParams {
    /// The query text, trimmed.
    pub fn query(&self) -> &str {
        self.q.as_deref().map(str::trim).unwrap_or("")
    }

    /// Checks every parameter and builds the search request.
    pub fn check(&self) -> Result<Checked, ApiError> {
        let query = self.query();
        if query.len() > MAX_QUERY_BYTES {
            return Err(ApiError::too_large(format!(
                "query is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
                query.len()
            )));
        }
        let page = parse_number("page", &self.page, 1)?;
        if page == 0 {
            return Err(ApiError::bad_request("`page` starts at 1"));
        }
        let size = parse_number("size", &self.size, DEFAULT_PAGE_SIZE)?;
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ApiError::bad_request(format!(
                "`size` must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        let depth = page.saturating_mul(size);
        if depth > MAX_DEPTH {
            return Err(ApiError::bad_request(format!(
                "results past the first {MAX_DEPTH} are not paged; narrow the search with filters instead"
            )));
        }
        let sort = match non_empty(&self.sort) {
            None => Sort::Relevance,
            Some(s) => s
                .parse::<Sort>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        };
        let snippets = match non_empty(&self.snippets) {
            None | Some("1") | Some("true") | Some("yes") => true,
            Some("0") | Some("false") | Some("no") => false,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "`snippets` must be 0 or 1, not {other:?}"
                )));
            }
        };
        let from = parse_date("from", &self.from)?;
        let to = parse_date("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::bad_request(format!(
                "`from` ({f}) is after `to` ({t})"
            )));
        }
        let categories: Vec<String> = non_empty(&self.category)
            .map(|c| {
                c.split([',', '，'])
                    .map(|s| gongkai_index::analysis::normalize(s.trim()))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for c in &categories {
            if c != KIND_NEWS && !gongkai_index::category::is_category(c) {
                return Err(ApiError::bad_request(format!(
                    "unknown category {c:?} (see /api/categories)"
                )));
            }
        }
        let request = SearchRequest {
            query: query.to_string(),
            categories,
            from,
            to,
            publisher: non_empty(&self.publisher).map(str::to_string),
            sort,
            limit: size,
            offset: (page - 1) * size,
            snippets,
            without_facets: false,
            cancel: None,
        };
        Ok(Checked {
            request,
            page,
            size,
        })
    }
}

/// Runs a checked search on the blocking pool.
pub async fn run_search(
    state: &AppState,
    request: SearchRequest,
) -> Result<SearchResponse, ApiError> {
    state
        .blocking(move |loaded, cancel| {
            let request = SearchRequest {
                cancel: Some(cancel),
                ..request
            };
            Ok(loaded.searcher.search(&request)?)
        })
        .await
}

/// `GET /api/search`: the same JSON as `gongkai search --format json`
/// ([`SearchJson`]).
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let checked = params.check()?;
    let response = run_search(&state, checked.request).await?;
    Ok(Json(SearchJson::new(&response)).into_response())
}

/// `GET /api/doc/{id}`: every stored field, aliases included.
pub async fn doc(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    if id.len() > 512 {
        return Err(ApiError::too_large("id longer than 512 bytes"));
    }
    let found = state
        .blocking(move |loaded, _| {
            let doc = loaded.searcher.get(&id)?;
            Ok(doc.ok_or_else(|| ApiError::not_found(format!("no document with id {id:?}"))))
        })
        .await??;
    Ok(Json(found))
}

/// Query string of `/api/doc`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DocParams {
    /// The document's URL or any of its aliases (an old URL after a site move).
    pub url: Option<String>,
}

/// `GET /api/doc?url=URL`: the document at a URL, or that had it before a
/// move (aliases are searched too).
pub async fn doc_by_url(
    State(state): State<AppState>,
    params: Result<Query<DocParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(params) = params?;
    let url = params
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("give ?url= or use /api/doc/{id}"))?;
    if url.len() > 4096 {
        return Err(ApiError::too_large("url longer than 4096 bytes"));
    }
    let found = state
        .blocking(move |loaded, _| {
            let doc = loaded.searcher.get_by_url(&url)?;
            Ok(doc.ok_or_else(|| ApiError::not_found(format!("no document at {url:?}"))))
        })
        .await??;
    Ok(Json(found))
}

/// Query string of `/api/suggest`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuggestParams {
    /// What the user has typed so far.
    pub q: Option<String>,
    /// Most suggestions (1..=20, default 8).
    pub size: Option<String>,
}

/// Most suggestions in one answer.
pub const MAX_SUGGESTIONS: usize = 20;

/// `GET /api/suggest?q=`: term and title completions.
pub async fn suggest(
    State(state): State<AppState>,
    params: Result<Query<SuggestParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(params) = params?;
    let q = params.q.unwrap_or_default();
    // The user's query counts, not the title query built from it.
    if q.trim().len() > MAX_QUERY_BYTES {
        return Err(ApiError::too_large(format!(
            "query is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
            q.trim().len()
        )));
    }
    // Same rule as `/api/search`: out of range is an error, not clamped.
    let size = parse_number("size", &params.size, 8)?;
    if size == 0 || size > MAX_SUGGESTIONS {
        return Err(ApiError::bad_request(format!(
            "`size` must be between 1 and {MAX_SUGGESTIONS}"
        )));
    }
    let suggestions = state
        .blocking(move |loaded, _| Ok(loaded.searcher.suggest(&q, size)?))
        .await?;
    Ok(Json(serde_json::json!({ "suggestions": suggestions })))
}

/// `GET /api/categories`: the 20 categories (and 新闻) with document counts.
pub async fn categories(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let response = run_search(
        &state,
        SearchRequest {
            limit: 0,
            ..Default::default()
        },
    )
    .await?;
    let list: Vec<serde_json::Value> = CATEGORIES
        .iter()
        .copied()
        .chain(std::iter::once(KIND_NEWS))
        .map(
            |name| serde_json::json!({ "name": name, "count": response.facets.category.get(name) }),
        )
        .collect();
    Ok(Json(
        serde_json::json!({ "categories": list, "total": response.total }),
    ))
}

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let loaded = state.live.get();
    Json(serde_json::json!({
        "status": "ok",
        "generation": loaded.generation,
        "documents": loaded.searcher.num_docs(),
    }))
}

/// `GET /metrics`: Prometheus text (see [`super::metrics`]).
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, super::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
}

/// Anything else: JSON 404.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    let path = uri.path();
    let shown: String = path.chars().take(200).collect();
    ApiError::not_found(format!("no such endpoint: {shown}"))
}
