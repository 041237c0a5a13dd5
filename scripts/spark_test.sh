#!/usr/bin/env bash
# The Spark test (issue 10): builds the Python wheel of tocsin (python/, pyo3 +
# maturin) into a virtualenv under target/, installs PySpark, and runs
# python/tests/ on Spark in local mode: the Spark job over the demo's JSON
# lines (and Parquet) sources must write the same time series, evidence and
# indicators as `tocsin run`. Shares target/ with `cargo test`, so the
# dependencies built there are reused. Needs Java 17+ (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$CARGO_TARGET_DIR/pyenv"

if ! command -v java >/dev/null 2>&1; then
    echo "spark_test: installing Java 17 (Spark needs a JVM)" >&2
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pyspark[sql]>=4.0" "pandas<3" "pyarrow>=15" "maturin>=1.5,<2" pytest

# The single-machine run the test compares against (after `cargo test`, as in CI, nothing to build).
cargo test --quiet --no-run
# A dev-profile wheel (dependencies at opt-level 2, as for `cargo test`): the demo needs no more.
rm -f "$CARGO_TARGET_DIR"/wheels/tocsin-*.whl
"$VENV/bin/maturin" build --quiet -m python/Cargo.toml -o "$CARGO_TARGET_DIR/wheels"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$CARGO_TARGET_DIR"/wheels/tocsin-*.whl

export PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python"
export TOCSIN_BIN="$CARGO_TARGET_DIR/debug/tocsin"
# Run from outside python/ so the installed wheel (not the source folder) is what gets imported.
cd "$CARGO_TARGET_DIR"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/python/tests"
