"""Run a tocsin pipeline on Apache Spark.

Reads the pipeline's JSON lines and Parquet sources with Spark, analyses each
partition with the tocsin library (``mapInArrow``: a partition's records in,
its exact partial aggregate out), merges the partials per day, region,
language and source with a Spark group-by (each group merged by the library:
repost de-duplication and distinct counts need the exact merge, not sums),
and writes the store on the driver exactly as ``tocsin run`` does:
``timeseries/``, ``evidence/``, ``rejects/``, the manifest, the indicators and
the report.

Spark only moves and groups rows; every count is the Rust library's.

Usage::

    spark-submit --py-files tocsin_spark.zip -m tocsin_spark.spark_job pipelines/nightly.toml --out /data/store
    python -m tocsin_spark.spark_job pipelines/demo.toml --master 'local[2]'
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable, Iterator, Optional, Sequence

import pyarrow as pa

# The pipeline each Python worker loaded, by config path: lexicons load once per worker, not per partition.
_PIPELINES: dict = {}

#: Source formats the Spark job reads; the others are read by ``tocsin run`` only.
SPARK_FORMATS = ("jsonl", "parquet")


def _pipeline(config_path: str):
    import tocsin

    p = _PIPELINES.get(config_path)
    if p is None:
        p = _PIPELINES[config_path] = tocsin.Pipeline(config_path)
    return p


def _partials(config_path: str, source: str):
    """The ``mapInArrow`` function of one source: a partition's batches in, one partial out."""

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        pid = ctx.partitionId() if ctx else 0
        part = f"{source}/{ctx.stageId() if ctx else 0}/{pid}/{ctx.attemptNumber() if ctx else 0}"
        acc = _pipeline(config_path).accumulator()
        for b in batches:
            acc.add(b, source, file=f"{source}/partition-{pid}")
        yield acc.to_batch(part)

    return fn


def _merge_group(table: pa.Table) -> pa.Table:
    """The ``applyInArrow`` function: the state rows of one day, region, lang and source in, its time series rows out."""
    import tocsin

    return pa.Table.from_batches([tocsin.merge_to_series(table)])


def _spark_schema(schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def read_source(spark, source: dict):
    """A source's records as a DataFrame the library reads: raw JSON lines as binary ``value``
    (so the JSON lines reader of ``tocsin run`` parses them, invalid UTF-8 and all), Parquet columns as they are."""
    from pyspark.sql import functions as F

    files = source["files"]
    if source["format"] == "jsonl":
        return spark.read.text(files).select(F.col("value").cast("binary").alias("value"))
    if source["format"] == "parquet":
        return spark.read.parquet(*files)
    raise ValueError(f"source `{source['name']}`: format `{source['format']}` is not read by the Spark job")


def run(
    spark,
    config_path: str,
    out_dir: Optional[str] = None,
    sources: Optional[Sequence[str]] = None,
    partitions: Optional[int] = None,
    inputs: Optional[dict] = None,
) -> dict:
    """Runs the pipeline at ``config_path`` on ``spark`` and writes its store.

    ``sources``: names of the sources to read (default: every JSON lines and Parquet source; a
    source of another format is skipped with a warning). ``partitions``: repartition each source's
    records to this many partitions (default: as Spark reads them; a gzip file is one partition).
    ``inputs``: source name → list of paths or URIs (``s3a://…``, ``hdfs://…``) to read instead of the
    config's paths. Returns the store summary (``run_id``, ``out_dir``, ``docs_flagged``, ``dates``,
    ``skipped``).
    """
    import tocsin
    from pyspark.sql import functions as F

    config_path = os.path.abspath(config_path)
    pipeline = _pipeline(config_path)
    out_dir = out_dir or pipeline.output_dir()
    partial_schema = _spark_schema(tocsin.partial_schema())
    series_schema = _spark_schema(tocsin.series_schema())
    frames, skipped = [], []
    for s in pipeline.sources():
        if sources is not None and s["name"] not in sources:
            continue
        if s["format"] not in SPARK_FORMATS:
            skipped.append(s["name"])
            print(f"tocsin-spark: source `{s['name']}` ({s['format']}) skipped: the Spark job reads jsonl and parquet", file=sys.stderr)
            continue
        if inputs and s["name"] in inputs:
            s = dict(s, files=list(inputs[s["name"]]))
        if not s["files"]:
            raise ValueError(f"source `{s['name']}`: no input files")
        df = read_source(spark, s)
        if partitions:
            df = df.repartition(partitions)
        frames.append(df.mapInArrow(_partials(config_path, s["name"]), partial_schema))
    if not frames:
        raise ValueError("no source the Spark job can read (jsonl or parquet)")
    partials = frames[0]
    for f in frames[1:]:
        partials = partials.unionByName(f)
    # Computed once, read twice: the state rows are grouped, the payload rows (counts, rejects, evidence) collected.
    partials = partials.persist()
    try:
        is_state = F.col("kind").isin(list(tocsin.STATE_KINDS))
        series = partials.filter(is_state).groupBy("date", "region", "lang", "source").applyInArrow(_merge_group, series_schema)
        series_table = series.toArrow()
        payloads = partials.filter(~is_state).toArrow()
    finally:
        partials.unpersist()
    summary = pipeline.write_store(out_dir, series=series_table, payloads=payloads)
    summary["skipped"] = skipped
    return summary


def session(master: Optional[str] = None, app: str = "tocsin"):
    """A Spark session; with ``master`` (e.g. ``local[2]``) a local one that binds to 127.0.0.1 and runs no UI."""
    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName(app)
    if master:
        b = (
            b.master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
        )
    return b.getOrCreate()


def main(argv: Optional[Iterable[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="tocsin-spark", description="Run a tocsin pipeline's JSON lines and Parquet sources on Apache Spark.")
    ap.add_argument("config", help="pipeline config (TOML); the same file on the driver and every worker")
    ap.add_argument("--out", help="store to write (default: the config's output)")
    ap.add_argument("--source", action="append", help="only this source (repeatable)")
    ap.add_argument("--input", action="append", default=[], metavar="SOURCE=URI", help="read SOURCE from URI instead of the config's paths (repeatable)")
    ap.add_argument("--partitions", type=int, help="repartition each source to this many partitions")
    ap.add_argument("--master", help="Spark master for a local run, e.g. local[2] (spark-submit sets it otherwise)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    inputs: dict = {}
    for item in args.input:
        name, _, uri = item.partition("=")
        if not uri:
            ap.error(f"--input {item}: expected SOURCE=URI")
        inputs.setdefault(name, []).append(uri)
    spark = session(args.master)
    try:
        summary = run(spark, args.config, args.out, args.source, args.partitions, inputs or None)
    finally:
        spark.stop()
    print(f"tocsin-spark: wrote {summary['out_dir']} (run {summary['run_id']}, {len(summary['dates'])} days, {summary['docs_flagged']} documents flagged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
