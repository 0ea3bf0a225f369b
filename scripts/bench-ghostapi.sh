#!/usr/bin/env bash
# The Ghost Content API's benchmark: the list a Ghost front-end asks for
# on its home page, posts/?limit=15&include=tags,authors, answered from the
# API's cache (the key is checked on every request), on a generated
# 1,000-article site, with wrk over keep-alive on loopback.
#
# Target: >= 10,000 requests/s cached. Also the first, uncached answer's
# time and the answer's size. Results go to stdout and to the Content API
# section of docs/benchmarks.md (replaced in place; scripts/bench.sh runs
# this script after writing the file).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

DURATION="${BENCH_GHOSTAPI_DURATION:-10s}"
CONNS="${BENCH_CONNECTIONS:-64}"
ARTICLES="${BENCH_GHOSTAPI_ARTICLES:-1000}"
WORK=".bench/ghostapi"
PORT=18084
rm -rf "$WORK"; mkdir -p "$WORK"
command -v wrk >/dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
BIN="$WORK/samizdat"
"$BIN" gen --articles "$ARTICLES" --db "$WORK/site.db" >&2
KEY=$("$BIN" apikey add --db "$WORK/site.db" --name "Benchmark" 2>/dev/null)

"$BIN" serve --db "$WORK/site.db" --media "$WORK/media" --addr "127.0.0.1:$PORT" --log-level WARN &
APP=$!
trap 'kill $APP 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.05; done

URL="http://127.0.0.1:$PORT/ghost/api/content/posts/?limit=15&include=tags,authors&key=$KEY"
FIRST_MS=$(curl -fs -o "$WORK/first.json" -w '%{time_total}' "$URL" | awk '{ printf "%.1f", $1 * 1000 }')
POSTS=$(grep -o '"uuid"' "$WORK/first.json" | wc -l)
if [ "$POSTS" != 15 ]; then echo "the answer has $POSTS posts, want 15" >&2; exit 1; fi
SIZE=$(wc -c < "$WORK/first.json")
# A revoked key must be refused even for this cached answer.
REFUSED_KEY=$("$BIN" apikey add --db "$WORK/site.db" --name "Revoked" 2>/dev/null)
"$BIN" apikey revoke --db "$WORK/site.db" "$REFUSED_KEY" >/dev/null
sleep 0.5
CODE=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ghost/api/content/posts/?limit=15&include=tags,authors&key=$REFUSED_KEY")
if [ "$CODE" != 401 ]; then echo "a revoked key got $CODE, want 401" >&2; exit 1; fi

wrk -t2 -c"$CONNS" -d2s "$URL" >/dev/null # warm up
OUT=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$URL")
echo "$OUT" >&2
RPS=$(echo "$OUT" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
P99=$(echo "$OUT" | awk '$1 == "99%" { print $2 }')
ERRS=$(echo "$OUT" | awk '/Non-2xx/ { print $NF }')
VERDICT=$(awk -v r="$RPS" 'BEGIN { print (r >= 10000) ? "met" : "MISSED" }')
# As clients send it (axios, fetch, browsers): the cached answer gzipped.
GZ_SIZE=$(curl -fs -H 'Accept-Encoding: gzip' "$URL" | wc -c)
OUT_GZ=$(wrk -t2 -c"$CONNS" -d"$DURATION" -H 'Accept-Encoding: gzip' "$URL")
echo "$OUT_GZ" >&2
RPS_GZ=$(echo "$OUT_GZ" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
VERDICT_GZ=$(awk -v r="$RPS_GZ" 'BEGIN { print (r >= 10000) ? "met" : "MISSED" }')

SECTION=$(cat <<MD
<!-- ghostapi: written by scripts/bench-ghostapi.sh -->
## Ghost Content API

Produced by \`scripts/bench-ghostapi.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end.
\`/ghost/api/content/posts/?limit=15&include=tags,authors&key=…\` on a generated $ARTICLES-article site (SQLite),
wrk with $CONNS connections for $DURATION over keep-alive on loopback; the key is checked on every request.

| figure | value | target | result |
|---|---|---|---|
| cached answer, requests/s | $RPS | ≥ 10,000 | **$VERDICT** |
| cached answer with \`Accept-Encoding: gzip\`, requests/s | $RPS_GZ | ≥ 10,000 | **$VERDICT_GZ** |
| cached answer, 99th percentile latency | $P99 | | |
| first (uncached) answer | $FIRST_MS ms | | |
| answer size (JSON, 15 posts with bodies) | $SIZE bytes, $GZ_SIZE gzipped | | |
| non-2xx answers during the run | ${ERRS:-0} | 0 | |
| a revoked key, after the change feed's turn | HTTP $CODE | 401 | |
<!-- /ghostapi -->
MD
)
echo
echo "$SECTION"
if grep -q '^<!-- ghostapi: ' docs/benchmarks.md 2>/dev/null; then
  awk -v section="$SECTION" '
    /^<!-- ghostapi: / { print section; skip = 1; next }
    /^<!-- \/ghostapi -->/ { skip = 0; next }
    !skip { print }' docs/benchmarks.md > "$WORK/benchmarks.md"
  mv "$WORK/benchmarks.md" docs/benchmarks.md
else
  printf '\n%s\n' "$SECTION" >> docs/benchmarks.md
fi
echo "wrote the Content API section of docs/benchmarks.md" >&2
