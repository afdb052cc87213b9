use super::*;
use gongkai_index::document::Kind;

fn doc(published: Option<&str>, publisher: &str, category: Option<&str>, news: bool) -> Document {
    Document {
        id: format!("{published:?}{publisher}{category:?}"),
        title: "t".into(),
        published: published.map(str::to_string),
        publisher: publisher.into(),
        category: category.map(str::to_string),
        kind: Some(if category.is_some() {
            Kind::Disclosure
        } else if news {
            Kind::News
        } else {
            Kind::Other("其他".into())
        }),
        ..Default::default()
    }
}

/// Nine documents over 2022, 2023 and no date.
fn sample() -> Vec<Document> {
    vec![
        doc(Some("2023-01-05"), "县财政局", Some("财政预决算"), false),
        doc(Some("2023-01-20"), "县财政局", Some("财政预决算"), false),
        doc(Some("2023-03-01"), "县政府办公室", Some("政府文件"), false),
        doc(Some("2023-03-15"), "县政府办公室", None, true),
        doc(Some("2023-03-30"), "", None, true),
        doc(Some("2023-11-11"), "县卫健委", None, false),
        doc(Some("2022-07-01"), "县财政局", Some("统计信息"), false),
        doc(Some("2022-07-02"), "县卫健委", None, true),
        doc(None, "县财政局", Some("政府文件"), false),
    ]
}

#[test]
fn counts_a_year() {
    let docs = sample();
    let stats = Tally::from_documents(&docs).stats(Some(2023));
    assert_eq!(stats.year, Some(2023));
    assert_eq!(stats.total, 6);
    assert_eq!(stats.undated, 0);
    assert_eq!(stats.kind(KIND_DISCLOSURE), 3);
    assert_eq!(stats.kind(KIND_NEWS), 2);
    assert_eq!(stats.kind(UNCLASSIFIED), 1);
    assert_eq!(stats.categories.len(), 20, "all 20, zeros included");
    assert_eq!(stats.categories["财政预决算"], 2);
    assert_eq!(stats.categories["政府文件"], 1);
    assert_eq!(stats.categories["统计信息"], 0, "2022's does not count");
    assert_eq!(stats.publishers["县财政局"], 2);
    assert_eq!(stats.publishers["县政府办公室"], 2);
    assert_eq!(stats.publishers[NO_PUBLISHER], 1);
    assert_eq!(stats.months.len(), 12, "every month of the year");
    assert_eq!(stats.months["2023-01"], 2);
    assert_eq!(stats.months["2023-02"], 0);
    assert_eq!(stats.months["2023-03"], 3);
    assert_eq!(stats.months["2023-11"], 1);
    assert_eq!(stats.month_kinds["2023-03"][KIND_DISCLOSURE], 1);
    assert_eq!(stats.month_kinds["2023-03"][KIND_NEWS], 2);
    assert_eq!(stats.month_kinds["2023-02"][KIND_NEWS], 0);
    assert_eq!(stats.month_kinds["2023-11"][UNCLASSIFIED], 1);
    assert_eq!(
        stats.publishers_by_count()[0],
        ("县政府办公室", 2),
        "most first, ties by name"
    );
}

#[test]
fn counts_all_years_and_lists_the_years() {
    let docs = sample();
    let tally = Tally::from_documents(&docs);
    let all = tally.stats(None);
    assert_eq!(all.total, 9);
    assert_eq!(all.undated, 1);
    assert_eq!(all.categories["政府文件"], 2);
    assert_eq!(all.months.len(), 4, "only months that have documents");
    assert_eq!(all.months["2022-07"], 2);
    let years: Vec<(i32, u64)> = all.years.iter().map(|(y, n)| (*y, *n)).collect();
    assert_eq!(years, vec![(2022, 2), (2023, 6)]);
    assert_eq!(tally.latest_year(), Some(2023));
    // A year without documents: zeros, and still the years to link to.
    let empty = tally.stats(Some(1999));
    assert_eq!(empty.total, 0);
    assert_eq!(empty.months.len(), 12);
    assert_eq!(empty.years, all.years);
    assert_eq!(Tally::default().latest_year(), None);
}

#[test]
fn years_are_checked() {
    assert_eq!(parse_year(" 2023 ").ok(), Some(2023));
    for bad in ["", "20x3", "-2023", "2023.0", "all", "二〇二三"] {
        let err = parse_year(bad).expect_err(bad);
        assert!(matches!(err, StatsError::NotAYear(_)), "{bad}: {err}");
        assert!(err.to_string().contains("not a year"));
    }
    for bad in ["0", "999", "10000", "999999999"] {
        let err = parse_year(bad).expect_err(bad);
        assert!(matches!(err, StatsError::YearOutOfRange(_)), "{bad}: {err}");
    }
    assert!(check_year(i64::MAX).is_err());
}

/// The `width` of each bar's `<rect>` in the chart with `class`.
fn bar_widths(html: &str, class: &str, attr: &str) -> Vec<f64> {
    let start = html
        .find(&format!("class=\"chart {class}\""))
        .expect("chart");
    let end = start + html[start..].find("</svg>").expect("end");
    html[start..end]
        .split("<g class=\"bar\">")
        .skip(1)
        .map(|bar| {
            let rect = &bar[bar.find("<rect").expect("rect")..];
            let key = format!(" {attr}=\"");
            let at = rect.find(&key).expect("attribute") + key.len();
            rect[at..at + rect[at..].find('"').expect("quote")]
                .parse()
                .expect("number")
        })
        .collect()
}

#[test]
fn bars_are_proportional_and_only_for_non_zero_figures() {
    let docs = sample();
    let stats = Tally::from_documents(&docs).stats(Some(2023));
    let html = to_html(&stats, &HtmlOptions::default());
    // Months: 2, 3 and 1 items in three months; nine months at zero draw nothing.
    let heights = bar_widths(&html, "vbars", "height");
    assert_eq!(heights.len(), 3);
    assert!((heights[1] - 200.0).abs() < 0.01, "{heights:?}");
    assert!((heights[0] / heights[1] - 2.0 / 3.0).abs() < 0.001);
    assert!((heights[2] / heights[1] - 1.0 / 3.0).abs() < 0.001);
    // Categories: 财政预决算 2, 政府文件 1.
    let widths = bar_widths(&html, "hbars", "width");
    assert_eq!(widths.len(), 2, "{widths:?}");
    assert!((widths[0] - PLOT).abs() < 0.01);
    assert!((widths[1] - PLOT / 2.0).abs() < 0.01);
    // Every bar says what it is and its number.
    assert!(html.contains("<title>3月：3 条</title>"));
    assert!(html.contains("<title>财政预决算：2 条</title>"));
    assert!(html.contains(">3</text>"));
    assert_eq!(html.matches("role=\"img\"").count(), 3, "three charts");
    assert_eq!(html.matches("aria-label=\"2023年各月发布条数\"").count(), 1);
    assert!(!html.contains("<script"), "no script");
    // Inside SVG the HTML parser does not close `<rect>` by itself.
    for element in ["rect", "line"] {
        assert_eq!(
            html.matches(&format!("<{element} ")).count(),
            html.matches(&format!("</{element}>")).count(),
            "every <{element}> closed"
        );
    }
}

#[test]
fn page_shows_the_figures_in_tables_and_links_the_years() {
    let docs = sample();
    let stats = Tally::from_documents(&docs).stats(Some(2023));
    let options = HtmlOptions {
        site_title: "样例县".into(),
        stats_path: Some("/stats".into()),
        search_path: Some("/".into()),
    };
    let html = to_html(&stats, &options);
    assert!(html.contains("<strong id=\"total\">6</strong>"));
    assert!(html.contains("<th scope=\"row\">主动公开总数</th><td class=\"n\">6</td>"));
    assert!(html.contains("<th scope=\"row\">新闻</th><td class=\"n\">2</td>"));
    assert!(html.contains("<th scope=\"row\">信息公开</th><td class=\"n\">3</td>"));
    assert!(html.contains("<th scope=\"row\">财政预决算</th><td class=\"n\">2</td>"));
    assert!(html.contains("<th scope=\"row\">县财政局</th><td class=\"n\">2</td>"));
    assert!(html.contains("href=\"/stats?year=2022\""));
    assert!(html.contains("href=\"/stats?year=all\""));
    assert!(html.contains("<span class=\"y\" aria-current=\"page\">2023年</span>"));
    assert!(
        !html.contains("href=\"/stats?year=2023\""),
        "current year not linked"
    );
    // A file: no links to a server.
    let file = to_html(&stats, &HtmlOptions::default());
    assert!(!file.contains("href="), "{file}");
    // All years: one bar per year.
    let all = to_html(&Tally::from_documents(&docs).stats(None), &options);
    assert_eq!(bar_widths(&all, "vbars", "height").len(), 2);
    assert!(all.contains("1 条未注明发布日期"));
}

#[test]
fn hostile_names_are_escaped() {
    let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let docs = vec![
        doc(Some("2023-05-01"), evil, Some(evil), false),
        doc(Some("2023-05-02"), "县财政局", Some("财政预决算"), false),
    ];
    let stats = Tally::from_documents(&docs).stats(Some(2023));
    let html = to_html(&stats, &HtmlOptions::default());
    assert!(!html.contains("<script"), "script tag escaped");
    assert!(!html.contains("<img"), "img tag escaped");
    assert!(
        html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "quotes escaped: no attribute break-out"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let err = error_html(evil, &HtmlOptions::default());
    assert!(!err.contains("<script") && err.contains("&lt;script&gt;"));
    // The terminal gets no control characters.
    let docs = vec![doc(Some("2023-05-01"), "机构\u{1b}[2J\n伪造行", None, true)];
    let table = to_table(&Tally::from_documents(&docs).stats(Some(2023)));
    assert!(!table.contains('\u{1b}'));
    assert!(table.contains("机构\u{FFFD}[2J\u{FFFD}伪造行"));
}

#[test]
fn terminal_table_aligns_by_display_width() {
    let docs = sample();
    let table = to_table(&Tally::from_documents(&docs).stats(Some(2023)));
    // Each block's lines end (the right-aligned count) at one display column.
    let blocks: Vec<&str> = table.split("\n\n").collect();
    let category = blocks
        .iter()
        .find(|b| b.starts_with("category"))
        .expect("category block");
    let widths: Vec<usize> = category.lines().map(|l| l.width()).collect();
    assert_eq!(widths.len(), 21);
    assert!(widths.iter().all(|w| *w == widths[0]), "{category}");
    assert!(category.contains("政府工作报告"));
    let publisher = blocks
        .iter()
        .find(|b| b.starts_with("publisher"))
        .expect("publisher block");
    let widths: Vec<usize> = publisher.lines().map(|l| l.width()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{publisher}");
    let months = blocks
        .iter()
        .find(|b| b.starts_with("month"))
        .expect("month block");
    assert!(
        months
            .lines()
            .next()
            .is_some_and(|h| h.contains(UNCLASSIFIED))
    );
    let widths: Vec<usize> = months.trim_end().lines().map(|l| l.width()).collect();
    assert_eq!(widths.len(), 13);
    assert!(widths.iter().all(|w| *w == widths[0]), "{months}");
}

#[test]
fn csv_and_json_keep_their_shape() {
    let docs = sample();
    let stats = Tally::from_documents(&docs).stats(Some(2023));
    let csv = to_csv(&stats).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,name,count"));
    assert_eq!(lines.next(), Some("total,,6"));
    assert!(csv.contains("\nkind,信息公开,3\n"));
    assert!(csv.contains("\ncategory,财政预决算,2\n"));
    assert!(csv.contains("\npublisher,县财政局,2\n"));
    assert!(csv.contains("\nmonth,2023-03,3\n"));
    assert!(csv.contains("\nmonth_kind,2023-03/新闻,2\n"));
    assert!(csv.contains("\nyear,2022,2\n"));
    assert!(!csv.contains("undated"), "only for all years");
    // A publisher a spreadsheet would run as a formula is made inert.
    let docs = vec![
        doc(Some("2023-05-01"), "=HYPERLINK(\"http://x\")", None, true),
        doc(Some("2023-05-01"), "@SUM(A1)", None, true),
    ];
    let evil = to_csv(&Tally::from_documents(&docs).stats(Some(2023))).expect("csv");
    assert!(
        evil.contains("\npublisher,\"'=HYPERLINK(\"\"http://x\"\")\",1\n"),
        "{evil}"
    );
    assert!(evil.contains("\npublisher,'@SUM(A1),1\n"), "{evil}");
    let json: serde_json::Value =
        serde_json::from_str(&to_json(&stats).expect("json")).expect("parse");
    assert_eq!(json["year"], 2023);
    assert_eq!(json["total"], 6);
    assert_eq!(json["undated"], 0);
    assert_eq!(json["kinds"]["新闻"], 2);
    assert_eq!(json["categories"]["财政预决算"], 2);
    assert_eq!(json["publishers"][NO_PUBLISHER], 1);
    assert_eq!(json["months"]["2023-01"], 2);
    assert_eq!(json["month_kinds"]["2023-03"]["信息公开"], 1);
    assert_eq!(json["years"]["2022"], 2);
}
