//! The self-inspection (网站常态化自查) from the last crawl: findings, and rendering as HTML, CSV and JSON.
