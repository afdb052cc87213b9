#!/usr/bin/env python3
"""Crawl speed of two (or more) `gongkai` release binaries, side by side, in
the same run: `gongkai crawl --no-index` (fetch + decode + extract + crawl
state) of each fixture portal style, unthrottled, each run against a fresh
`serve_portal.py` on loopback and a fresh data folder, binaries alternating
(and their order swapped every round) so that both see the same machine.

  crawler/bench/before_after.py --bin base=/path/to/old/gongkai --bin head=target/release/gongkai \
      [--style classic --style jiyue --style style3] [--reps 5] [--concurrency 16] [--attachments]

Per run: requests the server answered (its log), the crawl's own summary
(pages fetched, documents, lists, other pages, seconds), and /usr/bin/time
-v's wall, user, system seconds and peak RSS of the crawler process.
pages/s = pages fetched / wall seconds; CPU ms/page = (user + system) / pages.
Prints a Markdown table per style: medians, and the pages/s range.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.path.abspath(os.path.join(root, "..", "shared"))


def generate(style, out):
    docs = os.path.join(shared, "portal", "docs.jsonl.gz")
    if style == "style3":
        cmd = [sys.executable, os.path.join(root, "tests", "fixtures", "portal", "make_style3.py")]
    else:
        cmd = [sys.executable, os.path.join(shared, "portal", "make_portal.py"), "site", "--style", style]
    subprocess.run(cmd + ["--docs", docs, "--out", out], check=True)


def serve(site, log):
    p = subprocess.Popen([sys.executable, os.path.join(shared, "portal", "serve_portal.py"), site, "--log"],
                         stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    line = p.stdout.readline()
    return p, line.strip().replace("listening on ", "") + "/"


def time_v(text):
    """wall, user, sys seconds and max RSS (KB) from /usr/bin/time -v output."""
    def field(name):
        m = re.search(r"^\s*" + re.escape(name) + r": (.+)$", text, re.M)
        return m.group(1).strip() if m else "0"
    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    return wall, float(field("User time (seconds)")), float(field("System time (seconds)")), int(field("Maximum resident set size (kbytes)"))


def measure(binary, site, tmp, a):
    log = os.path.join(tmp, "server.log")
    srv, url = serve(site, log)
    work = tempfile.mkdtemp(dir=tmp)
    tv = os.path.join(work, "time.txt")
    cmd = ["/usr/bin/time", "-v", "-o", tv, binary, "crawl", url, "--data", os.path.join(work, "d"),
           "--delay-ms", "0", "--concurrency", str(a.concurrency), "--no-index", "--json"]
    if not a.attachments:
        cmd.append("--no-attachments")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    srv.terminate()
    srv.wait()
    if r.returncode != 0:
        sys.exit(f"{binary} crawl exited {r.returncode}")
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    wall, user, sys_, rss = time_v(open(tv).read())
    reqs = sum(1 for l in open(log, encoding="utf-8", errors="replace") if '"GET ' in l)
    shutil.rmtree(work, ignore_errors=True)
    docs = summary.get("new", 0) + summary.get("changed", 0) + summary.get("unchanged", 0) + summary.get("aliases", 0)
    return dict(reqs=reqs, pages=summary["fetched"], docs=docs, lists=summary.get("lists", 0),
                other=summary.get("other_pages", 0), wall=wall, cpu=user + sys_, rss=rss)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", required=True, help="NAME=PATH of a gongkai binary")
    ap.add_argument("--style", action="append", help="classic, jiyue, style3 (default: all three)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--attachments", action="store_true", help="fetch attachments too (default: --no-attachments)")
    a = ap.parse_args()
    bins = [b.split("=", 1) for b in a.bin]
    tmp = tempfile.mkdtemp()
    try:
        for style in a.style or ["classic", "jiyue", "style3"]:
            site = os.path.join(tmp, style)
            generate(style, site)
            runs = {name: [] for name, _ in bins}
            for rep in range(a.reps):
                order = bins if rep % 2 == 0 else bins[::-1]
                for name, path in order:
                    m = measure(path, site, tmp, a)
                    runs[name].append(m)
                    print(f"# {style} round {rep + 1} {name}: {m}", file=sys.stderr)
            print(f"\n{style} ({a.reps} runs each, medians; --concurrency {a.concurrency}, "
                  f"{'with' if a.attachments else 'no'} attachments, --no-index)\n")
            print("| binary | requests | pages fetched | documents | lists / other | wall s | pages/s (range) "
                  "| CPU s | CPU ms/page | peak RSS MB |")
            print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for name, _ in bins:
                rs = runs[name]
                med = lambda k: statistics.median(r[k] for r in rs)
                pps = [r["pages"] / r["wall"] for r in rs]
                cpu_pp = statistics.median(1000 * r["cpu"] / max(r["pages"], 1) for r in rs)
                print(f"| {name} | {med('reqs'):.0f} | {med('pages'):.0f} | {med('docs'):.0f} | "
                      f"{med('lists'):.0f} / {med('other'):.0f} | {med('wall'):.2f} | "
                      f"{statistics.median(pps):.0f} ({min(pps):.0f}–{max(pps):.0f}) | {med('cpu'):.2f} | "
                      f"{cpu_pp:.2f} | {med('rss') / 1024:.0f} |")
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
