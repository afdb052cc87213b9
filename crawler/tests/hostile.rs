//! Hostile attachments and hostile servers (issue 11, items 1 and 11).
//!
//! Every hostile file is generated here, a few kilobytes standing for
//! gigabytes; every hostile server is a tokio server on 127.0.0.1 whose
//! connections each end within [`CONNECTION_LIFE`] and send at most a few
//! megabytes. Nothing asserts on time or memory (the closing report of the
//! change measured both); what is asserted is what must hold whatever the
//! machine: an error or bounded text instead of an abort, one request per
//! slow URL instead of eight, the host's good pages crawled and its robots
//! rules obeyed.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongkai_crawler::attachments::{MAX_TEXT_CHARS, extract_text};
use gongkai_crawler::{CrawlConfig, Crawler};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------
// Hostile files

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, data) in members {
        w.start_file(*name, opts).expect("zip member");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A zip member of `len` bytes of `fill` between `head` and `tail`, written
/// in pieces so the test never holds it whole.
fn zip_with_bomb(
    others: &[(&str, &[u8])],
    name: &str,
    head: &str,
    fill: u8,
    len: usize,
    tail: &str,
) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    for (other, data) in others {
        w.start_file(*other, opts).expect("zip member");
        w.write_all(data).expect("zip write");
    }
    w.start_file(name, opts).expect("zip member");
    w.write_all(head.as_bytes()).expect("head");
    let block = vec![fill; 1 << 20];
    for _ in 0..len / block.len() {
        w.write_all(&block).expect("fill");
    }
    w.write_all(tail.as_bytes()).expect("tail");
    w.finish().expect("zip finish").into_inner()
}

/// The members of an XLSX but its one sheet.
const XLSX_PARTS: [(&str, &[u8]); 4] = [
    (
        "[Content_Types].xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/workbook.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    ),
];

/// An XLSX whose one sheet holds `cells` (reference, text) as inline strings.
fn xlsx(cells: &[(&str, &str)]) -> Vec<u8> {
    let row_of = |r: &str| -> u32 {
        r.trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .expect("row")
    };
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let mut rows: Vec<u32> = cells.iter().map(|(r, _)| row_of(r)).collect();
    rows.dedup();
    for row in rows {
        sheet.push_str(&format!(r#"<row r="{row}">"#));
        for (r, text) in cells.iter().filter(|(r, _)| row_of(r) == row) {
            sheet.push_str(&format!(
                r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut members = XLSX_PARTS.to_vec();
    members.push(("xl/worksheets/sheet1.xml", sheet.as_bytes()));
    zip_of(&members)
}

/// A DOCX whose `word/document.xml` inflates to 256 MiB of one text run.
fn docx_bomb() -> Vec<u8> {
    zip_with_bomb(
        &[],
        "word/document.xml",
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#,
        b'a',
        256 << 20,
        "</w:t></w:r></w:p></w:body></w:document>",
    )
}

/// BIFF8 records.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// A legacy XLS: one sheet whose `Dimensions` declares `dims` (first row,
/// last row + 1, first col, last col + 1) and whose cells are `numbers` and
/// one label.
fn xls(dims: (u32, u32, u16, u16), numbers: &[(u16, u16, f64)], label: &str) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = vec![0u8; 16];
        d[..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        record(0x0809, &d)
    };
    let mut sheet = bof(0x0010);
    let mut d = Vec::new();
    d.extend(dims.0.to_le_bytes());
    d.extend(dims.1.to_le_bytes());
    d.extend(dims.2.to_le_bytes());
    d.extend(dims.3.to_le_bytes());
    d.extend([0, 0]);
    sheet.extend(record(0x0200, &d));
    for (row, col, v) in numbers {
        let mut d = Vec::new();
        d.extend(row.to_le_bytes());
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(v.to_le_bytes());
        sheet.extend(record(0x0203, &d));
    }
    let mut d = vec![0, 0, 1, 0, 0, 0];
    let utf16: Vec<u16> = label.encode_utf16().collect();
    d.extend((utf16.len() as u16).to_le_bytes());
    d.push(1);
    for u in utf16 {
        d.extend(u.to_le_bytes());
    }
    sheet.extend(record(0x0204, &d));
    sheet.extend(record(0x000A, &[]));

    let name = b"Sheet1";
    let boundsheet_len = 4 + 8 + name.len();
    let globals_len = bof(0x0005).len() + boundsheet_len + 4;
    let mut stream = bof(0x0005);
    let mut d = (globals_len as u32).to_le_bytes().to_vec();
    d.extend([0, 0, name.len() as u8, 0]);
    d.extend(name);
    stream.extend(record(0x0085, &d));
    stream.extend(record(0x000A, &[]));
    assert_eq!(stream.len(), globals_len);
    stream.extend(sheet);

    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).expect("cfb");
    file.create_stream("/Workbook")
        .expect("stream")
        .write_all(&stream)
        .expect("write");
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// Extraction of `bytes`, timed and reported (not asserted).
fn extract(what: &str, format: &str, bytes: &[u8]) -> Result<String, String> {
    let t0 = Instant::now();
    let r = extract_text(format, bytes).map_err(|e| e.to_string());
    eprintln!(
        "{what}: {} bytes -> {} in {:?}",
        bytes.len(),
        match &r {
            Ok(t) => format!("{} chars of text", t.chars().count()),
            Err(e) => format!("error {e}"),
        },
        t0.elapsed()
    );
    r
}

#[test]
fn xlsx_with_cells_at_the_far_corners_is_read_as_a_stream() {
    // Before: the reader allocated the 17-billion-cell bounding box and the
    // process aborted ("memory allocation of 549755813888 bytes failed").
    let file = xlsx(&[("A1", "项目编号：YLXM-XLSX-0001"), ("XFD1048576", "末格")]);
    assert!(file.len() < 2048, "{} bytes", file.len());
    let text = extract("A1 + XFD1048576", "xlsx", &file).expect("text");
    assert_eq!(text, "项目编号：YLXM-XLSX-0001\n末格");

    let file = xlsx(&[("A1", "首格"), ("Z1000000", "YLXM-TALL")]);
    let text = extract("A1 + Z1000000", "xlsx", &file).expect("text");
    assert_eq!(text, "首格\nYLXM-TALL");
}

#[test]
fn a_spreadsheet_zip_bomb_is_an_error() {
    // One sheet inflating to 256 MiB of one cell's text.
    let file = zip_with_bomb(
        &XLSX_PARTS,
        "xl/worksheets/sheet1.xml",
        r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#,
        b'x',
        256 << 20,
        "</t></is></c></row></sheetData></worksheet>",
    );
    let err = extract("XLSX bomb", "xlsx", &file).expect_err("bomb");
    assert!(err.contains("inflates to more than"), "{err}");
}

#[test]
fn a_docx_zip_bomb_is_an_error() {
    let file = docx_bomb();
    assert!(file.len() < 1 << 20, "{} bytes", file.len());
    let err = extract("DOCX bomb", "docx", &file).expect_err("bomb");
    assert!(err.contains("inflates to more than"), "{err}");
}

#[test]
fn legacy_xls_is_read_within_bounds() {
    // A well-formed workbook still gives its text.
    let good = xls((0, 2, 0, 2), &[(1, 1, 2024.0)], "项目编号：YLXM-XLS-0001");
    let text = extract("small XLS", "xls", &good).expect("text");
    assert!(text.contains("项目编号：YLXM-XLS-0001"), "{text:?}");
    assert!(text.contains("2024"), "{text:?}");

    // A Dimensions record declaring a million rows of 256 columns: calamine
    // reserves that many cells before reading any (10 GB).
    let declared = xls((0, 1_048_576, 0, 256), &[], "x");
    assert!(extract("XLS huge Dimensions", "xls", &declared).is_err());
    // Cells at both ends of BIFF8's grid: a 16.7-million-cell box (0.5 GB).
    let corners = xls((0, 1, 0, 1), &[(0, 0, 1.0), (65535, 255, 2.0)], "x");
    assert!(extract("XLS far corners", "xls", &corners).is_err());
    // A Dimensions record whose last row is before its first: calamine
    // would compute a negative size and wrap.
    let inverted = xls((100, 50, 0, 1), &[], "x");
    assert!(extract("XLS inverted Dimensions", "xls", &inverted).is_err());
}

#[test]
fn text_from_any_attachment_is_capped() {
    // A million-row sheet of long strings gives at most MAX_TEXT_CHARS.
    let long = "长".repeat(1000);
    let cells: Vec<(String, String)> = (1..=5000)
        .map(|r| (format!("A{r}"), long.clone()))
        .collect();
    let refs: Vec<(&str, &str)> = cells
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let text = extract("5000 rows x 1000 chars", "xlsx", &xlsx(&refs)).expect("text");
    assert_eq!(text.chars().count(), MAX_TEXT_CHARS);
}

// ---------------------------------------------------------------------------
// Hostile servers

/// No connection of the hostile server lives longer than this.
const CONNECTION_LIFE: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug)]
enum RobotsKind {
    /// 12 MB, the rules at the top.
    Big,
    /// gzip that inflates to 64 MiB, the rules at the top.
    GzipBomb,
    /// `Content-Length: 2000000000`, then the rules and 8 MB of padding.
    HugeLength,
}

const RULES: &str = "User-agent: *\nDisallow: /private/\n";

struct Hostile {
    base: String,
    hits: Arc<Mutex<HashMap<String, u32>>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Hostile {
    fn hits(&self, path: &str) -> u32 {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn gzip(head: &str, fill: u8, len: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(head.as_bytes()).expect("gzip");
    let block = vec![fill; 1 << 20];
    for _ in 0..len / block.len() {
        enc.write_all(&block).expect("gzip");
    }
    enc.finish().expect("gzip")
}

fn article(title: &str, body: &str, links: &str) -> String {
    format!(
        r#"<html><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-05-17">
</head><body><h1>{title}</h1><div id="zoom"><p>{body}</p><p>{links}</p></div></body></html>"#
    )
}

/// Files the server serves under `/files/`.
type Files = HashMap<String, Vec<u8>>;

fn start(robots: RobotsKind, files: Files) -> Hostile {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let bomb = Arc::new(gzip("<html><body>", b' ', 64 << 20));
    let robots_bomb = Arc::new(gzip(RULES, b'\n', 64 << 20));
    let files = Arc::new(files);
    let h = hits.clone();
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        while let Ok((conn, _)) = listener.accept().await {
            let (h, bomb, robots_bomb, files) =
                (h.clone(), bomb.clone(), robots_bomb.clone(), files.clone());
            tokio::spawn(tokio::time::timeout(CONNECTION_LIFE, async move {
                let _ = serve(conn, robots, &h, &bomb, &robots_bomb, &files).await;
            }));
        }
    });
    Hostile {
        base,
        hits,
        rt: Some(rt),
    }
}

async fn serve(
    mut conn: tokio::net::TcpStream,
    robots: RobotsKind,
    hits: &Mutex<HashMap<String, u32>>,
    bomb: &[u8],
    robots_bomb: &[u8],
    files: &Files,
) -> std::io::Result<()> {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf).await?;
        if n == 0 || req.len() > 16 * 1024 {
            return Ok(());
        }
        req.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&req);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    *hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
    let ok = |ctype: &str, len: usize, extra: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n{extra}Connection: close\r\n\r\n"
        )
    };
    let html = "text/html; charset=utf-8";
    match path.as_str() {
        "/robots.txt" => match robots {
            RobotsKind::Big => {
                let size = 12 << 20;
                conn.write_all(ok("text/plain", size, "").as_bytes())
                    .await?;
                conn.write_all(RULES.as_bytes()).await?;
                let pad =
                    "# padding padding padding padding padding padding padding\n".repeat(1000);
                let mut sent = RULES.len();
                while sent + pad.len() <= size {
                    conn.write_all(pad.as_bytes()).await?;
                    sent += pad.len();
                }
                conn.write_all(&vec![b'\n'; size - sent]).await?;
            }
            RobotsKind::GzipBomb => {
                let h = ok(
                    "text/plain",
                    robots_bomb.len(),
                    "Content-Encoding: gzip\r\n",
                );
                conn.write_all(h.as_bytes()).await?;
                conn.write_all(robots_bomb).await?;
            }
            RobotsKind::HugeLength => {
                conn.write_all(ok("text/plain", 2_000_000_000, "").as_bytes())
                    .await?;
                conn.write_all(RULES.as_bytes()).await?;
                let pad = "#\n".repeat(64 * 1024);
                for _ in 0..64 {
                    conn.write_all(pad.as_bytes()).await?;
                }
            }
        },
        "/" => {
            let links: String = [
                "/good/1.htm",
                "/good/2.htm",
                "/attachments.htm",
                "/slow.htm",
                "/drip-headers.htm",
                "/short.htm",
                "/short-close.htm",
                "/bomb.htm",
                "/huge.htm",
                "/private/secret.htm",
            ]
            .iter()
            .map(|l| format!(r#"<li><a href="{l}">{l}</a></li>"#))
            .collect();
            let body = format!("<html><body><ul>{links}</ul></body></html>");
            conn.write_all(ok(html, body.len(), "").as_bytes()).await?;
            conn.write_all(body.as_bytes()).await?;
        }
        "/good/1.htm" | "/good/2.htm" | "/private/secret.htm" | "/attachments.htm" => {
            let links = if path == "/attachments.htm" {
                files
                    .keys()
                    .map(|f| format!(r#"<a href="/files/{f}">附件 {f}</a> "#))
                    .collect()
            } else {
                String::new()
            };
            let body = article(
                &format!("样例县通知 {path}"),
                &format!("这是一篇正常的文章，地址是 {path}，内容足够长，可以被识别为正文。"),
                &links,
            );
            conn.write_all(ok(html, body.len(), "").as_bytes()).await?;
            conn.write_all(body.as_bytes()).await?;
        }
        // A byte every 100 ms of a claimed 100 kB.
        "/slow.htm" => {
            conn.write_all(ok(html, 100_000, "").as_bytes()).await?;
            loop {
                conn.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        // Headers that never end: a byte every 100 ms.
        "/drip-headers.htm" => {
            conn.write_all(b"HTTP/1.1 200 OK\r\nX-Drip: ").await?;
            loop {
                conn.write_all(b"x").await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        // 1 kB of a claimed 100 kB, then silence until the client leaves.
        "/short.htm" => {
            conn.write_all(ok(html, 100_000, "").as_bytes()).await?;
            conn.write_all(&[b' '; 1000]).await?;
            let _ = conn.read(&mut buf).await;
        }
        // 1 kB of a claimed 100 kB, then the connection closes.
        "/short-close.htm" => {
            conn.write_all(ok(html, 100_000, "").as_bytes()).await?;
            conn.write_all(&[b' '; 1000]).await?;
        }
        "/bomb.htm" => {
            let h = ok(html, bomb.len(), "Content-Encoding: gzip\r\n");
            conn.write_all(h.as_bytes()).await?;
            conn.write_all(bomb).await?;
        }
        "/huge.htm" => {
            conn.write_all(ok(html, 2_000_000_000, "").as_bytes())
                .await?;
            conn.write_all(&[b' '; 64 * 1024]).await?;
        }
        p if p.starts_with("/files/") && files.contains_key(&p[7..]) => {
            let data = &files[&p[7..]];
            let h = ok("application/octet-stream", data.len(), "");
            conn.write_all(h.as_bytes()).await?;
            conn.write_all(data).await?;
        }
        _ => {
            conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        }
    }
    conn.flush().await?;
    conn.shutdown().await
}

fn crawl_hostile(
    server: &Hostile,
) -> (
    gongkai_crawler::CrawlSummary,
    Vec<gongkai_crawler::Document>,
) {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut cfg = CrawlConfig {
        seeds: vec![format!("{}/", server.base)],
        concurrency: 4,
        delay: Duration::ZERO,
        ..Default::default()
    };
    cfg.fetch.timeout = Duration::from_secs(3);
    cfg.fetch.backoff = Duration::from_millis(50);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let t0 = Instant::now();
    let summary = rt.block_on(async {
        let mut c = Crawler::open(tmp.path(), cfg).expect("open");
        c.run(&|_| {}).await.expect("crawl")
    });
    eprintln!("crawl: {summary:?} in {:?}", t0.elapsed());
    let state = gongkai_crawler::State::open(&tmp.path().join("crawl.sqlite")).expect("state");
    (summary, state.documents().expect("docs"))
}

fn assert_host_crawled(
    server: &Hostile,
    summary: &gongkai_crawler::CrawlSummary,
    docs: &[gongkai_crawler::Document],
) {
    assert!(summary.finished, "{summary:?}");
    for good in ["/good/1.htm", "/good/2.htm", "/attachments.htm"] {
        assert!(
            docs.iter().any(|d| d.url.ends_with(good)),
            "{good} not crawled: {summary:?}"
        );
    }
    // The rules at the top of the oversized robots.txt were read and obeyed.
    assert_eq!(server.hits("/private/secret.htm"), 0, "{summary:?}");
    assert!(summary.robots_blocked >= 1, "{summary:?}");
}

/// A 12 MB robots.txt and a host whose pages drip, break off, inflate to
/// 64 MiB or claim 2 GB: the robots rules are read from the first 500 KiB,
/// each bad page fails alone after one request (two for headers that never
/// end), and the good pages are crawled.
#[test]
fn a_hostile_host_costs_its_bad_pages_only() {
    let server = start(RobotsKind::Big, Files::new());
    let (summary, docs) = crawl_hostile(&server);
    assert_host_crawled(&server, &summary, &docs);
    // One request each: a body that answered but broke off or crawled is not
    // retried (before: 4 attempts, then 4 more at the end of the run).
    for slow in ["/slow.htm", "/short.htm", "/short-close.htm"] {
        assert_eq!(server.hits(slow), 1, "{slow}: {summary:?}");
    }
    // Headers that never end time out, are tried once more, and are not
    // queued again at the end of the run (before: 4 + 4 attempts).
    assert_eq!(server.hits("/drip-headers.htm"), 2, "{summary:?}");
    assert_eq!(summary.failed.get("timeout"), Some(&1), "{summary:?}");
    assert_eq!(summary.retried_later, 0, "{summary:?}");
    assert_eq!(summary.failed.get("slow-body"), Some(&2), "{summary:?}");
    assert_eq!(summary.failed.get("short-body"), Some(&1), "{summary:?}");
    // The gzip bomb and the claimed 2 GB fail their own page, once.
    assert_eq!(summary.failed.get("too-large"), Some(&2), "{summary:?}");
    assert_eq!(server.hits("/bomb.htm"), 1);
    assert_eq!(server.hits("/huge.htm"), 1);
}

#[test]
fn a_gzip_bomb_robots_txt_is_read_to_500_kib() {
    let server = start(RobotsKind::GzipBomb, Files::new());
    let (summary, docs) = crawl_hostile(&server);
    assert_host_crawled(&server, &summary, &docs);
}

#[test]
fn a_robots_txt_claiming_2_gb_is_read_to_500_kib() {
    let server = start(RobotsKind::HugeLength, Files::new());
    let (summary, docs) = crawl_hostile(&server);
    assert_host_crawled(&server, &summary, &docs);
}

/// An article whose attachments would each have killed the crawler is
/// indexed, each attachment recorded with its error; a good attachment
/// beside them keeps its text.
#[test]
fn an_article_with_hostile_attachments_is_indexed() {
    let mut files = Files::new();
    files.insert(
        "corners.xlsx".into(),
        xlsx(&[("A1", "YLXM-CORNER"), ("XFD1048576", "末格")]),
    );
    files.insert("docbomb.docx".into(), docx_bomb());
    files.insert(
        "huge-dims.xls".into(),
        xls((0, 1_048_576, 0, 256), &[], "x"),
    );
    files.insert(
        "good.xlsx".into(),
        xlsx(&[("A1", "项目编号"), ("B1", "YLXM-GOOD-0001")]),
    );
    let server = start(RobotsKind::Big, files);
    let (summary, docs) = crawl_hostile(&server);
    assert!(summary.finished, "{summary:?}");
    let doc = docs
        .iter()
        .find(|d| d.url.ends_with("/attachments.htm"))
        .unwrap_or_else(|| panic!("article not indexed: {summary:?}"));
    let att = |name: &str| {
        doc.attachments
            .iter()
            .find(|a| a.url.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not recorded: {:?}", doc.attachments))
    };
    assert_eq!(att("good.xlsx").text, "项目编号 YLXM-GOOD-0001");
    assert!(att("corners.xlsx").text.contains("YLXM-CORNER"));
    for bad in ["docbomb.docx", "huge-dims.xls"] {
        let a = att(bad);
        assert!(a.text.is_empty() && a.error.is_some(), "{bad}: {a:?}");
    }
}
