//! A tiny static server for the bundled demo portal (`src/demo/site`), the
//! way `serve_portal.py` serves a fixture: Content-Type from
//! `_meta/headers.tsv`, 301s from `_meta/redirects.tsv`, `{host}` replaced
//! in sitemaps and robots.txt, `index.html` for directories, 404 otherwise.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Site {
    root: PathBuf,
    types: HashMap<String, String>,
    redirects: HashMap<String, String>,
}

fn read_tsv(path: &Path) -> HashMap<String, String> {
    let mut map = HashMap::new();
    if let Ok(text) = std::fs::read_to_string(path) {
        for line in text.lines() {
            let mut parts = line.split('\t');
            if let (Some(k), Some(v)) = (parts.next(), parts.next())
                && !k.is_empty()
            {
                map.insert(k.to_string(), v.to_string());
            }
        }
    }
    map
}

/// The router serving a site directory made by `make_portal.py` (with `site/` and `_meta/`).
pub fn router(dir: &Path) -> Router {
    let site = Site {
        root: dir.join("site"),
        types: read_tsv(&dir.join("_meta").join("headers.tsv")),
        redirects: read_tsv(&dir.join("_meta").join("redirects.tsv")),
    };
    Router::new()
        .fallback(serve_file)
        .with_state(Arc::new(site))
}

async fn serve_file(State(site): State<Arc<Site>>, request: Request) -> Response {
    let path = percent_decode(request.uri().path());
    if let Some(target) = site.redirects.get(&path)
        && let Ok(value) = HeaderValue::from_str(target)
    {
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, value)]).into_response();
    }
    let mut rel = PathBuf::new();
    for part in Path::new(path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => rel.push(p),
            Component::CurDir => {}
            _ => return not_found(),
        }
    }
    let mut full = site.root.join(&rel);
    let mut canonical = path.clone();
    if full.is_dir() {
        full = full.join("index.html");
        canonical = format!("{}/index.html", path.trim_end_matches('/'));
    }
    let Ok(mut body) = tokio::fs::read(&full).await else {
        return not_found();
    };
    if canonical.ends_with(".xml") || canonical.ends_with("robots.txt") {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_string();
        body = String::from_utf8_lossy(&body)
            .replace("{host}", &host)
            .into_bytes();
    }
    let ctype = site.types.get(&canonical).cloned().unwrap_or_else(|| {
        match full.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "html" | "htm" => "text/html",
            "xml" => "application/xml",
            "txt" => "text/plain",
            "js" => "application/javascript",
            "pdf" => "application/pdf",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _ => "application/octet-stream",
        }
        .to_string()
    });
    let ctype = HeaderValue::from_str(&ctype)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, ctype)], body).into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body><h1>404 Not Found</h1></body></html>",
    )
        .into_response()
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}
