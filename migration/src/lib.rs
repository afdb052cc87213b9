//! `gongkai-migration`: what a site migration did to each document.
//!
//! It owns the matching of the old site's documents to the new site's by
//! identity, whatever their URLs ([`compare`], [`apply_aliases`]), the
//! redirect probe that asks every old URL what it answers now
//! ([`probe_all`], through the crawler's fetcher), and the migration report:
//! typed rows ([`Moved`], [`Modified`], [`Lost`], [`Added`],
//! [`RedirectCheck`]) written to CSV, `report.json` and an nginx map
//! ([`write_report`]).
//!
//! It never touches an index or its generations (the binary reads the live
//! generation's documents, crawls the new site and publishes the result) and
//! never crawls: it is given two sets of [`gongkai_document::Document`]s.

mod error;
mod matching;
mod probe;
mod report;
mod urls;

pub use error::Error;
pub use matching::{apply_aliases, change_amount, compare, normalized_text};
pub use probe::{OldUrlStatus, Probe, check_urls, probe_all};
pub use report::{
    Added, Lost, MatchedBy, Modified, Moved, RedirectCheck, Report, Summary, nginx_map,
    write_report,
};
pub use urls::{url_key, url_path};
