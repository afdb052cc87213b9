//! The one error type of the HTTP service: JSON `{"error": {"status", "message"}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable message (safe to show; never contains internals beyond the index error text).
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`), for 503s that will pass.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 413.
    pub fn too_large(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 500 (logged).
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!("internal error: {message}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message,
            retry_after: None,
        }
    }
    /// 503: every search slot is busy and the queue is full; try again shortly.
    pub fn overloaded(retry_after: u64) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the server is busy with other searches; try again in a moment".into(),
            retry_after: Some(retry_after),
        }
    }
    /// 503: the request took longer than the configured timeout.
    pub fn timeout(limit: std::time::Duration) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!(
                "the request took longer than {} s and was stopped",
                limit.as_secs_f64()
            ),
            retry_after: Some(1),
        }
    }
    /// Any other status, with its standard reason as the message.
    pub fn status(status: StatusCode) -> Self {
        ApiError {
            status,
            message: status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase(),
            retry_after: None,
        }
    }
    /// The JSON body of this error.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "error": { "status": self.status.as_u16(), "message": self.message }
        })
    }
}

impl From<gongkai_index::Error> for ApiError {
    fn from(err: gongkai_index::Error) -> Self {
        match err {
            gongkai_index::Error::InvalidQuery(m) => ApiError::bad_request(m),
            gongkai_index::Error::NoIndex(_) | gongkai_index::Error::Cancelled => ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: err.to_string(),
                retry_after: None,
            },
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request(rejection.body_text())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
