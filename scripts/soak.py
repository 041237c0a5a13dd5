#!/usr/bin/env python3
"""Soak test (issue 9): a multi-GB JSON lines corpus (gzip) with 1 % garbage
records of several kinds, run through the release binary; checks that
read = accepted + rejected, that the rejects are exactly the garbage injected
(per kind, by reason), and prints wall time, throughput and peak RSS.

Not part of `cargo test` (it takes minutes and gigabytes):

    cargo build --release
    python3 scripts/soak.py --gb 1            # ~1 GB of JSON before compression
    python3 scripts/soak.py --gb 4 --keep     # keep the corpus and store in --dir

Garbage kinds: truncated JSON, invalid UTF-8, a line over limits.max_record_bytes
(256 KiB here, so huge lines stay cheap to write), wrong types in mapped
fields, timestamps far in the future or past, NUL characters, deep nesting.
"""
import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_RECORD = 256 * 1024

TEXTS = [
    "The council met again this morning and the people of the north were told to stay calm.",
    "They are vermin and must be driven out of our land.",
    "Rain is expected in the south for the rest of the week.",
    "Les traîtres ont encore parlé à la radio ce soir.",
    "We must mobilise now, every man to the square.",
    "Market prices for maize rose again after the harvest.",
    "Ces cafards ne sont pas des êtres humains.",
    "Football results: the northern team won two to one.",
]
REGIONS = ["XA-NO", "XA-SO", "XA-EA", "XA-WE", "XA-CE"]
LANGS = ["en", "fr", "sw"]

# Each kind: (name, a function giving the line's bytes, words its reject reason must contain)
def truncated(i, rng):
    return json.dumps(good(i, rng))[: rng.randint(5, 60)].encode()

def bad_utf8(i, rng):
    return json.dumps(good(i, rng)).encode().replace(b"the", b"th\xff\xfe", 1).replace(b"The", b"Th\xc3", 1).replace(b'"id"', b'"i\xc0d"', 1)

def huge(i, rng):
    return json.dumps({**good(i, rng), "text": "x" * (MAX_RECORD + rng.randint(1, 4096))}).encode()

def wrong_type(i, rng):
    g = good(i, rng)
    k = rng.choice(["text_num", "text_obj", "ts_list", "region_obj"])
    if k == "text_num":
        g["text"] = 42
    elif k == "text_obj":
        g["text"] = {"body": "x"}
    elif k == "ts_list":
        g["timestamp"] = ["2025-10-01"]
    else:
        g["region"] = {"code": "XA-NO"}
    return json.dumps(g).encode()

def bad_time(i, rng):
    g = good(i, rng)
    g["timestamp"] = rng.choice(["2999-01-01T00:00:00Z", "1850-06-01", "not a date", -5])
    return json.dumps(g).encode()

def nul(i, rng):
    g = good(i, rng)
    g["text"] = g["text"][:10] + "\u0000" + g["text"][10:]
    return json.dumps(g).encode()

def deep(i, rng):
    n = rng.randint(65, 2000)
    return (json.dumps(good(i, rng))[:-1] + ', "junk": ' + "[" * n + "1" + "]" * n + "}").encode()

KINDS = [
    ("truncated", truncated, "malformed JSON"),
    ("invalid_utf8", bad_utf8, "invalid UTF-8"),
    ("huge", huge, "record larger than"),
    ("wrong_type", wrong_type, "expected"),
    ("bad_time", bad_time, "timestamp"),
    ("nul", nul, "NUL"),
    ("deep", deep, "nested too deeply"),
]

BASE = 1_759_276_800  # 2025-10-01T00:00:00Z

def good(i, rng):
    return {
        "id": f"s{i}",
        "text": rng.choice(TEXTS),
        "lang": rng.choice(LANGS),
        "region": rng.choice(REGIONS),
        "author": f"user{rng.randint(1, 50_000)}",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(BASE + rng.randint(0, 30 * 86400))),
        "views": rng.randint(0, 10_000),
    }

def generate(dirpath, gb, garbage, files, seed):
    rng = random.Random(seed)
    target = int(gb * 1e9)
    injected = {k: 0 for k, _, _ in KINDS}
    lines = 0
    written = 0
    paths = []
    per_file = target // files
    for f in range(files):
        p = dirpath / f"part-{f:02d}.jsonl.gz"
        paths.append(p)
        size = 0
        with gzip.open(p, "wb", compresslevel=1) as out:
            buf = []
            while size < per_file:
                i = lines
                lines += 1
                if rng.random() < garbage:
                    name, make, _ = KINDS[rng.randrange(len(KINDS))]
                    injected[name] += 1
                    b = make(i, rng)
                else:
                    b = json.dumps(good(i, rng), ensure_ascii=False).encode()
                size += len(b) + 1
                buf.append(b)
                if len(buf) >= 10_000:
                    out.write(b"\n".join(buf) + b"\n")
                    buf = []
            if buf:
                out.write(b"\n".join(buf) + b"\n")
        written += size
    return lines, injected, written, paths

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=1.0, help="JSON bytes to generate, before compression (default 1)")
    ap.add_argument("--garbage", type=float, default=0.01, help="share of garbage records (default 0.01)")
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/tocsin-soak"))
    ap.add_argument("--binary", type=Path, default=REPO / "target/release/tocsin")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the corpus and the store")
    a = ap.parse_args()
    if not a.binary.exists():
        sys.exit(f"{a.binary} not found: cargo build --release first")
    shutil.rmtree(a.dir, ignore_errors=True)
    corpus = a.dir / "corpus"
    corpus.mkdir(parents=True)
    t0 = time.time()
    lines, injected, written, paths = generate(corpus, a.gb, a.garbage, a.files, a.seed)
    gz = sum(p.stat().st_size for p in paths)
    print(f"generated {lines:,} records, {written / 1e9:.2f} GB of JSON ({gz / 1e9:.2f} GB gzip) in {time.time() - t0:.0f} s; garbage {sum(injected.values()):,}: {injected}")
    out = a.dir / "store"
    cfg = a.dir / "soak.toml"
    cfg.write_text(
        f'name = "soak"\noutput = "{out}"\nlexicons = ["{REPO / "lexicons"}"]\n\n[limits]\nmax_record_bytes = {MAX_RECORD}\n'
        f'min_date = "2000-01-01"\n\n[[sources]]\nname = "soak"\npaths = ["{corpus}/*.jsonl.gz"]\nformat = "jsonl"\nreach = ["views"]\n'.replace('reach = ["views"]\n', '\n[sources.fields]\nreach = ["views"]\n')
    )
    env = dict(os.environ, TOCSIN_PSEUDONYM_KEY="soak-test-key-0123456789")
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    t0 = time.time()
    p = subprocess.run(timer + [str(a.binary), "run", "--quiet", "--threads", str(a.threads), str(cfg)], env=env, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        print(p.stderr[-4000:])
        sys.exit(f"run failed with {p.returncode}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    m = json.loads((out / "manifest.json").read_text())
    t = m["totals"]
    print(f"run: {wall:.1f} s wall, {cpu:.1f} s CPU, {written / 1e6 / wall:.1f} MB/s; peak RSS {int(rss.group(1)) // 1024 if rss else '?'} MiB")
    print(f"manifest: read {t['read']:,} = accepted {t['accepted']:,} + rejected {t['rejected']:,}")
    ok = True
    def check(cond, what):
        nonlocal ok
        print(("ok    " if cond else "FAIL  ") + what)
        ok &= cond
    check(t["read"] == t["accepted"] + t["rejected"], "read = accepted + rejected")
    check(t["read"] == lines, f"read = records written ({lines:,})")
    check(t["rejected"] == sum(injected.values()), f"rejected = garbage injected ({sum(injected.values()):,})")
    rejects = out / "rejects" / f"{m['run_id']}.jsonl"
    by_kind = {k: 0 for k, _, _ in KINDS}
    unmatched = 0
    with open(rejects, encoding="utf-8") as f:
        for line in f:
            reason = json.loads(line)["reason"]
            # The first kind whose words the reason has (order: most specific first).
            for name, _, words in sorted(KINDS, key=lambda k: k[0] != "deep"):
                if words in reason:
                    by_kind[name] += 1
                    break
            else:
                unmatched += 1
    # invalid UTF-8 in a key may be found first as malformed JSON, so kinds are compared where the reason is unambiguous.
    for name, _, _ in KINDS:
        if name in ("truncated", "invalid_utf8"):
            continue
        check(by_kind[name] == injected[name], f"{name}: {by_kind[name]:,} rejects for {injected[name]:,} injected")
    check(by_kind["truncated"] + by_kind["invalid_utf8"] == injected["truncated"] + injected["invalid_utf8"], "truncated + invalid UTF-8 match")
    check(unmatched == 0, f"every reject has a known reason ({unmatched} not)")
    if not a.keep:
        shutil.rmtree(a.dir, ignore_errors=True)
    sys.exit(0 if ok else 1)

if __name__ == "__main__":
    main()
