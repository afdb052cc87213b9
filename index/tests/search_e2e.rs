//! End to end over a real slice of the shared corpus: analysis, writing,
//! querying, facets and snippets through the public API.

use std::io::BufRead;
use std::sync::OnceLock;

use gongkai_index::{
    DataDir, Document, DocumentWriter, SearchRequest, Searcher, SnippetSource, Sort, ValidDocument,
};

const SLICE: usize = 3_000;

fn shared(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(path)
}

/// The first SLICE documents of the Tainan corpus (繁體) plus hand-made ones.
fn corpus() -> &'static Vec<ValidDocument> {
    static DOCS: OnceLock<Vec<ValidDocument>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let file =
            std::fs::File::open(shared("corpus/tainan-2018-2024.jsonl.gz")).expect("shared corpus");
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        let mut docs: Vec<ValidDocument> = reader
            .lines()
            .take(SLICE)
            .map(|l| serde_json::from_str::<Document>(&l.expect("line")).expect("document"))
            .map(|d| d.validate().expect("valid"))
            .collect();
        let extra = [
            (
                "x-bank",
                "中国农业发展银行支持春耕",
                "中国农业发展银行台南分行发放贷款。",
                "",
                "",
            ),
            (
                "x-school",
                "技术学校招生简章",
                "本县技术学校今年招收新生三百名。",
                "",
                "",
            ),
            (
                "x-apart",
                "技术人员培训",
                "技术人员要学习新知识，然后到各个学校交流。",
                "",
                "",
            ),
            (
                "x-straddle",
                "加强理财政策宣传",
                "各单位要加强理财政策宣传。",
                "",
                "",
            ),
            (
                "x-punct",
                "财政，预算执行说明",
                "本县财政，预算执行情况良好。",
                "",
                "",
            ),
            (
                "x-docnum",
                "关于加强政务公开的通知",
                "各乡镇人民政府：现将有关事项通知如下。",
                "样府发〔2020〕12号",
                "6107240001/2020-00012",
            ),
            (
                "x-hostile",
                "<script>alert(1)</script>预算公开",
                "预算<img src=x onerror=alert(1)>公开说明",
                "",
                "",
            ),
        ];
        for (id, title, body, doc_number, index_number) in extra {
            docs.push(
                Document {
                    id: id.into(),
                    url: format!("https://example.gov.cn/{id}.html"),
                    title: title.into(),
                    body: body.into(),
                    published: Some("2021-06-01".into()),
                    publisher: "样例县人民政府办公室".into(),
                    category: Some("政府文件".into()),
                    kind: Some("信息公开".into()),
                    doc_number: doc_number.into(),
                    index_number: index_number.into(),
                    ..Default::default()
                }
                .validate()
                .expect("valid"),
            );
        }
        // A one-line article whose figures are in its attachment.
        docs.push(
            Document {
                id: "x-attach".into(),
                url: "https://example.gov.cn/x-attach.html".into(),
                title: "样例县2021年专项资金安排".into(),
                body: "现将专项资金安排公布，详见附件。".into(),
                attachment_text: "专项资金明细表\n项目编号 YLXM-2021-0042 乡村道路硬化 120万元"
                    .into(),
                published: Some("2021-06-01".into()),
                publisher: "样例县财政局".into(),
                category: Some("财政信息".into()),
                kind: Some("信息公开".into()),
                ..Default::default()
            }
            .validate()
            .expect("valid"),
        );
        docs
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    data: DataDir,
    searcher: Searcher,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let handle = data
            .open_or_create_current(data.analyzer().expect("analyzer"))
            .expect("index");
        let mut writer = DocumentWriter::open(handle.clone(), 2).expect("writer");
        writer.upsert_all(corpus().clone()).expect("upsert");
        writer.finish().expect("commit");
        let searcher = Searcher::new(handle).expect("searcher");
        searcher.reload().expect("reload");
        Fixture {
            _dir: dir,
            data,
            searcher,
        }
    })
}

fn search(query: &str) -> gongkai_index::SearchResponse {
    fixture()
        .searcher
        .search(&SearchRequest {
            query: query.into(),
            limit: 20,
            snippets: true,
            ..Default::default()
        })
        .expect("search")
}

/// Searches only the hand-made documents (their publisher), so common words
/// in the real slice cannot push them off the first page.
fn search_ours(query: &str) -> gongkai_index::SearchResponse {
    fixture()
        .searcher
        .search(&SearchRequest {
            query: query.into(),
            publisher: Some("样例县人民政府办公室".into()),
            limit: 20,
            ..Default::default()
        })
        .expect("search")
}

fn ids(response: &gongkai_index::SearchResponse) -> Vec<String> {
    response
        .hits
        .iter()
        .map(|h| h.document.id.clone())
        .collect()
}

#[test]
fn everything_is_indexed() {
    assert_eq!(fixture().searcher.num_docs(), corpus().len() as u64);
}

#[test]
fn traditional_and_simplified_queries_find_the_same_documents() {
    for (hant, hans) in [
        ("臺南市政府", "台南市政府"),
        ("觀光旅遊", "观光旅游"),
        ("颱風", "台风"),
        ("環境保護", "环境保护"),
    ] {
        let a = search(hant);
        let b = search(hans);
        assert!(a.total > 0, "{hant}");
        assert_eq!(a.total, b.total, "{hant} / {hans}");
        assert_eq!(ids(&a), ids(&b), "{hant} / {hans}");
    }
}

#[test]
fn highlights_land_on_the_original_script() {
    let r = search("观光");
    let hit = r
        .hits
        .iter()
        .find(|h| !h.snippet.highlights.is_empty())
        .expect("a highlighted snippet");
    assert!(
        hit.snippet.matched().any(|m| m == "觀光"),
        "{:?}",
        hit.snippet
    );
}

#[test]
fn sub_words_give_recall() {
    assert!(ids(&search_ours("农业")).contains(&"x-bank".to_string()));
    assert!(ids(&search_ours("發展銀行")).contains(&"x-bank".to_string()));
}

#[test]
fn phrases_do_not_match_words_far_apart() {
    let found = ids(&search_ours("技术学校"));
    assert!(found.contains(&"x-school".to_string()), "{found:?}");
    assert!(!found.contains(&"x-apart".to_string()), "{found:?}");
    // Both words anywhere: two pieces.
    let both = ids(&search_ours("技术 学校"));
    assert!(both.contains(&"x-apart".to_string()), "{both:?}");
}

#[test]
fn a_dictionary_word_does_not_match_characters_straddling_two_words() {
    // 理财政策 is cut 理财|政策: 财政 is not in it as a word, so the word
    // 财政 does not find it; the characters still do when that is what is
    // asked (a substring that is not one dictionary word, or one character).
    assert_found_by(
        "x-straddle",
        &["财政策", "理财政策", "\"财政策宣\"", "策"],
        &["财政", "財政"],
    );
}

#[test]
fn character_phrases_do_not_cross_punctuation() {
    // 政预 is in 财政，预算 only across the comma; the phrase as written,
    // comma and all, finds it, and so does each side.
    assert_found_by(
        "x-punct",
        &["\"财政，预算\"", "政，预", "预算执", "本县财政"],
        &["政预", "\"政预算执\""],
    );
}

/// The hand-made document `id` is found by every query of `found` and by
/// none of `missed`.
fn assert_found_by(id: &str, found: &[&str], missed: &[&str]) {
    for query in found {
        assert!(ids(&search_ours(query)).iter().any(|h| h == id), "{query}");
    }
    for query in missed {
        assert!(!ids(&search_ours(query)).iter().any(|h| h == id), "{query}");
    }
}

#[test]
fn substrings_that_cut_words_are_found() {
    // Deterministic sample of CJK substrings of 4–8 characters from titles.
    let mut tried = 0;
    let mut found = 0;
    for (i, doc) in corpus().iter().enumerate().step_by(37).take(120) {
        let chars: Vec<char> = doc.title.chars().collect();
        let len = 4 + i % 5;
        let Some(start) = (0..chars.len().saturating_sub(len)).find(|&s| {
            chars[s..s + len]
                .iter()
                .all(|c| gongkai_index::analysis::is_cjk(*c))
        }) else {
            continue;
        };
        let start = (start + i % 3).min(chars.len() - len);
        if !chars[start..start + len]
            .iter()
            .all(|c| gongkai_index::analysis::is_cjk(*c))
        {
            continue;
        }
        let query: String = chars[start..start + len].iter().collect();
        tried += 1;
        let response = fixture()
            .searcher
            .search(&SearchRequest {
                query: format!("title:\"{query}\""),
                // The same day only, so that common phrases cannot push the document off the page.
                from: doc.published_date(),
                to: doc.published_date(),
                limit: 1000,
                ..Default::default()
            })
            .expect("search");
        if response.hits.iter().any(|h| h.document.id == doc.id) {
            found += 1;
        } else {
            eprintln!("not found: {query:?} in {:?}", doc.title);
        }
    }
    assert!(tried >= 60, "tried {tried}");
    assert_eq!(
        found, tried,
        "{found} of {tried} substrings found their document"
    );
}

#[test]
fn doc_number_and_index_number_queries_rank_their_document_first() {
    for q in [
        "样府发〔2020〕12号",
        "样府发[2020]12号",
        "样府发（2020）12号",
        "样府发【２０２０】第12号",
        "6107240001/2020-00012",
    ] {
        let r = search(q);
        assert_eq!(
            r.hits.first().map(|h| h.document.id.as_str()),
            Some("x-docnum"),
            "{q}"
        );
    }
}

#[test]
fn operators_work() {
    let all = search_ours("技术");
    assert!(ids(&all).contains(&"x-apart".to_string()));
    let without = ids(&search_ours("技术 -培训"));
    assert!(!without.contains(&"x-apart".to_string()));
    assert!(without.contains(&"x-school".to_string()));
    let either = ids(&search_ours("招生 OR 培训"));
    assert!(either.contains(&"x-school".to_string()) && either.contains(&"x-apart".to_string()));
    let title_only = ids(&search_ours("title:新生"));
    assert!(
        !title_only.contains(&"x-school".to_string()),
        "新生 is only in the body"
    );
}

#[test]
fn odd_queries_never_fail() {
    for q in [
        "",
        "\"",
        "-",
        "OR",
        "title:",
        "((",
        "-\"\"",
        "\u{0}",
        "🙂",
        "　",
        "a OR OR b",
        "title:\"未闭合",
    ] {
        let r = fixture().searcher.search(&SearchRequest {
            query: q.into(),
            limit: 5,
            snippets: true,
            ..Default::default()
        });
        assert!(r.is_ok(), "{q:?}: {r:?}");
    }
    let long = fixture().searcher.search(&SearchRequest {
        query: "长".repeat(2000),
        limit: 5,
        ..Default::default()
    });
    assert!(matches!(long, Err(gongkai_index::Error::InvalidQuery(_))));
}

/// Markup in a document is text: the index hands it back as written, marks
/// only the query's words, and leaves escaping to each front end (the
/// page's and the API's escaping is tested in tests/serve_*.rs).
#[test]
fn snippets_mark_words_and_keep_markup_as_text() {
    let r = search("预算公开");
    let hit = r
        .hits
        .iter()
        .find(|h| h.document.id == "x-hostile")
        .expect("hostile doc found");
    assert_eq!(hit.title.text, "<script>alert(1)</script>预算公开");
    assert!(
        hit.title.matched().all(|m| !m.contains('<')),
        "{:?}",
        hit.title
    );
    assert!(hit.title.matched().any(|m| m.contains("预算")));
    assert!(hit.snippet.text.contains("<img"), "{:?}", hit.snippet);
    assert!(!hit.snippet.highlights.is_empty(), "{:?}", hit.snippet);
    assert!(hit.snippet.matched().all(|m| !m.contains('<')));
}

#[test]
fn a_match_only_in_an_attachment_gets_its_snippet_from_there() {
    let hit_of = |query: &str| {
        search(query)
            .hits
            .into_iter()
            .find(|h| h.document.id == "x-attach")
            .unwrap_or_else(|| panic!("{query}: x-attach not found"))
    };
    let code = hit_of("YLXM-2021-0042");
    assert_eq!(code.snippet_source, SnippetSource::Attachment);
    assert!(
        code.snippet.matched().any(|m| m == "YLXM-2021-0042"),
        "{:?}",
        code.snippet
    );
    let road = hit_of("道路硬化");
    assert_eq!(road.snippet_source, SnippetSource::Attachment);
    assert!(!road.snippet.highlights.is_empty(), "{:?}", road.snippet);
    // In the body as well as the attachment: the body's words come first.
    let both = hit_of("专项资金");
    assert_eq!(both.snippet_source, SnippetSource::Body);
    assert!(
        both.snippet.matched().any(|m| m == "专项资金"),
        "{:?}",
        both.snippet
    );
}

#[test]
fn filters_and_facets() {
    let base = SearchRequest {
        query: "技术".into(),
        limit: 50,
        ..Default::default()
    };
    let all = fixture().searcher.search(&base).expect("search");
    let news = fixture()
        .searcher
        .search(&SearchRequest {
            categories: vec!["新闻".into()],
            ..base.clone()
        })
        .expect("search");
    // The category facet is counted before the category filter.
    assert_eq!(news.facets.category.0, all.facets.category.0);
    assert!(all.facets.category.0.len() >= 21);
    assert!(
        news.hits
            .iter()
            .all(|h| h.document.category.as_deref() == Some("新闻"))
    );
    let from = time::Date::from_calendar_date(2021, time::Month::January, 1).expect("date");
    let dated = fixture()
        .searcher
        .search(&SearchRequest {
            query: String::new(),
            from: Some(from),
            sort: Sort::Date,
            limit: 10,
            ..Default::default()
        })
        .expect("search");
    assert!(dated.total > 0);
    let dates: Vec<&str> = dated
        .hits
        .iter()
        .filter_map(|h| h.document.published.as_deref())
        .collect();
    assert!(dates.iter().all(|d| *d >= "2021-01-01"), "{dates:?}");
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );
    let years: u64 = dated.facets.year.0.iter().map(|(_, n)| n).sum();
    assert_eq!(years, dated.total);
}

#[test]
fn facets_can_be_skipped_without_changing_hits() {
    let with = SearchRequest {
        query: "臺南".into(),
        limit: 10,
        ..Default::default()
    };
    let without = SearchRequest {
        without_facets: true,
        ..with.clone()
    };
    let a = fixture().searcher.search(&with).expect("search");
    let b = fixture().searcher.search(&without).expect("search");
    assert_eq!(a.total, b.total);
    assert_eq!(ids(&a), ids(&b));
    assert!(a.facets.category.0.len() >= 21 && !a.facets.year.0.is_empty());
    assert!(
        b.facets.category.0.is_empty()
            && b.facets.year.0.is_empty()
            && b.facets.publisher.0.is_empty()
    );
    // A category filter still applies without facets.
    let filtered = SearchRequest {
        query: String::new(),
        categories: vec!["政府文件".into()],
        without_facets: true,
        ..with.clone()
    };
    let c = fixture().searcher.search(&filtered).expect("search");
    let expected = corpus()
        .iter()
        .filter(|d| d.category.as_deref() == Some("政府文件"))
        .count();
    assert_eq!(c.total, expected as u64, "the hand-made documents");
    assert!(
        c.hits
            .iter()
            .all(|h| h.document.category.as_deref() == Some("政府文件"))
    );
}

#[test]
fn reindexing_the_same_documents_changes_nothing() {
    let handle = fixture()
        .data
        .open_current(fixture().data.analyzer().expect("analyzer"))
        .expect("open");
    let mut writer = DocumentWriter::open(handle, 1).expect("writer");
    let outcomes = writer.upsert_all(corpus().clone()).expect("upsert");
    assert!(
        outcomes
            .iter()
            .all(|o| *o == gongkai_index::Upsert::Unchanged)
    );
    let stats = writer.commit().expect("commit");
    assert_eq!(stats.unchanged, corpus().len() as u64);
    assert_eq!(stats.added + stats.updated, 0);
}

#[test]
fn a_cancelled_search_stops_with_cancelled() {
    let f = fixture();
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let request = |q: &str| SearchRequest {
        query: q.to_string(),
        limit: 10,
        snippets: true,
        cancel: Some(flag.clone()),
        ..Default::default()
    };
    // Not set: the search runs as ever.
    assert!(f.searcher.search(&request("预算")).expect("search").total > 0);
    // Set (the client went away): no segment is searched, no answer made.
    flag.store(true, std::sync::atomic::Ordering::Release);
    match f.searcher.search(&request("预算")) {
        Err(gongkai_index::Error::Cancelled) => {}
        other => panic!("expected Cancelled, got {other:?}"),
    }
}

#[test]
fn the_reader_version_follows_the_documents_not_the_reloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = DataDir::new(dir.path());
    let handle = data
        .open_or_create_current(data.analyzer().expect("analyzer"))
        .expect("index");
    let mut writer = DocumentWriter::open(handle.clone(), 1).expect("writer");
    writer.upsert_all(corpus()[..5].to_vec()).expect("upsert");
    writer.finish().expect("commit");
    let searcher = Searcher::new(handle.clone()).expect("searcher");
    searcher.reload().expect("reload");
    let first = searcher.reader_version();
    // A reload that sees the same segments (tantivy's meta.json watcher
    // does one at start) keeps the version: the server's /stats cache holds.
    searcher.reload().expect("reload");
    searcher.reload().expect("reload");
    assert_eq!(searcher.reader_version(), first);
    // A commit that adds a document changes it.
    let mut writer = DocumentWriter::open(handle, 1).expect("writer");
    writer.upsert_all(corpus()[5..6].to_vec()).expect("upsert");
    writer.finish().expect("commit");
    searcher.reload().expect("reload");
    assert_ne!(searcher.reader_version(), first);
}

/// Runs of 2–6 CJK characters cut from the slice's titles, deterministically.
fn title_fragments(count: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, doc) in corpus().iter().enumerate().step_by(7) {
        let chars: Vec<char> = doc
            .title
            .chars()
            .take_while(|&c| gongkai_index::analysis::is_cjk(c))
            .collect();
        if chars.len() < 2 {
            continue;
        }
        let len = 2 + i % 5;
        let len = len.min(chars.len());
        let start = (i / 5) % (chars.len() - len + 1);
        out.push(chars[start..start + len].iter().collect());
        if out.len() == count {
            break;
        }
    }
    out
}

#[test]
fn character_pairs_match_and_score_exactly_as_the_character_phrase() {
    use gongkai_index::char_phrase::CharPhraseQuery;
    use gongkai_index::{Analyzer, TermStream};
    use tantivy::Term;
    use tantivy::collector::TopDocs;
    use tantivy::query::{PhraseQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;

    let handle = fixture().searcher.handle();
    let reader = handle.index.reader().expect("reader");
    let searcher = reader.searcher();
    let analyzer: &Analyzer = &handle.analyzer;
    let fragments = title_fragments(300);
    assert!(fragments.len() >= 250, "{} fragments", fragments.len());
    let mut compared = 0;
    for fragment in &fragments {
        for title in [true, false] {
            let field = handle.fields.text_field(title, TermStream::Chars);
            let chars = analyzer.positioned_terms(TermStream::Chars, fragment);
            let terms: Vec<(&str, Term)> = chars
                .iter()
                .map(|(c, _)| (c.as_str(), Term::from_field_text(field, c)))
                .collect();
            let plain: Box<dyn Query> = if terms.len() == 1 {
                Box::new(TermQuery::new(
                    terms[0].1.clone(),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new(
                    terms.iter().map(|(_, t)| t.clone()).collect(),
                ))
            };
            let Some(pairs) = CharPhraseQuery::new(&terms, handle.fields.pairs_field(title)) else {
                continue;
            };
            let top = TopDocs::with_limit(10_000).order_by_score();
            let expected = searcher.search(&plain, &top).expect("phrase");
            let got = searcher.search(&pairs, &top).expect("pairs");
            let bits = |hits: Vec<(f32, tantivy::DocAddress)>| {
                let mut v: Vec<_> = hits.into_iter().map(|(s, a)| (a, s.to_bits())).collect();
                v.sort();
                v
            };
            assert_eq!(bits(got), bits(expected), "{fragment} (title: {title})");
            compared += 1;
        }
    }
    assert!(compared >= 400, "compared {compared}");
}

#[test]
fn a_fragment_with_a_stray_character_is_relaxed_to_the_part_that_matches() {
    let exact = search("学校招生简章");
    assert!(ids(&exact).contains(&"x-school".to_string()));
    assert!(!exact.relaxed);
    let response = search("学校招生简章获");
    assert!(response.relaxed);
    assert_eq!(response.unmatched, vec!["获".to_string()]);
    assert_eq!(ids(&response)[0], "x-school");
    // Only documents with the part that matched, not everything with 学校.
    assert_eq!(response.total, exact.total, "{:?}", ids(&response));
    // The highlight marks the part that matched.
    assert_eq!(
        response.hits[0].title.matched().collect::<Vec<_>>(),
        vec!["学校招生简章"]
    );
}

#[test]
fn the_result_cache_answers_repeats_and_forgets_on_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = DataDir::new(dir.path());
    let handle = data
        .open_or_create_current(data.analyzer().expect("analyzer"))
        .expect("index");
    let doc = |id: &str, title: &str| {
        Document {
            id: id.into(),
            url: format!("https://example.gov.cn/{id}.html"),
            title: title.into(),
            body: "正文".into(),
            ..Default::default()
        }
        .validate()
        .expect("valid")
    };
    let mut writer = DocumentWriter::open(handle.clone(), 1).expect("writer");
    writer
        .upsert_all(vec![doc("a", "防汛工作通知")])
        .expect("upsert");
    writer.finish().expect("commit");
    let searcher = Searcher::new(handle.clone())
        .expect("searcher")
        .with_result_cache(1 << 20);
    searcher.reload().expect("reload");
    let request = SearchRequest {
        query: "防汛".into(),
        limit: 10,
        snippets: true,
        ..Default::default()
    };
    let first = searcher.search(&request).expect("search");
    let again = searcher.search(&request).expect("search");
    assert_eq!(ids(&first), ids(&again));
    let stats = searcher.result_cache().expect("cache").stats();
    assert_eq!((stats.hits, stats.misses), (1, 1));

    let mut writer = DocumentWriter::open(handle, 1).expect("writer");
    writer
        .upsert_all(vec![doc("b", "防汛物资清单")])
        .expect("upsert");
    writer.finish().expect("commit");
    searcher.reload().expect("reload");
    let after = searcher.search(&request).expect("search");
    assert_eq!(after.total, 2, "a commit makes the kept answer stale");
    assert_eq!(searcher.result_cache().expect("cache").stats().misses, 2);
}
