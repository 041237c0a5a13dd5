#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for a bounded time;
# reports executions, coverage and crashes per target; exits 1 if any crashed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 180 s, all targets)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Only a stable toolchain is
# assumed: RUSTC_BOOTSTRAP=1 lets it accept the -Z flags cargo-fuzz passes.
# Sanitizer: none by default (the crate is safe Rust; ASan builds of arrow and
# parquet are slow on two cores); FUZZ_SANITIZER=address to use ASan.
# Seeds come from fuzz/seeds/<target>/ (committed); the growing corpus is
# fuzz/corpus/<target>/ and crashes land in fuzz/artifacts/<target>/ (both
# ignored by git). Reproduce a crash: cargo fuzz run -s none TARGET FILE.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-180}"
shift || true
sanitizer="${FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1
all=(jsonl csv telegram twitter feed parquet_in textdir matching_view lexicon_load rules_load config_load)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")


cargo fuzz build -s "$sanitizer" > build.log 2>&1 || { tail -20 build.log; echo "build failed"; exit 2; }

mkdir -p logs
failed=0
printf '%-14s %8s %10s %8s %6s %s\n' target seconds execs cov corpus crashes
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(ls "artifacts/$t" | wc -l)
  cargo fuzz run -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1 \
    > "logs/$t.log" 2>&1
  after=$(ls "artifacts/$t" | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*')
  corpus=$(ls "corpus/$t" | wc -l)
  crashes=$((after - before))
  printf '%-14s %8s %10s %8s %6s %s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" "$corpus" "$crashes"
  if [ "$crashes" -gt 0 ]; then
    failed=1
    ls "artifacts/$t" | tail -n "$crashes" | sed "s|^|    crash: fuzz/artifacts/$t/|"
    grep -m3 -E "panicked at|ERROR: libFuzzer|SUMMARY" "logs/$t.log" | sed 's/^/    /'
  fi
done
exit $failed
