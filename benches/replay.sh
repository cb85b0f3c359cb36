#!/usr/bin/env bash
# Replay throughput and peak memory of `warroom replay --headless`.
#
# Builds the release binary, simulates a double11 recording of >= 5 million
# campaign records (no baseline), replays it under /usr/bin/time -v and prints
# records/s, MB/s and peak RSS; then does the same at 4x the records, to show
# whether peak RSS follows the record count.
#
# Usage: benches/replay.sh [--quick]
#   --quick        1 million records (and 4 million) instead of 5 (and 20)
# Environment:
#   BENCH_DIR      where the recordings go (default /tmp/warroom-bench)
#   KEEP=1         keep BENCH_DIR at the end (default: deleted)
#   RUNS=N         replays per size (default 3); best and median are reported
#   CARGO_TARGET_DIR  honoured: the binary is $CARGO_TARGET_DIR/release/warroom
#
# Targets (docs/performance.md): >= 2,000,000 records/s parse+aggregate on a
# 2-core machine; peak RSS < 200 MB at any record count.
set -euo pipefail

cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        -h | --help)
            sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

if [ "$quick" = 1 ]; then target=1000000; else target=5000000; fi
bench_dir=${BENCH_DIR:-/tmp/warroom-bench}
runs=${RUNS:-3}
bin="${CARGO_TARGET_DIR:-target}/release/warroom"

cleanup() {
    if [ "${KEEP:-0}" != 1 ]; then
        rm -rf "$bench_dir"
    else
        echo "kept $bench_dir"
    fi
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== building release"
cargo build --release --quiet
mkdir -p "$bench_dir"

# Records the simulator wrote: "wrote N records (...)" on stderr.
simulate() { # out scale
    rm -rf "$1"
    "$bin" simulate --out "$1" --scale "$2" --no-baseline --instant 2>&1 >/dev/null |
        sed -n 's/^wrote \([0-9]*\) records.*/\1/p'
}

# The campaign's record count is affine in the scale (traffic rows are per
# minute and segment, whatever the scale): calibrate on two small runs.
n1=$(simulate "$bench_dir/cal" 1)
n5=$(simulate "$bench_dir/cal" 5)
rm -rf "$bench_dir/cal"
scale_for() { # records -> scale, 2 % headroom, rounded up to 0.1
    awk -v want="$1" -v n1="$n1" -v n5="$n5" 'BEGIN {
        b = (n5 - n1) / 4; a = n1 - b
        s = (want * 1.02 - a) / b
        if (s < 0.1) s = 0.1
        printf "%.1f", int(s * 10 + 0.999) / 10 }'
}
echo "== calibration: scale 1 -> $n1 records, scale 5 -> $n5 records"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

summary_lines=()

bench() { # label wanted-records
    local label=$1 want=$2 out="$bench_dir/rec-$1" scale records bytes
    scale=$(scale_for "$want")
    for _ in 1 2 3; do
        echo "== $label: simulating at scale $scale"
        records=$(simulate "$out" "$scale")
        [ "$records" -ge "$want" ] && break
        scale=$(awk -v s="$scale" -v n="$records" -v w="$want" 'BEGIN { printf "%.1f", s * w / n * 1.02 + 0.1 }')
    done
    bytes=$(find "$out/campaign" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
    printf '   %s records, %.1f MB in %s\n' "$records" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$out/campaign"
    local rates=() mbs=() rss=() i
    for i in $(seq 1 "$runs"); do
        local err="$bench_dir/replay.err"
        /usr/bin/time -v "$bin" replay "$out/campaign" --config "$out/warroom.toml" --headless \
            --summary-out "$bench_dir/summary.json" 2>"$err" || {
            cat "$err" >&2
            exit 1
        }
        # "replayed N records (...) from F files in S.SSs (R records/s); ..."
        local line n secs wall kb rate mb
        line=$(grep -m1 '^replayed ' "$err")
        n=$(sed -n 's/^replayed \([0-9]*\) records.*/\1/p' <<<"$line")
        secs=$(sed -n 's/.* in \([0-9.]*\)s (.*/\1/p' <<<"$line")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$err")
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$err")
        rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        mb=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / s }')
        printf '   run %d: %s records in %ss (wall %s): %s records/s, %s MB/s, peak RSS %.1f MB\n' \
            "$i" "$n" "$secs" "$wall" "$rate" "$mb" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
        rates+=("$rate")
        mbs+=("$mb")
        rss+=("$kb")
    done
    local best med best_mb med_mb max_rss
    best=$(printf '%s\n' "${rates[@]}" | sort -g | tail -1)
    med=$(printf '%s\n' "${rates[@]}" | median)
    best_mb=$(printf '%s\n' "${mbs[@]}" | sort -g | tail -1)
    med_mb=$(printf '%s\n' "${mbs[@]}" | median)
    max_rss=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
    summary_lines+=("$(printf '%-9s scale %-6s %9s records %8.1f MB | records/s best %s median %s | MB/s best %s median %s | peak RSS max %.1f MB' \
        "$label" "$scale" "$records" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
        "$best" "$med" "$best_mb" "$med_mb" "$(awk -v k="$max_rss" 'BEGIN { print k / 1024 }')")")
    # Free the disk before the next size (KEEP=1 keeps every recording).
    [ "${KEEP:-0}" = 1 ] || rm -rf "$out"
}

bench "1x" "$target"
bench "4x" "$((target * 4))"

echo "== results ($runs runs each; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary_lines[@]}"
echo "targets: >= 2000000 records/s; peak RSS < 200 MB at any record count"
