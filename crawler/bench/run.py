#!/usr/bin/env python3
"""Crawler benchmark: gongkai-crawler (the release example `bench`), Scrapy and
`wget --mirror` against the same fixture portal on loopback, unthrottled, in
the same run, alternating tools each round.

Each measurement gets a fresh server with a request log: pages/s = requests
the server answered / wall seconds; CPU = the tool's user+sys seconds
(children included) / requests.

  crawler/bench/run.py [--style classic] [--reps 3] [--scrapy scrapy]
(build first: cargo build --release -p gongkai-crawler --example bench; cargo build --release)
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.path.abspath(os.path.join(root, "..", "shared"))


def serve(site, log):
    p = subprocess.Popen([sys.executable, os.path.join(shared, "portal", "serve_portal.py"), site, "--log"],
                         stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    line = p.stdout.readline()
    return p, line.strip().replace("listening on ", "") + "/"


def measure(site, tmp, cmd_for):
    log = os.path.join(tmp, "server.log")
    srv, url = serve(site, log)
    work = tempfile.mkdtemp(dir=tmp)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd_for(url, work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    srv.terminate()
    srv.wait()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # The server is a child too: subtract nothing (it was not waited yet when
    # `after` was read), so cpu is the tool's alone.
    reqs = sum(1 for l in open(log, encoding="utf-8", errors="replace") if '"GET ' in l)
    shutil.rmtree(work, ignore_errors=True)
    return reqs, wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--style", default="classic")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scrapy", default="scrapy")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    site = os.path.join(tmp, "site")
    subprocess.run([sys.executable, os.path.join(shared, "portal", "make_portal.py"), "site", "--docs",
                    os.path.join(shared, "portal", "docs.jsonl.gz"), "--style", a.style, "--out", site], check=True)
    bench = os.path.join(root, "target", "release", "examples", "bench")
    cli = os.path.join(root, "target", "release", "gongkai")
    tools = {
        "gongkai-crawler (64 conns, with attachments)": lambda url, work: [bench, url, "64"],
        "gongkai-crawler (8 conns)": lambda url, work: [bench, url, "8"],
        "gongkai crawl --no-index (CLI, 64 conns)": lambda url, work: [cli, "crawl", url, "--data", os.path.join(work, "d"),
                                                            "--delay-ms", "0", "--concurrency", "64", "--no-index"],
        "gongkai crawl (CLI, crawl + index, 64 conns)": lambda url, work: [cli, "crawl", url, "--data", os.path.join(work, "d"),
                                                               "--delay-ms", "0", "--concurrency", "64"],
        "scrapy 64 conns": lambda url, work: [a.scrapy, "runspider", os.path.join(here, "spider.py"),
                                             "-a", f"url={url}", "-o", os.path.join(work, "items.jsonl")],
        "wget --mirror -l 12": lambda url, work: ["wget", "--mirror", "-l", "12", "-q", "-e", "robots=on", "-P", work, url],
    }
    results = {k: [] for k in tools}
    for _ in range(a.reps):
        for name, cmd in tools.items():
            results[name].append(measure(site, tmp, cmd))
    print(f"| tool ({a.style}, {a.reps} runs, medians) | requests | wall s | pages/s | CPU ms/page |")
    print("| --- | --- | --- | --- | --- |")
    for name, rs in results.items():
        reqs = statistics.median(r[0] for r in rs)
        wall = statistics.median(r[1] for r in rs)
        pps = statistics.median(r[0] / r[1] for r in rs)
        cpu = statistics.median(1000 * r[2] / max(r[0], 1) for r in rs)
        print(f"| {name} | {reqs:.0f} | {wall:.2f} | {pps:.0f} | {cpu:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
