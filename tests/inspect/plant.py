#!/usr/bin/env python3
"""Plants the faults `gongkai inspect` must find into a classic fixture portal
made by make_portal.py, and prints what a correct inspection reports, as JSON:

  plant.py SITE_DIR DOCS_JSONL_GZ LIMIT

{"as_of": "YYYY-MM-DD",
 "expect": [[check, path_or_HOST, [paths that must be named too]], ...],
 "duplicates": [[path, path, ...], ...]}

Besides the planted faults, the expectation holds what the fixture itself
gets wrong (a redirect loop and a soft 404 it links, the columns of its
directory that have no documents, items of the corpus published twice, 文号
the generator gave twice), each found from the generator's data, not from
gongkai's output. Pages are GBK like the rest of the classic site.
"""
import gzip, json, os, re, sys

site, docs_path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.dirname(os.path.abspath(docs_path)))
import make_portal  # noqa: E402  (CATEGORIES, page_classic)

root = os.path.join(site, "site")
truth = [json.loads(l) for l in open(os.path.join(site, "truth.jsonl"), encoding="utf-8")]
arts = [t for t in truth if t["kind"] == "article"]
docs = [json.loads(l) for l in gzip.open(docs_path, "rt", encoding="utf-8")][:limit]


def path(rel):
    return os.path.join(root, rel.lstrip("/"))


def read(rel):
    return open(path(rel), "rb").read().decode("gbk")


def write(rel, text):
    os.makedirs(os.path.dirname(path(rel)), exist_ok=True)
    with open(path(rel), "wb") as f:
        f.write(text.encode("gbk", "xmlcharrefreplace"))


def before_body_end(rel, html):
    text = read(rel)
    write(rel, text.replace("</body>", html + "</body>", 1))


expect, duplicates = [], []
url_of = {t["id"]: t["url"] for t in arts}

# What the fixture gets wrong by itself.
expect.append(["home-broken-link", "/loop/a.htm", ["/"]])
expect.append(["broken-link", "/info/9999/0.htm", ["/xxgk/index.htm"]])
present = {t["category"] for t in arts}
for name, code in make_portal.CATEGORIES:
    if name not in present:
        expect.append(["broken-link", f"/xxgk/{code}/index.htm", ["/xxgk/index.htm"]])
squash = lambda s: re.sub(r"\s", "", s or "")
by_text = {}
for d in docs:
    by_text.setdefault((squash(d["title"]), squash(d["body"])), []).append(url_of[d["id"]])
text_groups = [sorted(v) for v in by_text.values() if len(v) > 1]
by_number = {}
for t in arts:
    if t["doc_number"]:
        by_number.setdefault(t["doc_number"], []).append(t["url"])
number_groups = [sorted(v) for v in by_number.values() if len(v) > 1]
for g in text_groups + number_groups:
    if g not in duplicates:
        duplicates.append(g)
in_groups = {u for g in duplicates for u in g}

home = read("/index.html")
on_home = {h.split("?")[0] for h in re.findall(r'href="([^"]+)"', home)}
free = [t for t in arts if t["url"] not in on_home and t["url"] not in in_groups]
news = [t for t in free if t["category"] is None]
info = [t for t in free if t["category"] and t["category"] != "政府文件"
        and not t["doc_number"] and not t["attachments"]]
with_files = [t for t in free if t["category"] != "政府文件"
              and any(a["url"].endswith((".xlsx", ".docx")) for a in t["attachments"])]

# 1. A broken link on an article page.
page = news[0]["url"]
before_body_end(page, '<a href="/info/1099/99999.htm">往期回顾</a>')
expect.append(["broken-link", "/info/1099/99999.htm", [page]])

# 2. A broken link on the home page (and the new column 部门动态, below).
home = read("/index.html").replace(
    "</body>", '<a href="/zt/2019/index.htm">专题回顾</a> <a href="/bmdt/index.htm">部门动态</a></body>', 1)
write("/index.html", home)
expect.append(["home-broken-link", "/zt/2019/index.htm", ["/"]])

# 3. A stale column: every date of 政府文件 six years back (pages and lists).
shift = lambda text: re.sub(r"(20\d\d)(?=-\d\d-\d\d|年\d\d月)", lambda m: str(int(m.group(1)) - 6), text)
for t in arts:
    if t["category"] == "政府文件":
        write(t["url"], shift(read(t["url"])))
for name in os.listdir(path("/xxgk/zfwj")):
    rel = f"/xxgk/zfwj/{name}"
    write(rel, shift(read(rel)))
expect.append(["column-not-updated", "/xxgk/zfwj/index.htm", []])

# 4. A stale news column: 部门动态, ten items, the newest 76 days before the
# last date of the site.
nav = ('<a href="/index.html">首页</a> | <a href="/xxgk/index.htm">信息公开</a> | '
       '<a href="/xwdt/index.htm">新闻动态</a>')
rows = []
for k in range(1, 11):
    date = f"2020-01-{k + 5:02d}"
    title = f"部门动态第{k}期：农业农村局开展第{k}轮春耕备耕专项检查"
    body = "".join(
        f"<p>第{k}轮检查中，检查组走访了{k + 3}个乡镇的{k * 7}家农资经营门店，抽查种子、化肥和农药共{k * 11}批次，"
        f"现场指导农户做好春耕准备，并就第{k}项问题提出了整改意见，要求在{k + 10}日内完成整改。</p>"
        for _ in range(2))
    html = (f'<div class="position">当前位置：<a href="/index.html">首页</a> &gt;&gt; '
            f'<a href="/bmdt/index.htm">部门动态</a> &gt;&gt; 正文</div>'
            f'<div class="article"><h1 class="title">{title}</h1><div class="info">发布时间：{date}　来源：样例县农业农村局</div>'
            f'<div id="vsb_content"><div class="v_news_content">{body}</div></div></div>')
    write(f"/bmdt/{k}.htm", make_portal.page_classic(f"{title}-样例县人民政府", nav, html))
    rows.append(f'<li><a href="/bmdt/{k}.htm">{title}</a><span>{date}</span></li>')
listing = (f'<div class="position">当前位置：<a href="/index.html">首页</a> &gt;&gt; 部门动态</div>'
           f'<div class="list"><ul>{"".join(reversed(rows))}</ul></div><div class="page">共10条 第1/1页</div>')
write("/bmdt/index.htm", make_portal.page_classic("部门动态-样例县人民政府", nav, listing))
expect.append(["column-not-updated", "/bmdt/index.htm", []])

# 5, 6. Blank columns: one says 暂无信息, one lists nothing (共0条); a duplicate
# under a second URL and a slow page are linked from the same directory.
blank = ('<div class="position">当前位置：<a href="/index.html">首页</a> &gt;&gt; '
         '<a href="/xxgk/index.htm">信息公开</a> &gt;&gt; {name}</div><div class="list">{inner}</div>')
write("/xxgk/bszn/index.htm", make_portal.page_classic("办事指南-样例县人民政府", nav,
      blank.format(name="办事指南", inner="<p>暂无信息</p>")))
write("/xxgk/jytabl/index.htm", make_portal.page_classic("建议提案办理-样例县人民政府", nav,
      blank.format(name="建议提案办理", inner='<ul></ul></div><div class="page">共0条 第1/1页')))
expect.append(["blank-column", "/xxgk/bszn/index.htm", []])
expect.append(["blank-column", "/xxgk/jytabl/index.htm", []])
copied = info[0]["url"]
os.makedirs(path("/info/copy"), exist_ok=True)
open(path("/info/copy/1.htm"), "wb").write(open(path(copied), "rb").read())
duplicates.append(sorted([copied, "/info/copy/1.htm"]))
write("/slow/contact.htm", make_portal.page_classic("联系我们-样例县人民政府", nav,
      "<h2>联系我们</h2><p>地址：样例县人民路1号　电话：0000-1234567</p>"))
directory = read("/xxgk/index.htm").replace(
    "</ul>", '<li><a href="/xxgk/bszn/index.htm">办事指南</a></li>'
             '<li><a href="/xxgk/jytabl/index.htm">建议提案办理</a></li></ul>'
             '<a href="/info/copy/1.htm">转载</a> <a href="/slow/contact.htm">联系我们</a>', 1)
write("/xxgk/index.htm", directory)
expect.append(["slow-answers", "HOST", ["/slow/contact.htm"]])

# 7, 8. An attachment that cannot be read, one that is missing.
bad = with_files[0]
att = next(a["url"] for a in bad["attachments"] if a["url"].endswith((".xlsx", ".docx")))
open(path(att), "wb").write(b"PK\x03\x04 this is not a zip archive at all")
expect.append(["bad-attachment", att, [bad["url"]]])
missing_on = info[1]["url"]
text = read(missing_on)
write(missing_on, text.replace('<div class="print">',
      '<p class="fj">附件：<a href="/uploadfile/2019/missing.pdf">缺失的附件</a></p><div class="print">', 1))
expect.append(["bad-attachment", "/uploadfile/2019/missing.pdf", [missing_on]])

# 9. An item of 信息公开 without its 索引号.
no_index = info[2]
text = read(no_index["url"])
text2 = re.sub(r"<td>索 引 号：</td><td>[^<]*</td>", "", text, count=1)
assert text2 != text
write(no_index["url"], text2)
expect.append(["missing-metadata", no_index["url"], []])

# 10. A date in the future.
future = news[1]["url"]
text = read(future)
text2 = re.sub(r"发布时间：[^　<]*", "发布时间：2099-01-01", text, count=1)
assert text2 != text
write(future, text2)
expect.append(["future-date", future, []])

# 11. A page that answers 500 to every request.
failing = news[2]["url"]
with open(os.path.join(site, "_meta", "faults.tsv"), "a") as f:
    f.write(f"{failing}\tstatus 500 first 100000\n")
lists = [p for p in os.listdir(path("/xwdt")) if failing in read(f"/xwdt/{p}")]
expect.append(["broken-link", failing, [f"/xwdt/{p}" for p in lists]])
expect.append(["fetch-failures", "HOST", [failing]])

# 12. A page whose text is only an image.
image = info[3]["url"]
text = read(image)
text2 = re.sub(r'<div class="v_news_content">.*?</div></div>',
               '<div class="v_news_content"><p><img src="/images/scan.jpg" alt=""></p></div></div>',
               text, count=1, flags=re.S)
assert text2 != text
write(image, text2)
expect.append(["image-only", image, []])

print(json.dumps({"as_of": max(t["published"] for t in arts), "expect": expect,
                  "duplicates": duplicates}, ensure_ascii=False))
