//! Each check on a small hand-made crawl snapshot.

use super::*;
use crate::inspect::{InspectConfig, to_csv, to_html};
use gongkai_crawler::AttachmentRef;
use gongkai_crawler::state::PageFacts;

const H: &str = "http://gov.example/";

fn u(path: &str) -> String {
    format!("{H}{}", path.trim_start_matches('/'))
}

fn row(path: &str, outcome: &str) -> UrlRow {
    UrlRow {
        key: normalize(&Url::parse(&u(path)).unwrap()),
        url: u(path),
        depth: 1,
        outcome: outcome.into(),
        http_status: Some(200),
        ms: Some(20),
        ..Default::default()
    }
}

fn links(mut r: UrlRow, to: &[(&str, bool)]) -> UrlRow {
    r.links = to.iter().map(|(p, pg)| (u(p), *pg)).collect();
    r
}

fn failed(path: &str, reason: &str, status: Option<u16>) -> UrlRow {
    UrlRow {
        http_status: status,
        ..row(path, &format!("failed:{reason}"))
    }
}

fn list(path: &str, title: &str, items: u32, empty: bool, kind: &str) -> UrlRow {
    UrlRow {
        facts: Some(PageFacts {
            kind: kind.into(),
            title: title.into(),
            items,
            empty_note: empty,
        }),
        ..row(path, kind)
    }
}

fn article(path: &str, id: &str) -> UrlRow {
    UrlRow {
        doc_id: Some(id.into()),
        ..row(path, "article")
    }
}

fn doc(id: &str, path: &str, column: &str, date: &str) -> Document {
    Document {
        id: id.into(),
        url: u(path),
        title: format!("标题{id}"),
        body: "这是一段足够长的正文文字，用来说明这条信息的内容和办理要求。".into(),
        published: Some(date.into()),
        publisher: "样例县人民政府办公室".into(),
        column: column.into(),
        content_hash: format!("hash-{id}"),
        ..Default::default()
    }
}

fn day(s: &str) -> time::Date {
    date_of(Some(s)).unwrap()
}

fn found(r: &crate::inspect::Report, check: Check) -> Vec<String> {
    let mut v: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| f.urls[0].clone())
        .collect();
    v.sort();
    v
}

fn snapshot(urls: Vec<UrlRow>, documents: Vec<Document>) -> Snapshot {
    Snapshot {
        run: 1,
        finished: true,
        started: 0,
        seeds: vec![H.into()],
        urls,
        documents,
        stand_ins: Default::default(),
    }
}

#[test]
fn broken_links_with_their_pages_and_home_links_one_by_one() {
    let mut loop_a = row("/loop/a.htm", "redirect");
    loop_a.redirect_to = Some(u("/loop/b.htm"));
    let mut loop_b = row("/loop/b.htm", "redirect");
    loop_b.redirect_to = Some(u("/loop/a.htm"));
    let mut moved = row("/old.htm", "redirect");
    moved.redirect_to = Some(u("/a.htm"));
    let snap = snapshot(
        vec![
            links(
                row("/", "other"),
                &[
                    ("/a.htm", false),
                    ("/gone.htm", false),
                    ("/loop/a.htm", false),
                    ("/old.htm", false),
                ],
            ),
            links(
                article("/a.htm", "d1"),
                &[
                    ("/gone.htm", false),
                    ("/err.htm", false),
                    ("/soft.htm", false),
                    ("/a.htm#top", false),
                ],
            ),
            failed("/gone.htm", "http-404", Some(404)),
            failed("/err.htm", "http-500", Some(500)),
            row("/soft.htm", "soft-404"),
            loop_a,
            loop_b,
            moved,
            failed("/big.pdf", "too-large", None),
            row("/robots-only.htm", "robots"),
        ],
        vec![doc("d1", "/a.htm", "新闻动态", "2024-06-01")],
    );
    let cfg = InspectConfig {
        home_days: 0,
        ..Default::default()
    };
    let r = inspect(&snap, &cfg, day("2024-06-02"));
    assert_eq!(
        found(&r, Check::HomeBrokenLink),
        vec![u("/gone.htm"), u("/loop/a.htm")]
    );
    let home: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check == Check::HomeBrokenLink)
        .collect();
    assert!(home.iter().all(|f| f.urls[1] == u("/")), "{home:#?}");
    assert!(
        home.iter().any(|f| f.evidence.contains("redirect loop")),
        "{home:#?}"
    );
    // The loop's second URL is reached only through the first: said once.
    assert_eq!(
        found(&r, Check::BrokenLink),
        vec![u("/err.htm"), u("/gone.htm"), u("/soft.htm")]
    );
    let gone = r
        .findings
        .iter()
        .find(|f| f.check == Check::BrokenLink && f.urls[0] == u("/gone.htm"))
        .unwrap();
    assert_eq!(
        gone.urls,
        vec![u("/gone.htm"), u("/a.htm")],
        "the page that links it, not the home page"
    );
    assert!(gone.evidence.contains("HTTP 404"), "{}", gone.evidence);
    assert!(!gone.rule.is_empty());
    assert_eq!(r.counts.get("home-broken-link"), Some(&2));
}

#[test]
fn columns_by_period_and_blank_columns() {
    let cfg = InspectConfig {
        home_days: 0,
        ..Default::default()
    };
    let nav = [("/", false), ("/dt/", false), ("/wj/", false)];
    let with_nav = |r: UrlRow, more: &[(&str, bool)]| {
        let mut all: Vec<(&str, bool)> = nav.to_vec();
        all.extend_from_slice(more);
        links(r, &all)
    };
    let snap = snapshot(
        vec![
            with_nav(row("/", "other"), &[]),
            with_nav(
                list("/dt/", "工作动态", 2, false, "list"),
                &[("/dt/1.htm", false), ("/dt/index_2.htm", true)],
            ),
            with_nav(
                list("/dt/index_2.htm", "工作动态", 1, false, "list"),
                &[("/dt/2.htm", false), ("/dt/", true)],
            ),
            with_nav(
                list("/wj/", "政策文件", 1, false, "list"),
                &[("/wj/1.htm", false)],
            ),
            with_nav(list("/kb/", "空白栏目", 0, true, "other"), &[]),
            with_nav(list("/ul/", "无条目", 0, false, "list"), &[]),
            with_nav(
                list("/calendar/2020-01.html", "活动日历", 0, false, "other"),
                &[],
            ),
            article("/dt/1.htm", "n1"),
            article("/dt/2.htm", "n2"),
            article("/wj/1.htm", "w1"),
        ],
        vec![
            doc("n1", "/dt/1.htm", "工作动态", "2024-05-01"),
            doc("n2", "/dt/2.htm", "工作动态", "2023-01-01"),
            doc("w1", "/wj/1.htm", "政策文件", "2024-05-01"),
        ],
    );
    let r = inspect(&snap, &cfg, day("2024-06-01"));
    assert_eq!(found(&r, Check::ColumnNotUpdated), vec![u("/dt/")]);
    let dt = r.columns.iter().find(|c| c.url == u("/dt/")).unwrap();
    assert_eq!((dt.items, dt.pages, dt.kind.as_str()), (2, 2, "动态要闻"));
    assert_eq!(dt.newest.as_deref(), Some("2024-05-01"));
    assert_eq!(dt.days_since, Some(31));
    let wj = r.columns.iter().find(|c| c.url == u("/wj/")).unwrap();
    assert!(!wj.stale && wj.allowed_days == 183, "{wj:?}");
    // A list page with no item but no words saying so is not told from a
    // page of links: only what says it is empty is blank.
    assert_eq!(found(&r, Check::BlankColumn), vec![u("/kb/")]);
    // A configured period wins over the type; 0 never flags.
    let mut cfg2 = cfg.clone();
    cfg2.columns.insert("工作动态".into(), 0);
    cfg2.columns.insert(u("/wj/"), 10);
    let r = inspect(&snap, &cfg2, day("2024-06-01"));
    assert_eq!(found(&r, Check::ColumnNotUpdated), vec![u("/wj/")]);
}

#[test]
fn home_page_freshness() {
    let snap = snapshot(
        vec![
            links(
                row("/", "other"),
                &[("/a.htm", false), ("/b.htm?from=index", false)],
            ),
            article("/a.htm", "a"),
            article("/b.htm?from=index", "b"),
        ],
        vec![
            doc("a", "/a.htm", "新闻", "2024-05-01"),
            doc("b", "/b.htm?from=index", "新闻", "2024-05-20"),
        ],
    );
    let cfg = InspectConfig::default();
    let r = inspect(&snap, &cfg, day("2024-06-10"));
    assert_eq!(r.home_newest.as_deref(), Some("2024-05-20"));
    assert_eq!(found(&r, Check::HomeNotUpdated), vec![u("/")]);
    let r = inspect(&snap, &cfg, day("2024-06-03"));
    assert!(found(&r, Check::HomeNotUpdated).is_empty());
}

#[test]
fn documents_metadata_dates_attachments_text_and_duplicates() {
    let mut info = doc("i1", "/xxgk/1.htm", "政府文件", "2024-01-01");
    info.index_number = String::new();
    info.publisher = String::new();
    let mut ok = doc("idx:2", "/xxgk/2.htm", "政府文件", "2024-01-01");
    ok.index_number = "001/2024-00002".into();
    let mut future = doc("f", "/news/f.htm", "新闻", "2099-01-01");
    future.content_hash = "hf".into();
    let mut att = doc("att", "/news/att.htm", "新闻", "2024-01-01");
    att.attachments = vec![
        AttachmentRef {
            url: u("/a.pdf"),
            title: "附件1".into(),
            error: Some("PDF: unreadable".into()),
            ..Default::default()
        },
        AttachmentRef {
            url: "http://other.example/x.pdf".into(),
            error: Some("off-site or disallowed by robots.txt".into()),
            ..Default::default()
        },
    ];
    let mut img = doc("img", "/news/img.htm", "新闻", "2024-01-01");
    img.body = "  ".into();
    let mut dup = doc("idx:3", "/xxgk/3.htm", "政府文件", "2024-01-01");
    dup.index_number = "001/2024-00003".into();
    let mut same_number_a = doc("idx:4", "/xxgk/4.htm", "政府文件", "2024-01-01");
    same_number_a.index_number = "001/2024-00004".into();
    same_number_a.doc_number = "样政发〔2024〕1号".into();
    let mut same_number_b = doc("idx:5", "/xxgk/5.htm", "政府文件", "2024-01-01");
    same_number_b.index_number = "001/2024-00005".into();
    same_number_b.doc_number = "样政发〔2024〕1号".into();
    let mut snap = snapshot(
        vec![
            row("/", "other"),
            article("/xxgk/1.htm", "i1"),
            article("/xxgk/2.htm", "idx:2"),
            article("/xxgk/2.htm?from=index", "idx:2"),
            article("/big5/xxgk/2.htm", "idx:2"),
            article("/news/f.htm", "f"),
            article("/news/att.htm", "att"),
            article("/news/img.htm", "img"),
            article("/xxgk/3.htm", "idx:3"),
            article("/copy/3.htm", "idx:3"),
            article("/xxgk/4.htm", "idx:4"),
            article("/xxgk/5.htm", "idx:5"),
        ],
        vec![
            info,
            ok,
            future,
            att,
            img,
            dup,
            same_number_a,
            same_number_b,
        ],
    );
    snap.stand_ins
        .insert(u("/big5/xxgk/2.htm"), "mirror".into());
    let cfg = InspectConfig {
        home_days: 0,
        ..Default::default()
    };
    let r = inspect(&snap, &cfg, day("2024-06-01"));
    assert_eq!(found(&r, Check::MissingMetadata), vec![u("/xxgk/1.htm")]);
    let missing = r
        .findings
        .iter()
        .find(|f| f.check == Check::MissingMetadata)
        .unwrap();
    assert!(missing.evidence.contains("索引号") && missing.evidence.contains("发布机构"));
    assert!(!missing.evidence.contains("发布日期"));
    assert_eq!(found(&r, Check::FutureDate), vec![u("/news/f.htm")]);
    assert_eq!(found(&r, Check::BadAttachment), vec![u("/a.pdf")]);
    assert_eq!(found(&r, Check::ImageOnly), vec![u("/news/img.htm")]);
    let dups: Vec<Vec<String>> = r
        .findings
        .iter()
        .filter(|f| f.check == Check::Duplicate)
        .map(|f| f.urls.clone())
        .collect();
    assert_eq!(
        dups,
        vec![
            vec![u("/copy/3.htm"), u("/xxgk/3.htm")],
            vec![u("/xxgk/4.htm"), u("/xxgk/5.htm")],
        ]
    );
}

#[test]
fn availability_per_host() {
    let mut slow = row("/slow.htm", "other");
    slow.ms = Some(20_000);
    let snap = snapshot(
        vec![
            row("/", "other"),
            slow,
            failed("/down.htm", "http-503", Some(503)),
            failed("/net.htm", "network", None),
            failed("/gone.htm", "http-404", Some(404)),
        ],
        vec![],
    );
    let cfg = InspectConfig {
        home_days: 0,
        ..Default::default()
    };
    let r = inspect(&snap, &cfg, day("2024-06-01"));
    let host = "gov.example:80".to_string();
    assert_eq!(found(&r, Check::FetchFailures), vec![host.clone()]);
    let f = r
        .findings
        .iter()
        .find(|f| f.check == Check::FetchFailures)
        .unwrap();
    assert_eq!(f.urls[1..], [u("/down.htm"), u("/net.htm")]);
    assert_eq!(found(&r, Check::SlowAnswers), vec![host.clone()]);
    assert_eq!(r.hosts[0].fetched, 5);
    assert_eq!((r.hosts[0].failed, r.hosts[0].slow), (2, 1));
}

#[test]
fn config_from_toml_and_periods() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        InspectConfig::load(dir.path()).unwrap(),
        InspectConfig::default()
    );
    std::fs::write(
        dir.path().join("inspect.toml"),
        "news_days = 7\nslow_ms = 3000\n[columns]\n\"历史专题\" = 0\n",
    )
    .unwrap();
    let cfg = InspectConfig::load(dir.path()).unwrap();
    assert_eq!(
        (cfg.news_days, cfg.slow_ms, cfg.notice_days),
        (7, 3000, 183)
    );
    assert_eq!(period(&cfg, "历史专题", "http://x/"), ("配置", 0));
    assert_eq!(period(&cfg, "部门动态", "http://x/"), ("动态要闻", 7));
    assert_eq!(period(&cfg, "人事任免", "http://x/"), ("人事规划计划", 365));
    assert_eq!(
        period(&cfg, "通知公告", "http://x/"),
        ("通知公告政策文件", 183)
    );
    assert_eq!(period(&cfg, "统计数据", "http://x/"), ("其他", 365));
    std::fs::write(dir.path().join("inspect.toml"), "no_such_key = 1\n").unwrap();
    assert!(InspectConfig::load(dir.path()).is_err());
}

#[test]
fn renderings_escape_what_was_crawled() {
    let mut d = doc("x", "/x.htm", "新闻", "2099-01-01");
    d.title = "<script>alert(1)</script>".into();
    let snap = snapshot(
        vec![
            row("/", "other"),
            article("/x.htm", "x"),
            list("/kb/", "=HYPERLINK(\"http://evil\")", 0, true, "other"),
        ],
        vec![d],
    );
    let cfg = InspectConfig {
        home_days: 0,
        ..Default::default()
    };
    let r = inspect(&snap, &cfg, day("2024-06-01"));
    let page = to_html(&r);
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"));
    assert!(page.contains("发布日期晚于检查日"));
    let csv = to_csv(&r).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("check,severity,url")
    );
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&crate::inspect::to_json(&r).unwrap()).unwrap();
    assert_eq!(json["counts"]["future-date"], 1);
}
