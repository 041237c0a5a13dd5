"""The Spark job (issue 10) against `tocsin run`, on Spark in local mode.

The demo's JSON lines source (and the same posts as a Parquet file) is run
once by the `tocsin` binary and once by the Spark job over several
partitions; the time series must be equal row for row (and, being written by
the same writer in the same order, byte for byte), and so must the evidence,
the record counts and the indicators.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import tocsin
from tocsin_spark import spark_job

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TOCSIN_BIN", REPO / "target" / "debug" / "tocsin"))

FIELDS_JSONL = """
[sources.fields]
id = "id"
text = "text"
lang = "lang"
region = "region"
timestamp = "timestamp"
author = "author"
source = "source"
reach = ["metrics.views", "metrics.shares"]
"""

FIELDS_PARQUET = """
[sources.fields]
id = "id"
text = "text"
lang = "lang"
region = "region"
timestamp = "timestamp"
author = "author"
source = "source"
reach = ["views", "shares"]
"""


def config(tmp: Path, name: str, out: Path, paths: list, fmt: str, fields: str) -> Path:
    """The demo pipeline's settings with one source (the Spark job reads JSON lines and Parquet only)."""
    text = f"""name = "demo-{name}"
demo = true
output = {json.dumps(str(out))}
timezone = "Africa/Nairobi"
lexicons = []

[aggregate]
keys = ["region", "lang", "target"]

[[sources]]
name = "social"
paths = {json.dumps([str(p) for p in paths])}
format = "{fmt}"
{fields}
[regions]
order = ["field", "source_table", "location", "text"]
source_table = {json.dumps(str(REPO / "datasets/demo/channels.csv"))}
gazetteers = [{json.dumps(str(REPO / "gazetteers/xa.csv"))}]
"""
    path = tmp / f"{name}.toml"
    path.write_text(text)
    return path


def tocsin_run(cfg: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TOCSIN_LEXICONS", "TOCSIN_LOG")}
    r = subprocess.run([str(BIN), "run", str(cfg)], cwd=REPO, env=env, capture_output=True, text=True)
    assert r.returncode == 0, f"tocsin run failed:\n{r.stderr}"


def partitions(store: Path, dataset: str) -> dict:
    """Partition folder → (rows sorted, file bytes)."""
    out = {}
    for f in sorted((store / dataset).glob("date=*/part-0.parquet")):
        t = pq.read_table(f)
        rows = sorted(t.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True, default=str))
        out[f.parent.name] = (rows, f.read_bytes())
    return out


def assert_same_store(single: Path, cluster: Path) -> None:
    a, b = partitions(single, "timeseries"), partitions(cluster, "timeseries")
    assert len(a) > 30, f"only {len(a)} days"
    assert sorted(a) == sorted(b), "different days"
    for day in a:
        assert a[day][0] == b[day][0], f"time series of {day} differ"
        assert a[day][1] == b[day][1], f"time series file of {day} differs in bytes"
    ea, eb = partitions(single, "evidence"), partitions(cluster, "evidence")
    assert sum(len(r) for r, _ in ea.values()) > 50
    assert {d: r for d, (r, _) in ea.items()} == {d: r for d, (r, _) in eb.items()}, "evidence differs"
    ma, mb = (json.loads((s / "manifest.json").read_text()) for s in (single, cluster))
    assert ma["totals"] == mb["totals"] and ma["totals"]["accepted"] > 1000
    assert ma["regions"]["placed_by"] == mb["regions"]["placed_by"]
    ia, ib = partitions(single, "indicators"), partitions(cluster, "indicators")
    assert ia and {d: r for d, (r, _) in ia.items()} == {d: r for d, (r, _) in ib.items()}, "indicators differ"
    assert (cluster / "report.html").is_file()


@pytest.fixture(scope="module")
def spark():
    s = spark_job.session("local[2]", app="tocsin-test")
    yield s
    s.stop()


def test_jsonl_on_spark_equals_tocsin_run(spark, tmp_path):
    single, cluster = tmp_path / "single", tmp_path / "cluster"
    cfg = config(tmp_path, "social", single, [REPO / "datasets/demo/social/posts.jsonl.gz"], "jsonl", FIELDS_JSONL)
    tocsin_run(cfg)
    # Four partitions: reposts and authors of one day land in different partials, and must still count once.
    summary = spark_job.run(spark, str(cfg), out_dir=str(cluster), partitions=4)
    assert summary["docs_flagged"] > 0 and summary["skipped"] == []
    assert_same_store(single, cluster)
    # The rejects (the demo holds broken lines on purpose) are kept, as many as the single run's.
    rejects = lambda s: sum(1 for f in (s / "rejects").glob("*.jsonl") for _ in f.open())  # noqa: E731
    assert rejects(single) == rejects(cluster) > 0
    # `tocsin indicators` reads the Spark store unchanged.
    r = subprocess.run([str(BIN), "indicators", str(cluster)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_parquet_on_spark_equals_tocsin_run(spark, tmp_path):
    # The demo's posts as a Parquet file, as a data team would hand them over.
    rows = []
    with gzip.open(REPO / "datasets/demo/social/posts.jsonl.gz", "rb") as f:
        for line in f:
            try:
                v = json.loads(line)
            except ValueError:
                continue
            if not isinstance(v, dict) or not all(isinstance(v.get(k), (str, type(None))) for k in ("id", "text", "lang", "region", "timestamp", "author", "source")):
                continue
            m = v.get("metrics") if isinstance(v.get("metrics"), dict) else {}
            num = lambda x: x if isinstance(x, int) and not isinstance(x, bool) else None  # noqa: E731
            rows.append({k: v.get(k) for k in ("id", "text", "lang", "region", "timestamp", "author", "source")} | {"views": num(m.get("views")), "shares": num(m.get("shares"))})
    assert len(rows) > 4000
    data = tmp_path / "posts"
    data.mkdir()
    table = pa.Table.from_pylist(rows)
    half = len(rows) // 2
    pq.write_table(table.slice(0, half), data / "a.parquet")
    pq.write_table(table.slice(half), data / "b.parquet")
    single, cluster = tmp_path / "single", tmp_path / "cluster"
    cfg = config(tmp_path, "parquet", single, [data / "*.parquet"], "parquet", FIELDS_PARQUET)
    tocsin_run(cfg)
    spark_job.run(spark, str(cfg), out_dir=str(cluster), partitions=3)
    assert_same_store(single, cluster)


def test_bindings_merge_partials_exactly(tmp_path):
    cfg = config(tmp_path, "social", tmp_path / "out", [REPO / "datasets/demo/social/posts.jsonl.gz"], "jsonl", FIELDS_JSONL)
    p = tocsin.Pipeline(str(cfg))
    with gzip.open(REPO / "datasets/demo/social/posts.jsonl.gz", "rb") as f:
        lines = f.read().split(b"\n")
    batch = pa.record_batch([pa.array(lines, pa.binary())], names=["value"])
    whole = tocsin.merge(p.partial(batch, "social", "whole"))
    parts = [p.partial(batch.slice(i, 1000), "social", f"p{i}") for i in range(0, batch.num_rows, 1000)]
    # Reject line numbers depend on the split; every other row must not.
    no_rejects = lambda b: b.filter(pc.not_equal(b.column("kind"), "reject"))  # noqa: E731
    assert no_rejects(tocsin.merge(parts[::-1])).equals(no_rejects(whole))
    assert whole.num_rows > 1000
    assert whole.schema == tocsin.partial_schema()
    signals = p.analyse(batch, "social")
    assert signals.schema == tocsin.signals_schema()
    assert 4000 < signals.num_rows < len(lines)
    assert signals.column("flagged").to_pylist().count(True) > 50
    with pytest.raises(ValueError, match="social"):
        p.partial(batch, "nope", "x")
