#!/usr/bin/env python3
"""Scores `gongkai extract` on a fixture portal site against its truth.jsonl.

  tools/extract_score.py SITE_DIR [--bin target/release/gongkai] [--jobs 4]

SITE_DIR is a site made by ../shared/portal/make_portal.py or
tests/fixtures/portal/make_style3.py (site/, _meta/headers.tsv, truth.jsonl).
Every article in the truth is extracted from its file (with the charset the
server would send, from headers.tsv) and compared field by field; every
other page of the site (lists, home, search, calendar; not /big5/ mirrors)
must not be read as an article. Prints the share per field and a few misses.
Standard library only.
"""
import argparse, collections, concurrent.futures as cf, json, os, subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--bin", default="target/release/gongkai")
    ap.add_argument("--jobs", type=int, default=4)
    a = ap.parse_args()
    root = os.path.join(a.site, "site")
    headers = {}
    hp = os.path.join(a.site, "_meta", "headers.tsv")
    if os.path.exists(hp):
        for line in open(hp, encoding="utf-8"):
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2:
                headers[p[0]] = p[1]
    truth = [json.loads(l) for l in open(os.path.join(a.site, "truth.jsonl"), encoding="utf-8") if l.strip()]
    articles = [t for t in truth if t.get("kind") == "article"]
    known = {t["url"] for t in truth}
    others = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith((".html", ".htm", ".shtml")):
                u = "/" + os.path.relpath(os.path.join(d, f), root)
                if u not in known and not u.startswith("/big5/"):
                    others.append(u)

    def run(url):
        path = os.path.join(root, url.lstrip("/").split("?")[0])
        args = [a.bin, "extract", path, "--url", "http://127.0.0.1" + url, "--format", "json"]
        ct = headers.get(url, "")
        if "charset=" in ct:
            args += ["--charset", ct.split("charset=")[1]]
        out = subprocess.run(args, capture_output=True, text=True)
        try:
            return json.loads(out.stdout)
        except ValueError:
            return {"kind": "error", "error": out.stderr[-300:]}

    squash = lambda s: "".join((s or "").split())
    fields = ["title", "published", "publisher", "doc_number", "index_number"]
    right = collections.Counter()
    misses = collections.defaultdict(list)
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for t, r in zip(articles, ex.map(run, [t["url"] for t in articles])):
            if r["kind"] == "article":
                right["found"] += 1
            else:
                misses["found"].append((t["url"], r.get("evidence", {}).get("reasons")))
            for f in fields:
                if squash(t.get(f)) == squash(r.get(f)):
                    right[f] += 1
                else:
                    misses[f].append((t["url"], t.get(f), r.get(f)))
        indexed = [u for u, r in zip(others, ex.map(run, others)) if r["kind"] == "article"]
    n = len(articles)
    print(f"{a.site}: {n} articles, {len(others)} other pages")
    for f in ["found"] + fields:
        print(f"  {f:<13} {right[f]}/{n} ({100 * right[f] / max(n, 1):.1f}%)")
    print(f"  non-articles read as articles: {len(indexed)}/{len(others)}")
    for f, m in misses.items():
        for x in m[:3]:
            print(f"  miss {f}: {x}")
    for u in indexed[:3]:
        print(f"  miss non-article: {u}")


if __name__ == "__main__":
    main()
