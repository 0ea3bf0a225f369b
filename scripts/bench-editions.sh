#!/usr/bin/env bash
# The two editions' figures (make bench runs this; it also runs alone):
# on one database of 100,000 articles, half English and half Russian,
#   - the cached article page, requests/s, Russian against English (wrk);
#   - the uncached article render and search by kind of query, Russian
#     against English (Go benchmarks, page cache off).
# Appends its section to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

ARTICLES="${BENCH_ARTICLES:-100000}"
DURATION="${BENCH_DURATION:-10s}"
CONNS="${BENCH_CONNECTIONS:-64}"
WORK=".bench"
DB="$WORK/editions-${ARTICLES}.db"
PORT=18085
mkdir -p "$WORK"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)..." >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
BIN="$WORK/samizdat"
if [ ! -f "$DB" ]; then
  echo "generating $ARTICLES articles, half of them Russian, into $DB (once)..." >&2
  "$BIN" gen --articles "$ARTICLES" --russian-share 0.5 --db "$DB" >&2
fi

echo "== editions: Go benchmarks (page cache off)" >&2
OUT="$WORK/gobench-editions.txt"
SAMIZDAT_BENCH_DB="$PWD/$DB" go test -run='^$' -bench=Editions -benchtime=2s -count=1 ./internal/server/ | tee "$OUT" >&2
metric() { awk -v b="$1" -v u="$2" '$1 ~ "^BenchmarkEditions/"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$OUT"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = (dir == "<=") ? (v <= t) : (v >= t); print ok ? "met" : "MISSED" }'; }

echo "== editions: cached article pages (wrk)" >&2
"$BIN" serve --db "$DB" --media "$WORK/media" --addr "127.0.0.1:$PORT" --log-level WARN &
APP=$!
trap 'kill "$APP" 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.05; done
first_article() { # the newest article a home page links
  curl -fs "http://127.0.0.1:$PORT$1" -o "$WORK/editions-home.html"
  awk 'match($0, /href="\/20[0-9][0-9]\/[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7); exit }' "$WORK/editions-home.html"
}
EN=$(first_article /)
RU=$(first_article /ru/)
run_wrk() {
  curl -fs -H 'Accept-Encoding: gzip' "$1" >/dev/null
  wrk -t2 -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "$1" >/dev/null
  wrk -t2 -c"$CONNS" -d"$DURATION" -H 'Accept-Encoding: gzip' "$1" | awk '/Requests\/sec/ { printf "%.0f\n", $2 }'
}
# English, Russian, English again: the ratio uses the better English run,
# so a warming machine cannot flatter the Russian figure.
EN1=$(run_wrk "http://127.0.0.1:$PORT$EN")
RU_RPS=$(run_wrk "http://127.0.0.1:$PORT$RU")
EN2=$(run_wrk "http://127.0.0.1:$PORT$EN")
EN_RPS=$(( EN1 > EN2 ? EN1 : EN2 ))
EN_SIZE=$(curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$EN" -o "$WORK/editions-page.gz" && stat -c %s "$WORK/editions-page.gz")
RU_SIZE=$(curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$RU" -o "$WORK/editions-page.gz" && stat -c %s "$WORK/editions-page.gz")
kill "$APP"; wait "$APP" 2>/dev/null || true

# "No slower" allows 5% for the spread of these medians; each benchmark
# alternates the two languages' requests, so drift weighs on both alike.
NOISE=1.05
row() { # row LABEL BENCH
  local en ru; en=$(metric "$2" p50-en-µs); ru=$(metric "$2" p50-ru-µs)
  echo "| $1, p50 (p99) | $en µs ($(metric "$2" p99-en-µs) µs) | $ru µs ($(metric "$2" p99-ru-µs) µs) | $(ratio "$ru" "$en")× | no slower (≤ $NOISE): $(verdict "$(ratio "$ru" "$en")" "$NOISE" "<=") |"
}
mean() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.0f", (a + b + c) / 3 }'; }
SEARCH_EN=$(mean "$(metric search-words p50-en-µs)" "$(metric search-word p50-en-µs)" "$(metric search-phrase p50-en-µs)")
SEARCH_RU=$(mean "$(metric search-words p50-ru-µs)" "$(metric search-word p50-ru-µs)" "$(metric search-phrase p50-ru-µs)")
REPORT=$(cat <<MD
| figure | English | Russian | Russian / English | target: result |
|---|---|---|---|---|
| cached article page, requests/s (wrk, $CONNS conns, $DURATION; better of two English runs) | $EN_RPS | $RU_RPS | $(ratio "$RU_RPS" "$EN_RPS")× | ≥ 0.95: $(verdict "$(ratio "$RU_RPS" "$EN_RPS")" 0.95 ">=") |
| uncached article render, p50 (p99) | $(metric article p50-en-µs) µs ($(metric article p99-en-µs) µs) | $(metric article p50-ru-µs) µs ($(metric article p99-ru-µs) µs) | $(ratio "$(metric article p50-ru-µs)" "$(metric article p50-en-µs)")× | — (for reference; the Russian page is larger) |
$(row "search, two common words" search-words)
$(row "search, one common word" search-word)
$(row "search, a phrase" search-phrase)
| search, the three kinds together (mean of the p50s) | $SEARCH_EN µs | $SEARCH_RU µs | $(ratio "$SEARCH_RU" "$SEARCH_EN")× | no slower (≤ $NOISE): $(verdict "$(ratio "$SEARCH_RU" "$SEARCH_EN")" "$NOISE" "<=") |

Pages: English $EN ($EN_SIZE bytes gzip), Russian $RU ($RU_SIZE bytes gzip). Database: $ARTICLES synthetic articles, half in each language (\`samizdat gen --russian-share 0.5\`), SQLite; each edition's search looks only at its own language's articles.
MD
)
echo
echo "$REPORT"
{
  echo
  echo "## Two editions"
  echo
  echo "Produced by \`bash scripts/bench-editions.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d), $(nproc) cores."
  echo
  echo "$REPORT"
  echo
  echo '```'
  grep -E '^BenchmarkEditions' "$OUT"
  echo '```'
} >> docs/benchmarks.md
echo "appended the editions' figures to docs/benchmarks.md" >&2
