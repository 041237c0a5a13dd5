#!/usr/bin/env python3
"""End-to-end benchmark: tocsin against the Python peers, on the same files, in one run.

Generates the shared corpus (../shared/bench/gen_corpus.py: 200 MiB, 5,000-term
lexicon, and a 100,000-term variant) unless it exists, runs
`tocsin run --input corpus.jsonl --lexicon lexicon.csv --out DIR --threads N`
with 1 and 2 threads, runs the peers of ../shared/bench/peers.py on the same
files, runs the Rust floors of examples/plain_loop.rs (the README's "plain Rust loop":
serde_json + lowercase + aho-corasick + word-boundary check, one thread; and serde_json
alone), checks tocsin's `matches` total against truth.csv, and prints MiB/s,
docs/s, peak memory and the ratios. With --record it appends the figures,
the date and the machine to bench/RESULTS.md.

    python3 bench/run_bench.py [--mb 200] [--peers pyahocorasick,ahocorasick_rs] [--repeat 3] [--soak-gb 10] [--record]

--repeat runs tocsin's timed runs that many times, interleaved (1 thread, 2 threads, 100k terms,
the peers and the Rust floors, then again), and reports the medians (tocsin's with the range):
on a shared machine one run can be 30 % off.

--soak-gb streams that many GiB (the corpus repeated with distinct texts) through a
named pipe into `tocsin run` and prints its time and peak memory (the flat-memory check).

Peers need: python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install pyahocorasick flashtext ahocorasick-rs
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def corpus(dir_, mb, terms):
    if not os.path.exists(os.path.join(dir_, "truth.csv")):
        print(f"generating {dir_} ({mb} MiB, {terms} terms)…", file=sys.stderr)
        sh([sys.executable, os.path.join(SHARED, "gen_corpus.py"), "--out-dir", dir_, "--target-mb", str(mb), "--lexicon-size", str(terms)])
    return os.path.join(dir_, "corpus.jsonl"), os.path.join(dir_, "lexicon.csv"), os.path.join(dir_, "truth.csv")


def truth_total(path):
    with open(path, newline="") as f:
        return sum(int(r["count"]) for r in csv.DictReader(f))


def matches_total(out):
    """Sum of `matches` over category totals (target '*', category not 'all'), read with DuckDB."""
    import duckdb  # installed by .ci/run; only needed here

    q = f"SELECT sum(matches) FROM read_parquet('{out}/timeseries/*/*.parquet', hive_partitioning=true) WHERE category <> 'all' AND target = '*'"
    return int(duckdb.sql(q).fetchall()[0][0] or 0)


def run_tocsin(binary, corpus_path, lexicon, out, threads):
    env = dict(os.environ, TOCSIN_PSEUDONYM_KEY=os.environ.get("TOCSIN_PSEUDONYM_KEY", "benchmark-key-not-secret-0123"))
    cmd = ["/usr/bin/time", "-f", "%e %M", binary, "--quiet", "run", "--input", corpus_path, "--lexicon", lexicon, "--out", out, "--threads", str(threads)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, text=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"tocsin failed: {p.stderr}")
    elapsed, rss_kb = p.stderr.strip().splitlines()[-1].split()
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    return {"threads": threads, "seconds": float(elapsed) or wall, "peak_mib": int(rss_kb) / 1024, "docs": manifest["totals"]["accepted"]}


def soak(binary, corpus_path, lexicon, out, gb, threads=2):
    """Streams `gb` GiB through a named pipe: the corpus repeated, each copy's texts and ids made distinct
    (so reposts do not shrink the night), without a copy on disk. Returns the run's figures."""
    import threading

    pipe = os.path.join(os.path.dirname(out), "soak.fifo")
    if os.path.exists(pipe):
        os.remove(pipe)
    os.mkfifo(pipe)
    lines = open(corpus_path, "rb").read().splitlines(keepends=True)
    copies = max(1, round(gb * 1073741824 / os.path.getsize(corpus_path)))

    def feed():
        with open(pipe, "wb") as w:
            for k in range(copies):
                text, ident = b'"text": "v%d ' % k, b'"id": "c%d-' % k
                w.writelines(l.replace(b'"text": "', text, 1).replace(b'"id": "', ident, 1) for l in lines)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        r = run_tocsin(binary, pipe, lexicon, out, threads)
    finally:
        t.join(timeout=5)
        os.remove(pipe)
    r.update(copies=copies, gib=copies * os.path.getsize(corpus_path) / 1073741824)
    return r


def run_peers(a, corpus_path, lexicon, plain_loop):
    """One round of the Python peers (when their venv exists) and of the Rust floors of examples/plain_loop.rs."""
    peers = []
    if a.peers and os.path.exists(a.python):
        p = subprocess.run([a.python, os.path.join(SHARED, "peers.py"), "--corpus", corpus_path, "--lexicon", lexicon, "--peers", a.peers], text=True, capture_output=True)
        for line in p.stdout.splitlines():
            if line.startswith("{") and '"peer"' in line:
                peers.append(json.loads(line))
    for flags in ([], ["--parse-only"]):
        p = subprocess.run([plain_loop, corpus_path, lexicon, *flags], text=True, capture_output=True, check=True)
        peers.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return peers


def median(runs, key):
    """The median run by `key`, with the lowest and highest value of `key` (`low`, `high`) and the count `n`."""
    rs = sorted(runs, key=lambda r: r[key])
    return dict(rs[len(rs) // 2], low=rs[0][key], high=rs[-1][key], n=len(rs))


def compile_seconds(binary, lexicon):
    t0 = time.perf_counter()
    subprocess.run([binary, "--quiet", "scan", "--lexicon", lexicon], input='{"text":"x"}\n', text=True, capture_output=True, check=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--dir", default="/tmp/tocsin-bench")
    ap.add_argument("--peers", default="pyahocorasick,ahocorasick_rs")
    ap.add_argument("--python", default="/tmp/benchvenv/bin/python")
    ap.add_argument("--skip-100k", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of timed runs (tocsin per configuration, peers, floors), interleaved; medians are reported")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--soak-gb", type=float, default=0, help="also stream this many GiB (distinct texts) through a named pipe, 2 threads: time and peak memory")
    a = ap.parse_args()

    sh(["cargo", "build", "--release", "--quiet", "--bin", "tocsin", "--example", "plain_loop"], cwd=ROOT)
    binary = os.path.join(ROOT, "target", "release", "tocsin")
    plain_loop = os.path.join(ROOT, "target", "release", "examples", "plain_loop")
    c5, l5, t5 = corpus(os.path.join(a.dir, "5k"), a.mb, 5000)
    size_mib = os.path.getsize(c5) / 1048576
    runs = [("tocsin 5k terms, 1 thread(s)", c5, l5, "out-5k-1", 1), ("tocsin 5k terms, 2 thread(s)", c5, l5, "out-5k-2", 2)]
    if not a.skip_100k:
        c100, l100, _ = corpus(os.path.join(a.dir, "100k"), a.mb, 100000)
        runs.append(("tocsin 100k terms, 1 thread", c100, l100, "out-100k-1", 1))
    timed = {name: [] for name, *_ in runs}
    peer_runs = {}
    for _ in range(max(1, a.repeat)):
        for name, c, l, out, threads in runs:
            r = run_tocsin(binary, c, l, os.path.join(a.dir, out), threads)
            r.update(name=name, mib=os.path.getsize(c) / 1048576)
            timed[name].append(r)
        # Peers and floors in the same round as tocsin's runs, so that a slow spell of the machine hits both.
        for p in run_peers(a, c5, l5, plain_loop):
            peer_runs.setdefault(p["peer"], []).append(p)
    rows = []
    for name, *_ in runs:
        r = dict(median(timed[name], "seconds"), peak_mib=max(x["peak_mib"] for x in timed[name]))
        r.update(mib_s=r["mib"] / r["seconds"], docs_s=r["docs"] / r["seconds"])
        rows.append(r)
    truth = truth_total(t5)
    got = matches_total(os.path.join(a.dir, "out-5k-1"))
    if not a.skip_100k:
        compile_100k = compile_seconds(binary, l100)
    peers = [median(rs, "mb_per_s") for rs in peer_runs.values()]
    one = rows[0]
    lines = [f"corpus {size_mib:.0f} MiB, {one['docs']} docs; matches {got} vs truth {truth}: {'OK' if got == truth else 'MISMATCH'}"]
    for r in rows:
        spread = f"; median of {r['n']}, {r['low']:.1f}-{r['high']:.1f} s" if r["n"] > 1 else ""
        lines.append(f"{r['name']:<36} {r['mib_s']:8.1f} MiB/s {r['docs_s']:10.0f} docs/s  peak {r['peak_mib']:.0f} MiB  ({r['seconds']:.1f} s{spread})")
    for p in peers:
        spread = f"  (median of {p['n']}, {p['low']:.1f}-{p['high']:.1f} MiB/s)" if p["n"] > 1 else ""
        lines.append(f"{'peer ' + p['peer']:<36} {p['mb_per_s']:8.1f} MiB/s {p['docs_per_s']:10.0f} docs/s{spread}")
    lines.append(f"ratio 2 threads / 1 thread: {rows[1]['mib_s'] / one['mib_s']:.2f}")
    for p in peers:
        lines.append(f"ratio tocsin 1 thread / {p['peer']}: {one['mib_s'] / p['mb_per_s']:.2f}")
    floor = next((p for p in peers if p["peer"] == "rust_plain_loop"), None)
    pyac = next((p for p in peers if p["peer"] == "pyahocorasick"), None)
    if floor and pyac:
        target = 10 * pyac["mb_per_s"]
        lines.append(f"10x pyahocorasick = {target:.0f} MiB/s per thread = {target / floor['mb_per_s']:.2f}x the plain Rust loop (matches {floor['matches']})")
    if not a.skip_100k:
        lines.append(f"ratio 100k-term time / 5k-term time (1 thread): {rows[2]['seconds'] / one['seconds']:.2f}; 100k lexicon load+compile+scan of one doc: {compile_100k:.2f} s")
    if a.soak_gb > 0:
        r = soak(binary, c5, l5, os.path.join(a.dir, "out-soak"), a.soak_gb)
        lines.append(f"soak {r['gib']:.1f} GiB ({r['copies']} distinct copies, {r['docs']} docs), 2 threads: {r['seconds']:.0f} s, {r['gib'] * 1024 / r['seconds']:.1f} MiB/s, peak {r['peak_mib']:.0f} MiB")
    print("\n".join(lines))
    if a.record:
        cpu = re.sub(r"\s+", " ", next((l.split(":", 1)[1] for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())).strip()
        with open(os.path.join(ROOT, "bench", "RESULTS.md"), "a") as f:
            f.write(f"\n## {datetime.date.today()} — {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n\n```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
