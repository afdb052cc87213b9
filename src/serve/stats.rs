//! `GET /stats`: the annual 政府信息公开 figures of the live index, as the
//! HTML page of [`gongkai_reports::stats`] (SVG charts, no script), JSON or
//! CSV.
//!
//! Counting reads every document, so it is done once per live index and
//! kept ([`StatsCache`]): the [`Tally`] holds every year's figures, and is
//! counted again only when the generation is swapped or a commit to it
//! becomes visible. The count runs in a task of its own, through the
//! admission slots: a request that times out while it runs leaves it to
//! finish and fill the cache for the next one. Owns the route's parameters
//! and the cache; the figures and their rendering are the library's.

use std::sync::{Arc, Weak};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_reports::stats::{self, HtmlOptions, Tally};
use serde::Deserialize;

use super::error::ApiError;
use super::{AppState, Loaded};

/// Query string of `/stats`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StatsParams {
    /// A year (`2023`), `all`, or nothing for the latest year with documents.
    pub year: Option<String>,
    /// `html` (default), `json` or `csv`.
    pub format: Option<String>,
}

/// What `/stats` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Json,
    Csv,
}

/// Which figures: one year, all, or the latest year that has documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Latest,
    All,
    Year(i32),
}

fn parse_period(year: Option<&str>) -> Result<Period, ApiError> {
    match year.map(str::trim) {
        None | Some("") => Ok(Period::Latest),
        Some(y) if y.eq_ignore_ascii_case("all") => Ok(Period::All),
        Some(y) => stats::parse_year(y)
            .map(Period::Year)
            .map_err(|e| ApiError::bad_request(format!("`year`: {e}, or `all`"))),
    }
}

fn parse_format(format: Option<&str>) -> Result<Format, ApiError> {
    match format.map(str::trim) {
        None | Some("") | Some("html") => Ok(Format::Html),
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(other) => Err(ApiError::bad_request(format!(
            "`format` must be html, json or csv, not {other:?}"
        ))),
    }
}

/// The links of the server's page.
fn html_options(state: &AppState) -> HtmlOptions {
    HtmlOptions {
        site_title: state.config.site_title.clone(),
        stats_path: Some("/stats".to_string()),
        search_path: Some("/".to_string()),
    }
}

/// `GET /stats?year=2023[&format=html|json|csv]`.
pub async fn stats_page(
    State(state): State<AppState>,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Response {
    // The format first: it decides how every error is answered.
    let format = params
        .as_ref()
        .ok()
        .and_then(|Query(p)| p.format.as_deref())
        .map(|f| parse_format(Some(f)));
    let format = match format {
        None => Format::Html,
        Some(Ok(f)) => f,
        Some(Err(e)) => return e.into_response(),
    };
    let result = async {
        let Query(params) = params?;
        let period = parse_period(params.year.as_deref())?;
        let tally = state.stats.tally(&state).await?;
        let year = match period {
            Period::Year(y) => Some(y),
            Period::All => None,
            Period::Latest => tally.latest_year(),
        };
        Ok::<_, ApiError>(tally.stats(year))
    }
    .await;
    let figures = match result {
        Ok(f) => f,
        Err(e) if format == Format::Html => return error_page(&state, e),
        Err(e) => return e.into_response(),
    };
    let rendered = match format {
        Format::Html => Ok((
            "text/html; charset=utf-8",
            stats::to_html(&figures, &html_options(&state)),
        )),
        Format::Json => stats::to_json(&figures).map(|j| ("application/json", j)),
        Format::Csv => stats::to_csv(&figures).map(|c| ("text/csv; charset=utf-8", c)),
    };
    match rendered {
        Ok((content_type, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// The error in the page's own frame and style.
fn error_page(state: &AppState, err: ApiError) -> Response {
    let mut response = (
        err.status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        stats::error_html(&err.message, &html_options(state)),
    )
        .into_response();
    if let Some(seconds) = err.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
    }
    response
}

/// Which documents a tally was counted over: the loaded generation (the
/// same `Arc`, so a generation loaded again after a rollback counts again)
/// and the version of its reader (commits within the generation).
#[derive(Clone)]
struct Key {
    loaded: Weak<Loaded>,
    generation: u64,
    reader: u64,
}

impl Key {
    fn of(loaded: &Arc<Loaded>) -> Key {
        Key {
            loaded: Arc::downgrade(loaded),
            generation: loaded.generation,
            reader: loaded.searcher.reader_version(),
        }
    }

    fn same(&self, other: &Key) -> bool {
        // The `Weak` keeps the allocation: an address is never reused while
        // it is held, so pointer equality is identity.
        Weak::ptr_eq(&self.loaded, &other.loaded)
            && self.generation == other.generation
            && self.reader == other.reader
    }
}

struct Cached {
    key: Key,
    tally: Arc<Tally>,
}

/// The [`Tally`] of the live index, counted at most once per generation
/// (and per commit to it). Holds a `Weak` to the generation: a swapped-out
/// generation is not kept open for it.
#[derive(Clone, Default)]
pub struct StatsCache {
    slot: Arc<tokio::sync::Mutex<Option<Cached>>>,
}

impl StatsCache {
    /// The tally of the live index: the kept one when it was counted over
    /// the same documents, else counted now (once, however many requests
    /// wait for it).
    pub async fn tally(&self, state: &AppState) -> Result<Arc<Tally>, ApiError> {
        let slot = self.slot.clone();
        let state = state.clone();
        // A task of its own: a request dropped on timeout does not stop
        // the count, which then fills the cache for the next request.
        let task = tokio::spawn(async move {
            let mut slot = slot.lock_owned().await;
            let key = Key::of(&state.live.get());
            if let Some(cached) = slot.as_ref()
                && cached.key.same(&key)
            {
                return Ok(cached.tally.clone());
            }
            let tally = state
                .blocking(|loaded, _| {
                    // Keyed by the generation counted, which may be newer
                    // than the key above: then the next request counts again.
                    let key = Key::of(&loaded);
                    let tally = Tally::count(&loaded.searcher).map_err(|e| match e {
                        stats::StatsError::Index(e) => ApiError::from(e),
                        other => ApiError::internal(other.to_string()),
                    })?;
                    Ok((key, Arc::new(tally)))
                })
                .await;
            let (key, tally) = tally?;
            state.metrics.stats_counted();
            tracing::info!(
                generation = key.generation,
                years = tally.years().len(),
                "annual figures counted"
            );
            *slot = Some(Cached {
                key,
                tally: tally.clone(),
            });
            Ok(tally)
        });
        task.await
            .map_err(|e| ApiError::internal(format!("counting the figures failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked() {
        assert_eq!(parse_period(None).ok(), Some(Period::Latest));
        assert_eq!(parse_period(Some(" ")).ok(), Some(Period::Latest));
        assert_eq!(parse_period(Some("ALL")).ok(), Some(Period::All));
        assert_eq!(parse_period(Some("2023")).ok(), Some(Period::Year(2023)));
        for bad in ["abc", "0", "20233", "2023-01"] {
            let err = parse_period(Some(bad)).expect_err(bad);
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(err.message.contains("`year`"), "{}", err.message);
        }
        assert_eq!(parse_format(None).ok(), Some(Format::Html));
        assert_eq!(parse_format(Some("csv")).ok(), Some(Format::Csv));
        assert!(parse_format(Some("xml")).is_err());
    }
}
