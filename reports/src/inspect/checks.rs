//! The checks, over one crawl snapshot. Each is a pass over what the crawl
//! stored; none fetches.

use std::collections::{BTreeMap, HashMap, HashSet};

use gongkai_crawler::Document;
use gongkai_crawler::state::{Snapshot, UrlRow};
use gongkai_crawler::url::Url;
use gongkai_crawler::url_norm::{host_key, normalize};

use super::{Check, ColumnStatus, Finding, HostStatus, InspectConfig, Report, Severity};

/// The checklist's words for each check (summarised; see docs/operations.md).
pub(crate) fn rule(check: Check) -> &'static str {
    match check {
        Check::HomeBrokenLink => {
            "《政府网站与政务新媒体检查指标》扣分指标“链接可用性”：首页上的链接（含图片、附件、外部链接）打不开或错误的，每出现一个即扣分。"
        }
        Check::BrokenLink => {
            "扣分指标“链接可用性”：其他页面上的链接（含附件）打不开或错误（错链、断链）的，累计计数扣分。"
        }
        Check::ExternalBrokenLink => {
            "扣分指标“链接可用性”：页面上的外部链接打不开或错误的，同样计入不可用链接。"
        }
        Check::HomeNotUpdated => {
            "单项否决指标“网站不更新”：监测时间点前2周内首页无信息更新的，判定为不合格。"
        }
        Check::ColumnNotUpdated => {
            "单项否决指标“栏目不更新”：动态、要闻类栏目2周内无更新的栏目累计5个以上，或应更新但长期未更新的栏目累计10个以上，判定为不合格；扣分指标：通知公告、政策文件类栏目6个月未更新，人事、规划计划类栏目1年未更新，每个扣分。"
        }
        Check::BlankColumn => {
            "单项否决指标“栏目不更新”：空白栏目（有栏目无内容，或仅有“暂无信息”）累计5个以上，判定为不合格；不足5个的，每个扣分。"
        }
        Check::MissingMetadata => {
            "扣分指标“信息发布”：政府信息公开目录中的信息应标明索引号、发布机构、发布（成文）日期等要素。"
        }
        Check::FutureDate => {
            "扣分指标“内容准确”：发布的信息应准确，发布日期晚于检查日的属于信息错误。"
        }
        Check::Duplicate => {
            "扣分指标“内容准确”：同一信息（同一文号、索引号或同一正文）不应在不同网址重复发布。"
        }
        Check::BadAttachment => "扣分指标“链接可用性”：附件打不开或无法读取的，计为不可用链接。",
        Check::ImageOnly => {
            "扣分指标“信息发布”：正文仅为图片（无文字版本）的信息无法检索和读取，应提供文字内容。"
        }
        Check::FetchFailures => {
            "单项否决指标“站点无法访问”：监测1周，首页累计超过15秒打不开的次数占总监测次数5%以上的，判定为不合格；其他页面无法访问的计为不可用链接。"
        }
        Check::SlowAnswers => {
            "单项否决指标“站点无法访问”以15秒内打不开计为无法访问；超过阈值的应答需排查。"
        }
    }
}

/// The key a link is stored under, as the crawler queues it (a /big5/
/// mirror stands for its original).
fn link_key(link: &str) -> Option<String> {
    let mut url = Url::parse(link).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if let Some(rest) = url.path().strip_prefix("/big5/").map(|r| format!("/{r}")) {
        url.set_path(&rest);
    }
    Some(normalize(&url))
}

/// A page's identity for duplicates: the URL without query or fragment (a
/// `?from=index` copy of the same page is not a second publication).
fn page_identity(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            normalize(&u)
        }
        Err(_) => url.to_string(),
    }
}

/// A failed outcome that a visitor would see as a broken link.
fn failure(row: &UrlRow) -> Option<String> {
    let reason = row.outcome.strip_prefix("failed:")?;
    match reason {
        r if r.starts_with("http-") => Some(format!("HTTP {}", &r[5..])),
        "network" | "timeout" | "slow-body" | "short-body" | "client" => {
            Some(format!("fetch failed ({reason})"))
        }
        _ => None,
    }
}

/// A failure that says the host is unavailable (not a missing page).
fn availability_failure(row: &UrlRow) -> bool {
    let Some(reason) = row.outcome.strip_prefix("failed:") else {
        return false;
    };
    reason.starts_with("http-5")
        || matches!(reason, "network" | "timeout" | "slow-body" | "short-body")
}

fn date_of(published: Option<&str>) -> Option<time::Date> {
    super::parse_day(published?.get(..10)?)
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    cfg: &'a InspectConfig,
    as_of: time::Date,
    by_key: HashMap<&'a str, usize>,
    docs: HashMap<&'a str, &'a Document>,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn add(&mut self, check: Check, severity: Severity, urls: Vec<String>, evidence: String) {
        self.findings.push(Finding {
            check,
            severity,
            urls,
            evidence,
            rule: rule(check).to_string(),
        });
    }

    /// The row a key ends at, following redirects (at most 6 hops): the
    /// row, or why it is broken ("redirect loop").
    fn resolve(&self, key: &str) -> Result<Option<usize>, String> {
        let mut key = key.to_string();
        let mut visited = HashSet::new();
        for _ in 0..7 {
            let Some(&i) = self.by_key.get(key.as_str()) else {
                return Ok(None);
            };
            let row = &self.snap.urls[i];
            if row.outcome != "redirect" {
                return Ok(Some(i));
            }
            if !visited.insert(key.clone()) {
                return Err("redirect loop".into());
            }
            match &row.redirect_to {
                Some(next) if *next != key => key = next.clone(),
                _ => return Ok(Some(i)),
            }
        }
        Err("more than 6 redirects".into())
    }

    /// Why the page at `key` does not open for a visitor, if it does not.
    fn broken(&self, key: &str) -> Option<String> {
        match self.resolve(key) {
            Err(why) => Some(why),
            Ok(None) => None,
            Ok(Some(i)) => {
                let row = &self.snap.urls[i];
                let via = if row.key == key {
                    String::new()
                } else {
                    format!(" (redirected to {})", row.url)
                };
                if row.outcome == "soft-404" {
                    Some(format!(
                        "answers HTTP {} with a \"page not found\" message{via}",
                        row.http_status.unwrap_or(200)
                    ))
                } else {
                    failure(row).map(|f| format!("{f}{via}"))
                }
            }
        }
    }

    fn is_article(&self, i: usize) -> bool {
        let row = &self.snap.urls[i];
        row.doc_id
            .as_deref()
            .is_some_and(|d| self.docs.contains_key(d))
            && row.facts.is_none()
    }

    fn doc_of(&self, i: usize) -> Option<&Document> {
        let row = &self.snap.urls[i];
        row.doc_id
            .as_deref()
            .and_then(|d| self.docs.get(d).copied())
    }
}

/// Runs every check over a crawl snapshot, as of the day `as_of`.
pub fn inspect(snap: &Snapshot, cfg: &InspectConfig, as_of: time::Date) -> super::Report {
    let by_key: HashMap<&str, usize> = snap
        .urls
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.as_str(), i))
        .collect();
    let docs: HashMap<&str, &Document> =
        snap.documents.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut ctx = Ctx {
        snap,
        cfg,
        as_of,
        by_key,
        docs,
        findings: Vec::new(),
    };
    let homes = home_rows(&ctx);
    broken_links(&mut ctx, &homes);
    let (home_newest, home_newest_url) = home_freshness(&mut ctx, &homes);
    let columns = columns(&mut ctx, &homes);
    documents(&mut ctx);
    let hosts = availability(&mut ctx);

    // Order, then cap each check.
    let mut findings = std::mem::take(&mut ctx.findings);
    findings.sort_by(|a, b| a.check.cmp(&b.check).then_with(|| a.urls.cmp(&b.urls)));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    findings.retain(|f| {
        let n = counts.entry(f.check.name().to_string()).or_default();
        *n += 1;
        *n <= cfg.max_findings
    });
    let verdicts = verdicts(&counts, &columns, cfg);
    let in_run: HashSet<&str> = snap
        .urls
        .iter()
        .filter_map(|r| r.doc_id.as_deref())
        .collect();
    Report {
        as_of: iso(as_of),
        run: snap.run,
        run_finished: snap.finished,
        run_started: snap.started,
        home_pages: homes.iter().map(|&i| snap.urls[i].url.clone()).collect(),
        home_newest,
        home_newest_url,
        pages: snap.urls.len(),
        documents: in_run.len(),
        columns,
        hosts,
        counts,
        verdicts,
        findings,
        config: cfg.clone(),
    }
}

/// The home pages: the run's seeds, after their redirects.
fn home_rows(ctx: &Ctx<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    for seed in &ctx.snap.seeds {
        let Some(key) = link_key(seed) else { continue };
        if let Ok(Some(i)) = ctx.resolve(&key)
            && !out.contains(&i)
        {
            out.push(i);
        }
    }
    out
}

fn broken_links(ctx: &mut Ctx<'_>, homes: &[usize]) {
    // Every broken target, then who links to it.
    let mut broken: BTreeMap<String, String> = BTreeMap::new();
    for row in &ctx.snap.urls {
        if row.outcome == "robots" {
            continue;
        }
        if let Some(why) = ctx.broken(&row.key) {
            broken.insert(row.key.clone(), why);
        }
    }
    if broken.is_empty() {
        return;
    }
    let mut referrers: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut home_links: Vec<(usize, String)> = Vec::new();
    for (i, row) in ctx.snap.urls.iter().enumerate() {
        let mut on_page = HashSet::new();
        for (link, _) in &row.links {
            let Some(key) = link_key(link) else { continue };
            let Some((k, _)) = broken.get_key_value(&key) else {
                continue;
            };
            if !on_page.insert(k.as_str()) {
                continue;
            }
            if homes.contains(&i) {
                home_links.push((i, k.clone()));
            } else {
                referrers.entry(k.as_str()).or_default().push(i);
            }
        }
    }
    let urls = &ctx.snap.urls;
    let url_of = |key: &str| -> String {
        ctx.by_key
            .get(key)
            .map_or_else(|| key.to_string(), |&i| urls[i].url.clone())
    };
    let mut found = Vec::new();
    for (home, key) in &home_links {
        found.push((
            Check::HomeBrokenLink,
            vec![url_of(key), urls[*home].url.clone()],
            format!("{}; linked from the home page", broken[key]),
        ));
    }
    let linked_from_home: HashSet<&str> = home_links.iter().map(|(_, k)| k.as_str()).collect();
    for (key, why) in &broken {
        let refs = referrers
            .get(key.as_str())
            .map_or(&[][..], |v| v.as_slice());
        // Reached from no page: the home page's link, or the redirect that
        // leads here (a loop's second URL), already says it.
        let via_redirect = ctx
            .by_key
            .get(key.as_str())
            .is_some_and(|&i| urls[i].outcome == "redirect");
        if refs.is_empty() && (linked_from_home.contains(key.as_str()) || via_redirect) {
            continue;
        }
        let mut list = vec![url_of(key)];
        list.extend(
            refs.iter()
                .take(ctx.cfg.max_referrers)
                .map(|&i| urls[i].url.clone()),
        );
        let whence = match refs.len() {
            0 => "no crawled page links to it (listed in a sitemap or linked before)".to_string(),
            1 => "linked from 1 page".to_string(),
            n => format!("linked from {n} pages"),
        };
        found.push((Check::BrokenLink, list, format!("{why}; {whence}")));
    }
    for (check, urls, evidence) in found {
        ctx.add(check, Severity::Deduct, urls, evidence);
    }
}

/// Newest item linked from the home page; flagged when older than allowed.
fn home_freshness(ctx: &mut Ctx<'_>, homes: &[usize]) -> (Option<String>, Option<String>) {
    let mut newest: Option<(time::Date, usize, usize)> = None;
    for &h in homes {
        for (link, _) in &ctx.snap.urls[h].links {
            let Some(key) = link_key(link) else { continue };
            let Ok(Some(i)) = ctx.resolve(&key) else {
                continue;
            };
            if !ctx.is_article(i) {
                continue;
            }
            let Some(d) = ctx.doc_of(i).and_then(|d| date_of(d.published.as_deref())) else {
                continue;
            };
            if d <= ctx.as_of && newest.is_none_or(|(n, _, _)| d > n) {
                newest = Some((d, i, h));
            }
        }
    }
    let Some(&first_home) = homes.first() else {
        return (None, None);
    };
    let days = ctx.cfg.home_days;
    match newest {
        Some((d, i, h)) => {
            let age = (ctx.as_of - d).whole_days();
            if days > 0 && age > i64::from(days) {
                let urls = vec![ctx.snap.urls[h].url.clone(), ctx.snap.urls[i].url.clone()];
                ctx.add(
                    Check::HomeNotUpdated,
                    Severity::Veto,
                    urls,
                    format!(
                        "newest item on the home page is of {} ({age} days before {}; allowed {days})",
                        iso(d),
                        iso(ctx.as_of)
                    ),
                );
            }
            (Some(iso(d)), Some(ctx.snap.urls[i].url.clone()))
        }
        None => {
            if days > 0 {
                let url = ctx.snap.urls[first_home].url.clone();
                ctx.add(
                    Check::HomeNotUpdated,
                    Severity::Veto,
                    vec![url],
                    "the home page links to no dated item".into(),
                );
            }
            (None, None)
        }
    }
}

/// Union-find over list pages joined by pagination links.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    let mut hops = 0;
    while parent[i] != i && hops < 10_000 {
        parent[i] = parent[parent[i]];
        i = parent[i];
        hops += 1;
    }
    i
}

/// The folder of a URL (`http://h/a/b/` of `http://h/a/b/index_2.htm`):
/// a column's pages share it.
fn folder(url: &str) -> &str {
    let path_start = url.find("://").map_or(0, |i| i + 3);
    let end = url.find(['?', '#']).unwrap_or(url.len());
    match url[path_start..end].rfind('/') {
        Some(i) => &url[..path_start + i + 1],
        None => &url[..end],
    }
}

fn columns(ctx: &mut Ctx<'_>, homes: &[usize]) -> Vec<ColumnStatus> {
    let urls = &ctx.snap.urls;
    // The home page is no column, though it may read as a list.
    let lists: Vec<usize> = urls
        .iter()
        .enumerate()
        .filter(|(i, r)| !homes.contains(i) && r.facts.as_ref().is_some_and(|f| f.kind == "list"))
        .map(|(i, _)| i)
        .collect();
    let is_list: HashSet<usize> = lists.iter().copied().collect();
    let mut parent: Vec<usize> = (0..urls.len()).collect();
    for &l in &lists {
        for (link, pagination) in &urls[l].links {
            if !pagination {
                continue;
            }
            let Some(key) = link_key(link) else { continue };
            let Some(&t) = ctx.by_key.get(key.as_str()) else {
                continue;
            };
            // "首页" and "上一页" count as pagination too: only pages of
            // one folder are pages of one column.
            if is_list.contains(&t) && folder(&urls[l].key) == folder(&urls[t].key) {
                let (a, b) = (find(&mut parent, l), find(&mut parent, t));
                if a != b {
                    // The shallower, shorter URL is the column's first page.
                    let rank = |i: usize| (urls[i].depth, urls[i].key.len(), urls[i].key.clone());
                    let (keep, drop) = if rank(a) <= rank(b) { (a, b) } else { (b, a) };
                    parent[drop] = keep;
                }
            }
        }
    }
    // Links on most list pages are navigation, not items.
    let mut on_lists: HashMap<String, usize> = HashMap::new();
    for &l in &lists {
        let mut seen = HashSet::new();
        for (link, pagination) in &urls[l].links {
            if !pagination
                && let Some(k) = link_key(link)
                && seen.insert(k.clone())
            {
                *on_lists.entry(k).or_default() += 1;
            }
        }
    }
    let boilerplate =
        |k: &str| lists.len() >= 4 && on_lists.get(k).copied().unwrap_or(0) * 2 > lists.len();
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &l in &lists {
        let root = find(&mut parent, l);
        groups.entry(root).or_default().push(l);
    }
    let mut out = Vec::new();
    let mut with_items: HashSet<usize> = HashSet::new();
    for (root, pages) in &groups {
        let mut items: HashSet<usize> = HashSet::new();
        for &p in pages {
            for (link, pagination) in &urls[p].links {
                if *pagination {
                    continue;
                }
                let Some(key) = link_key(link) else { continue };
                if boilerplate(&key) {
                    continue;
                }
                if let Ok(Some(i)) = ctx.resolve(&key)
                    && ctx.is_article(i)
                {
                    items.insert(i);
                }
            }
        }
        // A column lists items beside their dates; a directory of columns
        // (links, no dates) is no column, whatever it links to.
        let dated: u32 = pages
            .iter()
            .filter_map(|&p| urls[p].facts.as_ref())
            .map(|f| f.items)
            .sum();
        if !items.is_empty() && dated > 0 {
            with_items.extend(pages.iter().copied());
            out.push(column_status(ctx, *root, pages.len(), &items));
        }
    }
    // Blank columns: pages that say they list nothing (暂无信息, 共0条) and
    // show no item, outside a column that has items. (A list page with no
    // item and no such words is not told from a page of links and text.)
    for (i, row) in urls.iter().enumerate() {
        let Some(f) = &row.facts else { continue };
        if with_items.contains(&i) {
            continue;
        }
        let listed_nothing = f.items == 0 && f.empty_note && !homes.contains(&i);
        if !listed_nothing {
            continue;
        }
        let why = "the page says it has no items (暂无信息 / 共0条)";
        let name = if f.title.is_empty() {
            row.url.clone()
        } else {
            f.title.clone()
        };
        {
            out.push(ColumnStatus {
                url: row.url.clone(),
                name: name.clone(),
                kind: "空白".into(),
                items: 0,
                pages: 1,
                newest: None,
                newest_url: None,
                days_since: None,
                allowed_days: 0,
                stale: false,
                blank: true,
            });
        }
        ctx.add(
            Check::BlankColumn,
            Severity::Veto,
            vec![row.url.clone()],
            format!("{name}: {why}"),
        );
    }
    for c in &out {
        if c.stale {
            let mut urls = vec![c.url.clone()];
            urls.extend(c.newest_url.clone());
            let severity = if c.kind == "动态要闻" {
                Severity::Veto
            } else {
                Severity::Deduct
            };
            let evidence = format!(
                "{} ({}类): newest item of {} items is of {}, {} days before {}; allowed {} days",
                c.name,
                c.kind,
                c.items,
                c.newest.as_deref().unwrap_or("?"),
                c.days_since.unwrap_or(0),
                iso(ctx.as_of),
                c.allowed_days
            );
            ctx.add(Check::ColumnNotUpdated, severity, urls, evidence);
        }
    }
    out.sort_by(|a, b| a.url.cmp(&b.url));
    out
}

fn column_status(ctx: &Ctx<'_>, root: usize, pages: usize, items: &HashSet<usize>) -> ColumnStatus {
    let row = &ctx.snap.urls[root];
    // Named by what its items say their column is, else the page's title.
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut newest: Option<(time::Date, usize)> = None;
    for &i in items {
        let Some(doc) = ctx.doc_of(i) else { continue };
        if !doc.column.is_empty() {
            *names.entry(doc.column.as_str()).or_default() += 1;
        }
        if let Some(d) = date_of(doc.published.as_deref())
            && d <= ctx.as_of
            && newest.is_none_or(|(n, _)| d > n)
        {
            newest = Some((d, i));
        }
    }
    let title = row
        .facts
        .as_ref()
        .map(|f| f.title.clone())
        .unwrap_or_default();
    let name = names
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(n, _)| n.to_string())
        .unwrap_or(title);
    let (kind, allowed) = period(ctx.cfg, &name, &row.url);
    let days_since = newest.map(|(d, _)| (ctx.as_of - d).whole_days());
    ColumnStatus {
        url: row.url.clone(),
        name,
        kind: kind.to_string(),
        items: items.len(),
        pages,
        newest: newest.map(|(d, _)| iso(d)),
        newest_url: newest.map(|(_, i)| ctx.snap.urls[i].url.clone()),
        days_since,
        allowed_days: allowed,
        stale: allowed > 0 && days_since.is_some_and(|d| d > i64::from(allowed)),
        blank: false,
    }
}

/// A column's type and the days it may go without a new item.
pub(crate) fn period(cfg: &InspectConfig, name: &str, url: &str) -> (&'static str, u32) {
    if let Some(days) = cfg.columns.get(name) {
        return ("配置", *days);
    }
    if let Some((_, days)) = cfg
        .columns
        .iter()
        .filter(|(k, _)| k.contains("://") && url.starts_with(k.as_str()))
        .max_by_key(|(k, _)| k.len())
    {
        return ("配置", *days);
    }
    let has = |words: &[String]| {
        words
            .iter()
            .any(|w| !w.is_empty() && name.contains(w.as_str()))
    };
    if has(&cfg.news_words) {
        ("动态要闻", cfg.news_days)
    } else if has(&cfg.plan_words) {
        ("人事规划计划", cfg.plan_days)
    } else if has(&cfg.notice_words) {
        ("通知公告政策文件", cfg.notice_days)
    } else {
        ("其他", cfg.other_days)
    }
}

/// A 信息公开 item (in the disclosure directory), not plain news.
fn is_disclosure(doc: &Document) -> bool {
    !doc.index_number.is_empty()
        || doc
            .breadcrumb
            .iter()
            .any(|c| c.contains("信息公开") || c.contains("政务公开") || c.contains("公开目录"))
        || Url::parse(&doc.url).is_ok_and(|u| {
            let p = u.path().to_ascii_lowercase();
            ["/xxgk/", "/zwgk/", "/gkml/", "/zfxxgk/"]
                .iter()
                .any(|d| p.contains(d))
        })
}

/// Characters of a document's text beyond its metadata: a page that is
/// only a scanned image may still yield its 索引号 or "无" from a table.
fn own_text_chars(doc: &Document) -> usize {
    let mut text: String = doc.body.chars().filter(|c| !c.is_whitespace()).collect();
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    for known in [
        &doc.index_number,
        &doc.doc_number,
        &doc.publisher,
        &doc.title,
        doc.published.as_ref().unwrap_or(&String::new()),
    ] {
        let k = squash(known);
        if !k.is_empty() {
            text = text.replace(&k, "");
        }
    }
    text.chars().filter(|c| *c != '无').count()
}

/// Per document: metadata, dates, attachments, image-only text; then
/// the same item under several URLs.
fn documents(ctx: &mut Ctx<'_>) {
    let snap = ctx.snap;
    // URLs of this run that served each document.
    let mut served: BTreeMap<&str, Vec<&UrlRow>> = BTreeMap::new();
    for row in &snap.urls {
        if let Some(id) = row.doc_id.as_deref()
            && ctx.docs.contains_key(id)
            && row.facts.is_none()
        {
            served.entry(id).or_default().push(row);
        }
    }
    let mut found = Vec::new();
    for (&id, rows) in &served {
        let doc = ctx.docs[id];
        let url = doc.url.clone();
        if is_disclosure(doc) {
            let mut missing = Vec::new();
            if doc.index_number.trim().is_empty() {
                missing.push("索引号");
            }
            if doc.publisher.trim().is_empty() {
                missing.push("发布机构");
            }
            if date_of(doc.published.as_deref()).is_none() {
                missing.push("发布日期");
            }
            if !missing.is_empty() {
                found.push((
                    Check::MissingMetadata,
                    Severity::Deduct,
                    vec![url.clone()],
                    format!("「{}」 has no {}", doc.title, missing.join("、")),
                ));
            }
        }
        if let Some(d) = date_of(doc.published.as_deref())
            && d > ctx.as_of
        {
            found.push((
                Check::FutureDate,
                Severity::Deduct,
                vec![url.clone()],
                format!(
                    "「{}」 is dated {}, after {}",
                    doc.title,
                    iso(d),
                    iso(ctx.as_of)
                ),
            ));
        }
        for a in &doc.attachments {
            let Some(err) = a.error.as_deref() else {
                continue;
            };
            if err == "attachments disabled" || err.starts_with("off-site") {
                continue;
            }
            let title = if a.title.is_empty() {
                "附件"
            } else {
                a.title.as_str()
            };
            found.push((
                Check::BadAttachment,
                Severity::Deduct,
                vec![a.url.clone(), url.clone()],
                format!("{title} on 「{}」: {err}", doc.title),
            ));
        }
        let chars = own_text_chars(doc);
        if doc.attachments.is_empty() && chars < ctx.cfg.min_text_chars {
            found.push((
                Check::ImageOnly,
                Severity::Deduct,
                vec![url.clone()],
                format!(
                    "「{}」 has {chars} characters of text and no attachment (an image, or nothing)",
                    doc.title
                ),
            ));
        }
        // One item at several addresses (not a redirect, a mirror or the
        // same page with another query string).
        let mut pages: Vec<&str> = Vec::new();
        let mut ids: HashSet<String> = HashSet::new();
        for r in rows {
            if snap.stand_ins.contains_key(&r.url) || snap.stand_ins.contains_key(&r.key) {
                continue;
            }
            if ids.insert(page_identity(&r.url)) {
                pages.push(r.url.as_str());
            }
        }
        if pages.len() > 1 {
            let what = if id.starts_with("idx:") {
                "索引号"
            } else if id.starts_with("wh:") {
                "文号"
            } else {
                "text"
            };
            let mut urls: Vec<String> = pages.iter().map(|p| p.to_string()).collect();
            urls.sort();
            found.push((
                Check::Duplicate,
                Severity::Deduct,
                urls,
                format!(
                    "「{}」 is published {} times with the same {what}",
                    doc.title,
                    pages.len()
                ),
            ));
        }
    }
    // Different identities, same 文号 or the same text.
    let mut by_number: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
    let mut by_text: BTreeMap<&str, Vec<&Document>> = BTreeMap::new();
    for &id in served.keys() {
        let doc = ctx.docs[id];
        let number: String = doc
            .doc_number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !number.is_empty() && !id.starts_with("wh:") {
            by_number.entry(number).or_default().push(doc);
        }
        if !doc.content_hash.is_empty() && doc.body.chars().count() >= ctx.cfg.min_text_chars {
            by_text
                .entry(doc.content_hash.as_str())
                .or_default()
                .push(doc);
        }
    }
    let mut reported: HashSet<Vec<String>> = HashSet::new();
    for (what, groups) in [
        ("文号", by_number.into_values().collect::<Vec<_>>()),
        ("text", by_text.into_values().collect()),
    ] {
        for docs in groups {
            if docs.len() < 2 {
                continue;
            }
            let mut urls: Vec<String> = docs.iter().map(|d| d.url.clone()).collect();
            urls.sort();
            if !reported.insert(urls.clone()) {
                continue;
            }
            let evidence = if what == "文号" {
                format!("{} items carry 文号 {}", docs.len(), docs[0].doc_number)
            } else {
                format!(
                    "{} items have the same title and text: 「{}」",
                    docs.len(),
                    docs[0].title
                )
            };
            found.push((Check::Duplicate, Severity::Deduct, urls, evidence));
        }
    }
    for (check, severity, urls, evidence) in found {
        ctx.add(check, severity, urls, evidence);
    }
}

/// What one host's fetches showed: the status, answer times, failures
/// (URL, reason) and slow answers (ms, URL).
type HostSeen = (
    HostStatus,
    Vec<u32>,
    Vec<(String, String)>,
    Vec<(u32, String)>,
);

/// Failures and slow answers per host.
fn availability(ctx: &mut Ctx<'_>) -> Vec<HostStatus> {
    let mut hosts: BTreeMap<String, HostSeen> = BTreeMap::new();
    for row in &ctx.snap.urls {
        if matches!(row.outcome.as_str(), "robots" | "") {
            continue;
        }
        let Ok(u) = Url::parse(&row.url) else {
            continue;
        };
        let (status, times, failures, slow) = hosts.entry(host_key(&u)).or_default();
        status.fetched += 1;
        if availability_failure(row) {
            status.failed += 1;
            failures.push((row.url.clone(), row.outcome["failed:".len()..].to_string()));
        } else if let Some(ms) = row.ms {
            times.push(ms);
            if ms >= ctx.cfg.slow_ms {
                status.slow += 1;
                slow.push((ms, row.url.clone()));
            }
        }
    }
    let mut out = Vec::new();
    for (host, (mut status, mut times, failures, mut slow)) in hosts {
        status.host = host.clone();
        times.sort_unstable();
        status.max_ms = times.last().copied();
        status.median_ms = times.get(times.len() / 2).copied();
        if !failures.is_empty() {
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, r) in &failures {
                *reasons.entry(r.as_str()).or_default() += 1;
            }
            let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
            let mut urls = vec![host.clone()];
            urls.extend(
                failures
                    .iter()
                    .take(ctx.cfg.max_referrers)
                    .map(|(u, _)| u.clone()),
            );
            ctx.add(
                Check::FetchFailures,
                Severity::Deduct,
                urls,
                format!(
                    "{} of {} pages of {host} failed after retries ({})",
                    failures.len(),
                    status.fetched,
                    reasons.join(", ")
                ),
            );
        }
        if !slow.is_empty() {
            slow.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let mut urls = vec![host.clone()];
            urls.extend(
                slow.iter()
                    .take(ctx.cfg.max_referrers)
                    .map(|(_, u)| u.clone()),
            );
            ctx.add(
                Check::SlowAnswers,
                Severity::Notice,
                urls,
                format!(
                    "{} of {} answers of {host} took {} ms or more (slowest {} ms)",
                    slow.len(),
                    status.fetched,
                    ctx.cfg.slow_ms,
                    slow[0].0
                ),
            );
        }
        out.push(status);
    }
    out
}

/// What the counts mean under the checklist's 单项否决 rules.
fn verdicts(
    counts: &BTreeMap<String, usize>,
    columns: &[ColumnStatus],
    _cfg: &InspectConfig,
) -> Vec<String> {
    let mut out = Vec::new();
    let n = |c: Check| counts.get(c.name()).copied().unwrap_or(0);
    let news_stale = columns
        .iter()
        .filter(|c| c.stale && c.kind == "动态要闻")
        .count();
    let stale = columns.iter().filter(|c| c.stale).count();
    if n(Check::HomeNotUpdated) > 0 {
        out.push("单项否决：首页2周内无更新".to_string());
    }
    if news_stale >= 5 {
        out.push(format!(
            "单项否决：动态、要闻类栏目2周未更新 {news_stale} 个（5个以上）"
        ));
    }
    if stale + n(Check::BlankColumn) >= 10 {
        out.push(format!(
            "单项否决：应更新未更新栏目与空白栏目共 {} 个（10个以上）",
            stale + n(Check::BlankColumn)
        ));
    }
    if n(Check::BlankColumn) >= 5 {
        out.push(format!(
            "单项否决：空白栏目 {} 个（5个以上）",
            n(Check::BlankColumn)
        ));
    }
    out
}

#[cfg(test)]
mod tests;
