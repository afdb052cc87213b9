#!/usr/bin/env python3
"""Known-item queries and qrels from a corpus's titles, for comparing two
versions of gongkai (docs/benchmarks.md, "Search quality over the same change").

    python3 docs/bench/known_item.py CORPUS.jsonl.gz target/release/gongkai OUTDIR

Writes OUTDIR/queries.tsv (qid<TAB>query) and OUTDIR/qrels.txt. Every 56th
document gives up to three queries: p = its two longest title words, s = a
4-6 character CJK substring of its title (it may cut words), w = its longest
word. Every document with exactly that title is relevant. Then, per version:

    gongkai batch OUTDIR/queries.tsv --data DIR --limit 100 --format trec > run.trec
    gongkai eval --qrels OUTDIR/qrels.txt --run run.trec -c --metrics mrr,recall@100
"""
import gzip
import json
import os
import re
import subprocess
import sys

corpus, gongkai, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
docs = []
with gzip.open(corpus, "rt", encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        docs.append((d["id"], d.get("title", "").replace("\n", " ")))
sample = docs[::56][:1000]
by_title = {}
for doc_id, title in docs:
    by_title.setdefault(title, []).append(doc_id)
words = subprocess.run(
    [gongkai, "analyze", "-"],
    input="".join(t + "\n" for _, t in sample),
    capture_output=True, text=True, check=True,
).stdout.splitlines()
han = re.compile(r"[\u4e00-\u9fff]+")
with open(os.path.join(out, "queries.tsv"), "w", encoding="utf-8") as q, \
        open(os.path.join(out, "qrels.txt"), "w", encoding="utf-8") as r:
    for i, ((_, title), line) in enumerate(zip(sample, words)):
        cjk_words = [w for w in line.split() if len(w) >= 2 and han.fullmatch(w)]
        queries = {}
        if len(cjk_words) >= 2:
            longest = sorted(cjk_words, key=lambda w: (-len(w), cjk_words.index(w)))[:2]
            queries["p"] = " ".join(longest)
        if cjk_words:
            queries["w"] = max(cjk_words, key=len)
        runs = [m for m in han.findall(title) if len(m) >= 4]
        if runs:
            run = max(runs, key=len)
            length = min(len(run), 4 + i % 3)
            offset = (i * 7) % (len(run) - length + 1)
            queries["s"] = run[offset:offset + length]
        for kind, text in queries.items():
            qid = f"{kind}{i}"
            q.write(f"{qid}\t{text}\n")
            for doc_id in by_title[title]:
                r.write(f"{qid} 0 {doc_id} 1\n")
