//! `gongkai-reports`: the reports the staff who run a portal owe, made from
//! what gongkai already holds.
//!
//! - [`stats`]: the annual 政府信息公开 figures (items per month, per
//!   category, per publisher) as data, HTML with server-side SVG charts,
//!   CSV and JSON;
//! - [`inspect`]: the site's self-inspection (网站常态化自查) against the
//!   national checklist, from the last crawl's stored state.
//!
//! It only reads: it never writes an index or a crawl state and never
//! fetches a page (except external links when asked to check them). The
//! binary wires it to `gongkai stats`, `gongkai inspect` and the server.

pub mod inspect;
pub mod stats;
