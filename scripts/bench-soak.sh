#!/usr/bin/env bash
# The soak and write-to-visible benchmarks of `make bench` (also runs alone):
#
#   1. Saturation: closed-loop load over 1,000 URLs of the generated site
#      (home, fronts and their later pages, articles, tags, authors, feeds,
#      sitemaps, searches), 64 keep-alive connections.
#   2. Soak: open-loop load at half that rate for BENCH_SOAK_DURATION
#      (default 10m) over the same URLs, sampling the server's memory every
#      5 s: errors, p50/p99/p99.9 latency from each request's scheduled
#      time, resident memory after the first minute against the end.
#   3. Write to visible: two nodes on one PostgreSQL database (and two
#      processes on one SQLite file), each with its home page cached;
#      `samizdat import markdown` run as a separate process 50 times; time
#      until both nodes' home pages show the article.
#
# Settings: BENCH_ARTICLES (100000; the database .bench/N.db is reused),
# BENCH_SOAK_DURATION (10m), BENCH_SATURATION_DURATION (20s),
# BENCH_VISIBLE_RUNS (50). Results go to stdout and to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

ARTICLES="${BENCH_ARTICLES:-100000}"
SOAK="${BENCH_SOAK_DURATION:-10m}"
SATURATE="${BENCH_SATURATION_DURATION:-20s}"
RUNS="${BENCH_VISIBLE_RUNS:-50}"
WORK=".bench"
DB="$WORK/${ARTICLES}.db"
PORT=18090
mkdir -p "$WORK"

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
go build -trimpath -o "$WORK/soak" ./scripts/soak
BIN="$WORK/samizdat"
SOAKBIN="$WORK/soak"
if [ ! -f "$DB" ]; then
  echo "generating $ARTICLES articles into $DB (once; later runs reuse it)..." >&2
  "$BIN" gen --articles "$ARTICLES" --db "$DB" >&2
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

serve() { # serve DB PORT -> pid in $! (also in PIDS); waits until healthy
  "$BIN" serve --db "$1" --media "$WORK/media-$2" --addr "127.0.0.1:$2" --log-level WARN --data-key-file "$WORK/bench.key" \
    --mirror-key "$WORK/bench-mirror.key" &
  PIDS+=($!)
  until curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1; do sleep 0.05; done
}
json() { # json FILE FIELD
  sed -E 's/.*"'"$2"'":("?)([^,"}]*)\1.*/\2/' "$1"
}

echo "== soak: $ARTICLES articles, SQLite" >&2
serve "$DB" "$PORT"
APP=${PIDS[-1]}
BASE="http://127.0.0.1:$PORT"
"$SOAKBIN" urls -base "$BASE" -n 1000 > "$WORK/soak-urls.txt"
NURLS=$(wc -l < "$WORK/soak-urls.txt")
"$SOAKBIN" load -base "$BASE" -urls "$WORK/soak-urls.txt" -duration 5s -conns 64 >/dev/null # warm the cache
"$SOAKBIN" load -base "$BASE" -urls "$WORK/soak-urls.txt" -duration "$SATURATE" -conns 64 | tee "$WORK/saturation.json" >&2
SAT=$(json "$WORK/saturation.json" rate | awk '{ printf "%.0f", $1 }')
HALF=$((SAT / 2))
echo "saturation $SAT requests/s; soaking at $HALF for $SOAK..." >&2
"$SOAKBIN" load -base "$BASE" -urls "$WORK/soak-urls.txt" -rate "$HALF" -duration "$SOAK" -conns 64 -pid "$APP" | tee "$WORK/soak.json" >&2
kill "$APP"; wait "$APP" 2>/dev/null || true

S_REQ=$(json "$WORK/soak.json" requests)
S_ERR=$(json "$WORK/soak.json" errors)
S_P50=$(json "$WORK/soak.json" p50_ms)
S_P99=$(json "$WORK/soak.json" p99_ms)
S_P999=$(json "$WORK/soak.json" p999_ms)
S_MAX=$(json "$WORK/soak.json" max_ms)
R1=$(json "$WORK/soak.json" rss_1min_bytes)
REND=$(json "$WORK/soak.json" rss_end_bytes)
RMAX=$(json "$WORK/soak.json" rss_max_after_1min_bytes)
RMIN=$(json "$WORK/soak.json" rss_min_after_1min_bytes)
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
# Growth is what a leak shows: the highest figure after the first minute
# against the 1-minute one. Memory may fall (SQLite connections idle for
# 5 minutes are closed, and their page caches freed); that is reported too.
within10() { awk -v a="$R1" -v lo="$RMIN" -v hi="$RMAX" 'BEGIN { if (a == "" || a == 0) { print "n/a (soak under a minute)"; exit }
  printf "highest %+.1f%%, lowest %+.1f%%: %s", 100 * (hi - a) / a, 100 * (lo - a) / a, ((hi - a) / a <= 0.10) ? "met" : "MISSED" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "met" : "MISSED" }'; }

echo "== write to visible: two nodes, CLI imports" >&2
visible() { # visible DSN -> JSON of soak visible
  local p1=$((PORT + 10)) p2=$((PORT + 11))
  serve "$1" "$p1"; local a=${PIDS[-1]}
  serve "$1" "$p2"; local b=${PIDS[-1]}
  "$SOAKBIN" visible -bin "$BIN" -db "$1" -nodes "http://127.0.0.1:$p1,http://127.0.0.1:$p2" -n "$RUNS"
  kill "$a" "$b"; wait "$a" "$b" 2>/dev/null || true
}
VDB="$WORK/visible.db"
rm -f "$VDB" "$VDB-wal" "$VDB-shm"
"$BIN" gen --articles 1000 --db "$VDB" >&2
visible "$VDB" | tee "$WORK/visible-sqlite.json" >&2
eval "$(bash scripts/test-postgres.sh start)"
VPG="samizdat_bench_visible"
psql "$SAMIZDAT_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $VPG" -c "CREATE DATABASE $VPG" >&2
VPGURL="${SAMIZDAT_TEST_POSTGRES/\/postgres\?//$VPG?}"
"$BIN" gen --articles 1000 --db "$VPGURL" >&2
visible "$VPGURL" | tee "$WORK/visible-pg.json" >&2

vrow() { # vrow NAME FILE
  printf '| write to visible on both nodes, %s: p50 / p99 from the command'"'"'s start (from its exit) | %s / %s ms (%s / %s ms) | within 1 s | %s |\n' \
    "$1" "$(json "$2" from_start_p50_ms)" "$(json "$2" from_start_p99_ms)" "$(json "$2" from_exit_p50_ms)" "$(json "$2" from_exit_p99_ms)" \
    "$(verdict "$(json "$2" from_start_p99_ms)" 1000)"
}

SECTION=$(cat <<MD
<!-- soak: written by scripts/bench-soak.sh -->
## Soak and write to visible

Produced by \`scripts/bench-soak.sh\` (\`make bench\` runs it) on $(date -u +%Y-%m-%d), $(nproc) cores, $(go env GOVERSION).
The load generator (\`scripts/soak\`) and the server share the machine. $NURLS distinct URLs of the $ARTICLES-article
SQLite site, in turn: home, section fronts and their second and third pages, section feeds, articles, tag and
author pages, the site feeds, sitemaps and 20 searches. Saturation is closed-loop on 64 keep-alive connections
for $SATURATE; the soak is open-loop at half that rate for $SOAK, each latency counted from the time its request
was due, so a stall counts for every request it delays. Memory is the server's VmRSS, sampled every 5 s.

| figure | value | target | result |
|---|---|---|---|
| saturation, requests/s | $SAT | | |
| soak rate, requests/s (half of saturation), for $SOAK | $HALF ($S_REQ requests) | | |
| errors | $S_ERR | 0 | $( [ "$S_ERR" = 0 ] && echo met || echo MISSED ) |
| latency p50 / p99 / p99.9 / max | $S_P50 / $S_P99 / $S_P999 / $S_MAX ms | p99 < 20 ms | $(verdict "$S_P99" 20) |
| resident memory at 1 min, at the end, lowest and highest after 1 min | $(mb "$R1") / $(mb "$REND") / $(mb "$RMIN") / $(mb "$RMAX") MB | no growth beyond 10% after the first minute | $(within10) |
$(vrow "PostgreSQL, 2 nodes" "$WORK/visible-pg.json")
$(vrow "SQLite, 2 processes on one file" "$WORK/visible-sqlite.json")

Write to visible: $RUNS imports of one article each by \`samizdat import markdown\` as a process of its own, each
time with both nodes' home pages cached; the time runs from the command's start (its exit in brackets) until
both nodes' home pages show the article, polled every 2 ms. On PostgreSQL the nodes hear the change feed's
NOTIFY; on SQLite each reads the feed every 200 ms.

Each 10-second window's p99 / worst latency (ms): $(sed -E 's/.*"timeline_p99_max_ms":\[([^]]*)\].*/\1/' "$WORK/soak.json" | tr -d '"' | tr ',' ' ').
A fall in memory is the read pool closing SQLite connections left idle for 5 minutes (each holds a 16 MB page cache).

Raw output: saturation \`$(cat "$WORK/saturation.json")\`, soak \`$(sed -E 's/,"(rss_samples_mb|timeline_p99_max_ms)":\[[^]]*\]//g' "$WORK/soak.json")\`.
Memory samples (MB): $(sed -E 's/.*"rss_samples_mb":\[([^]]*)\].*/\1/' "$WORK/soak.json" | tr ',' ' ').
<!-- /soak -->
MD
)
echo
echo "$SECTION"
if grep -q '^<!-- soak: ' docs/benchmarks.md 2>/dev/null; then
  awk -v section="$SECTION" '
    /^<!-- soak: / { print section; skip = 1; next }
    /^<!-- \/soak -->/ { skip = 0; next }
    !skip { print }' docs/benchmarks.md > "$WORK/benchmarks.md"
  mv "$WORK/benchmarks.md" docs/benchmarks.md
else
  printf '\n%s\n' "$SECTION" >> docs/benchmarks.md
fi
echo "wrote the soak section of docs/benchmarks.md" >&2
