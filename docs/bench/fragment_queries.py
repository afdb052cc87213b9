#!/usr/bin/env python3
"""The query mix citizens type (issue 13): 2–6 character fragments of real
titles, often cut in the middle of a word, in 繁體 as published or folded to
简体, drawn from the shared Tainan corpus with a fixed seed.

    python3 docs/bench/fragment_queries.py ../shared/corpus/tainan-2018-2024.jsonl.gz \
        --count 2000 --seed 13 > /tmp/fragments.txt        # one query per line
    python3 docs/bench/fragment_queries.py CORPUS --lua > /tmp/fragments.lua   # for wrk -s

The lua output is a wrk script (EXTRA=... appends to every path, as
serve-queries.lua does). Only CJK runs of a title are cut; a fragment never
spans punctuation, because a citizen copies or types a run of characters.
"""
import argparse
import gzip
import json
import os
import random
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
T2S = os.path.join(HERE, "..", "..", "document", "data", "t2s-chars.tsv")
HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


def t2s_table():
    table = {}
    with open(T2S, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                table[parts[0]] = parts[1]
    return table


def titles(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            try:
                title = json.loads(line).get("title") or ""
            except json.JSONDecodeError:
                continue
            if title:
                yield title


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--simplified", type=float, default=0.5,
                    help="share of queries folded to 简体 (default 0.5)")
    ap.add_argument("--lua", action="store_true", help="write a wrk script")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    t2s = t2s_table()
    runs = [run for title in titles(args.corpus) for run in HAN_RUN.findall(title)]
    if not runs:
        sys.exit(f"{args.corpus}: no titles with two or more Han characters")
    queries = []
    while len(queries) < args.count:
        run = rng.choice(runs)
        length = rng.randint(2, min(6, len(run)))
        start = rng.randint(0, len(run) - length)
        fragment = run[start:start + length]
        if rng.random() < args.simplified:
            fragment = "".join(t2s.get(c, c) for c in fragment)
        queries.append(fragment)

    if not args.lua:
        sys.stdout.write("".join(q + "\n" for q in queries))
        return
    print("local paths = {")
    for q in queries:
        print(f'  "/api/search?q={urllib.parse.quote(q)}",')
    print("}")
    print('local extra = os.getenv("EXTRA") or ""')
    print("local i = 0")
    print("request = function()")
    print("  i = i + 1")
    print("  return wrk.format(\"GET\", paths[(i % #paths) + 1] .. extra)")
    print("end")


if __name__ == "__main__":
    main()
