#!/usr/bin/env python3
"""Reads the demo's time series with DuckDB, Polars and pandas, exactly as
README.md ("Reading the results") shows, and checks that

- each README example is in README.md word for word and runs,
- the three give the same daily dehumanisation rate per 10,000 documents per region,
- every region, day and language of the demo is there (4 x 60 x 3 on `all`
  rows, with `date` read from the Hive partition, plus `unknown` for the
  Telegram messages no place name placed), and the documents per region and
  day are those of datasets/demo/expected.json (`docs` counts an exact repost
  once: `unique_documents_per_region_per_day`).

Usage: python3 scripts/read_demo.py [OUT_DIR]
OUT_DIR defaults to out/demo (what `cargo run --release -- run` writes).
Needs: pip install duckdb polars pandas pyarrow
"""

import json
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The README examples, verbatim. Each leaves its result in `rates`: one row
# per day and region with `documents`, `dehumanising` and `per_10k`.
DUCKDB = '''
import duckdb

rates = duckdb.sql("""
    SELECT date, region,
           sum(docs) FILTER (WHERE category = 'all') AS documents,
           coalesce(sum(docs_flagged) FILTER (WHERE category = 'dehumanisation' AND target = '*'), 0) AS dehumanising,
           round(10000 * dehumanising / documents, 1) AS per_10k
    FROM read_parquet('out/demo/timeseries/*/*.parquet', hive_partitioning = true)
    GROUP BY date, region
    ORDER BY date, region
""").df()
'''

POLARS = '''
import polars as pl

ts = pl.scan_parquet('out/demo/timeseries/**/*.parquet', hive_partitioning=True)
rates = (
    ts.group_by("date", "region")
    .agg(
        documents=pl.col("docs").filter(pl.col("category") == "all").sum(),
        dehumanising=pl.col("docs_flagged").filter((pl.col("category") == "dehumanisation") & (pl.col("target") == "*")).sum(),
    )
    .with_columns(per_10k=(10_000 * pl.col("dehumanising") / pl.col("documents")).round(1))
    .sort("date", "region")
    .collect()
)
'''

PANDAS = '''
import pandas as pd

ts = pd.read_parquet('out/demo/timeseries')
documents = ts[ts.category == "all"].groupby(["date", "region"], observed=True).docs.sum()
dehumanising = (
    ts[(ts.category == "dehumanisation") & (ts.target == "*")]
    .groupby(["date", "region"], observed=True).docs_flagged.sum()
    .reindex(documents.index, fill_value=0)
)
rates = pd.DataFrame({"documents": documents, "dehumanising": dehumanising}).reset_index()
rates["per_10k"] = (10_000 * rates.dehumanising / rates.documents).round(1)
'''


def run_example(name, code, out_dir):
    """Runs one README example against OUT_DIR; returns {(date, region): (documents, dehumanising, per_10k)}."""
    scope = {}
    exec(code.replace("out/demo", out_dir.replace("\\", "/")), scope)
    rates = scope["rates"]
    if name == "polars":
        records = rates.to_dicts()
    else:
        records = rates.to_dict("records")
    table = {}
    for r in records:
        key = (str(r["date"])[:10], str(r["region"]))
        assert key not in table, f"{name}: two rows for {key}"
        table[key] = (int(r["documents"]), int(r["dehumanising"]), float(r["per_10k"]))
    return table


def all_row_keys(out_dir):
    """(date, region, lang) of every `all` row, as each library reads it."""
    import duckdb
    import pandas as pd
    import polars as pl

    ts = os.path.join(out_dir, "timeseries")
    duck = duckdb.sql(
        f"SELECT CAST(date AS VARCHAR) AS date, region, lang FROM read_parquet('{ts}/*/*.parquet', hive_partitioning = true) WHERE category = 'all'"
    ).fetchall()
    pol = (
        pl.scan_parquet(f"{ts}/**/*.parquet", hive_partitioning=True)
        .filter(pl.col("category") == "all")
        .select(pl.col("date").cast(pl.String), "region", "lang")
        .collect()
        .rows()
    )
    df = pd.read_parquet(ts)
    df = df[df.category == "all"]
    pan = list(zip(df.date.astype(str), df.region.astype(str), df.lang.astype(str)))
    return {"duckdb": duck, "polars": pol, "pandas": pan}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "out/demo"
    if not os.path.isdir(os.path.join(out_dir, "timeseries")):
        sys.exit(f"{out_dir}/timeseries not found: run the demo first (cargo run --release -- run)")

    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    for name, code in [("duckdb", DUCKDB), ("polars", POLARS), ("pandas", PANDAS)]:
        assert code.strip() in readme, f"README.md no longer shows the {name} example of scripts/read_demo.py word for word"

    tables = {name: run_example(name, code, out_dir) for name, code in [("duckdb", DUCKDB), ("polars", POLARS), ("pandas", PANDAS)]}
    base = tables["duckdb"]
    for name in ("polars", "pandas"):
        other = tables[name]
        assert set(other) == set(base), f"{name} and duckdb see different days or regions"
        for key, (docs, deh, rate) in base.items():
            o = other[key]
            assert o[:2] == (docs, deh), f"{key}: duckdb {docs, deh}, {name} {o[:2]}"
            assert math.isclose(o[2], rate, abs_tol=0.051), f"{key}: duckdb rate {rate}, {name} {o[2]}"

    expected = json.load(open(os.path.join(REPO, "datasets/demo/expected.json"), encoding="utf-8"))
    dates = expected["documents_per_region_per_day"]["dates"]
    regions = expected["regions"]
    langs = expected["languages"]
    want = {(d, r, l) for d in dates for r in regions for l in langs}
    assert len(want) == 4 * 60 * 3, len(want)
    for name, got in all_row_keys(out_dir).items():
        assert len(got) == len(set(got)), f"{name}: an `all` row appears twice"
        placed = {k for k in got if k[1] != "unknown"}
        assert placed == want, f"{name}: `all` rows differ from 4 regions x 60 days x 3 languages ({len(placed)} keys)"
        assert {k[1] for k in got} - set(regions) <= {"unknown"}, f"{name}: a region that is neither a demo region nor `unknown`"
    unique = expected["unique_documents_per_region_per_day"]
    for region in regions + ["unknown"]:
        for date, n in zip(dates, unique[region]):
            got = base.get((date, region), (0,))[0]
            assert got == n, f"{region} {date}: {got} documents, expected.json says {n}"

    # What an analyst would look at: the rate per region, before and during the escalation.
    start = expected["escalation"]["start"]
    print("dehumanisation, documents flagged per 10,000 documents (mean of daily rates):")
    print(f"{'region':8} {'before ' + start:>20} {'from ' + start:>18}")
    for region in regions:
        before = [v[2] for (d, r), v in base.items() if r == region and d < start]
        after = [v[2] for (d, r), v in base.items() if r == region and d >= start]
        print(f"{region:8} {sum(before) / len(before):20.1f} {sum(after) / len(after):18.1f}")
    print(f"ok: duckdb, polars and pandas agree on {len(base)} region-days; {len(want)} region x day x language `all` rows")


if __name__ == "__main__":
    main()
