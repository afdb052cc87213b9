#!/usr/bin/env python3
"""Regenerates the demo fixture (run from the repository root):

    python3 src/demo/make_fixture.py ../shared/portal

Picks at most 300 documents of PORTAL/docs.jsonl.gz (every category, short
bodies, a few with attachments), writes src/demo/docs.jsonl (what `gongkai demo`
indexes directly when the crawler cannot run) and renders src/demo/site with
make_portal.py --style jiyue (served by `gongkai demo` itself)."""
import gzip, json, os, random, shutil, subprocess, sys, tempfile

portal = sys.argv[1] if len(sys.argv) > 1 else "../shared/portal"
docs = [json.loads(l) for l in gzip.open(os.path.join(portal, "docs.jsonl.gz"), "rt", encoding="utf-8")]
manifest = [json.loads(l) for l in open(os.path.join(portal, "attachments", "manifest.jsonl"), encoding="utf-8")]
rng = random.Random(4)
by_cat = {}
for d in docs:
    if len(d["body"]) <= 2500:
        by_cat.setdefault(d.get("category") or "", []).append(d)
chosen = {}
for cat, items in sorted(by_cat.items()):
    for d in rng.sample(items, min(len(items), 24 if cat == "" else 12)):
        chosen[d["id"]] = d
small = [m for m in manifest if os.path.getsize(os.path.join(portal, "attachments", m["file"])) < 40_000]
ids = {d["id"]: d for d in docs}
for m in small[:6]:
    chosen[m["id"]] = ids[m["id"]]
picked = sorted(chosen.values(), key=lambda d: (d.get("published") or "", d["id"]))[:300]
tmp = tempfile.mkdtemp()
with open(os.path.join(tmp, "docs.jsonl"), "w", encoding="utf-8") as f:
    for d in picked:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
att = os.path.join(tmp, "attachments")
os.makedirs(att)
keep = {d["id"] for d in picked}
with open(os.path.join(att, "manifest.jsonl"), "w", encoding="utf-8") as f:
    for m in small[:6]:
        if m["id"] in keep:
            shutil.copy(os.path.join(portal, "attachments", m["file"]), att)
            f.write(json.dumps(m, ensure_ascii=False) + "\n")
out = os.path.join(tmp, "out")
subprocess.run([sys.executable, os.path.join(portal, "make_portal.py"), "site", "--style", "jiyue",
                "--docs", os.path.join(tmp, "docs.jsonl"), "--out", out], check=True)
here = os.path.dirname(os.path.abspath(__file__))
shutil.rmtree(os.path.join(here, "site"), ignore_errors=True)
shutil.copytree(out, os.path.join(here, "site"))
with open(os.path.join(here, "docs.jsonl"), "w", encoding="utf-8") as f:
    for d in picked:
        d = {k: v for k, v in d.items() if not k.endswith("_hant")}
        d["source"] = "gongkai demo fixture"
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
print(len(picked), "documents")
