#!/usr/bin/env bash
# The donation prompts' benchmark (reader revenue I): a cached article page
# with the demo's prompts (a top banner capped once a day and an
# end-of-article appeal with the goal meter) against the very same page
# without prompts, in the same run, on the same machine.
#
#   1. Go benchmark of the fast path: no prompts; prompts for a new reader
#      (no cookie: both prompts shown, the state cookie set); prompts for a
#      returning reader (a signed cookie to verify).
#   2. Load on loopback with keep-alive (wrk): two servers on copies of one
#      generated site, one without prompts and one with the demo campaign
#      (--demo adds it to a site that has none), measured in turns:
#      BENCH_PROMPT_ROUNDS rounds, each measuring both servers back to back
#      (ABBA order), so that a change in the machine's load between rounds
#      (other work, CPU frequency) touches both sides of a round alike. The
#      result is the median of the rounds' ratios. wrk sends no cookie, so
#      every request is a new reader: the worst case.
#
# Target: with prompts >= 0.95x the requests/s without. Results go to
# stdout and to the prompts section of docs/benchmarks.md (replaced in
# place; scripts/bench.sh runs this script after writing the file).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

DURATION="${BENCH_PROMPT_DURATION:-3s}"
CONNS="${BENCH_CONNECTIONS:-64}"
ROUNDS="${BENCH_PROMPT_ROUNDS:-10}"
WORK=".bench/prompts"
PORT_PLAIN=18082
PORT_PROMPTS=18083
rm -rf "$WORK"; mkdir -p "$WORK"
command -v wrk >/dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }

echo "== prompts: Go benchmark of the fast path" >&2
GOBENCH="$WORK/gobench.txt"
go test -run='^$' -bench=FastPathArticle -benchtime=2s -count=1 ./internal/site/ | tee "$GOBENCH" >&2

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
BIN="$WORK/samizdat"
"$BIN" gen --articles 1000 --db "$WORK/plain.db" >&2
cp "$WORK/plain.db" "$WORK/prompts.db"

"$BIN" serve --db "$WORK/plain.db" --media "$WORK/media" --addr "127.0.0.1:$PORT_PLAIN" --log-level WARN &
PLAIN=$!
"$BIN" serve --db "$WORK/prompts.db" --media "$WORK/media" --demo --addr "127.0.0.1:$PORT_PROMPTS" --log-level WARN &
PROMPTS=$!
trap 'kill $PLAIN $PROMPTS 2>/dev/null || true' EXIT
for port in $PORT_PLAIN $PORT_PROMPTS; do
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.05; done
done
ARTICLE=$(curl -fs "http://127.0.0.1:$PORT_PLAIN/" | awk 'match($0, /href="\/20[0-9][0-9]\/[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7); exit }')
URL_PLAIN="http://127.0.0.1:$PORT_PLAIN$ARTICLE"
URL_PROMPTS="http://127.0.0.1:$PORT_PROMPTS$ARTICLE"
SHOWN=$(curl -fs "$URL_PROMPTS" | grep -c 'class="prompt ' || true)
if [ "$SHOWN" != 2 ]; then echo "the page with prompts shows $SHOWN prompts, want 2" >&2; exit 1; fi
SIZE_PLAIN=$(curl -fs -H 'Accept-Encoding: gzip' "$URL_PLAIN" | wc -c)
SIZE_PROMPTS=$(curl -fs -H 'Accept-Encoding: gzip' "$URL_PROMPTS" | wc -c)

rps() { wrk -t2 -c"$CONNS" -d"$DURATION" -H 'Accept-Encoding: gzip' "$1" | awk '/Requests\/sec/ { printf "%.0f\n", $2 }'; }
for u in "$URL_PLAIN" "$URL_PROMPTS"; do wrk -t2 -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "$u" >/dev/null; done # warm up
PLAIN_RUNS=(); PROMPT_RUNS=(); RATIOS=()
for i in $(seq "$ROUNDS"); do
  if (( i % 2 )); then
    a=$(rps "$URL_PLAIN"); b=$(rps "$URL_PROMPTS")
  else
    b=$(rps "$URL_PROMPTS"); a=$(rps "$URL_PLAIN")
  fi
  PLAIN_RUNS+=("$a"); PROMPT_RUNS+=("$b")
  RATIOS+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
  echo "round $i: without $a, with $b requests/s (${RATIOS[-1]}x)" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
RPS_PLAIN=$(printf "%.0f" "$(median "${PLAIN_RUNS[@]}")")
RPS_PROMPTS=$(printf "%.0f" "$(median "${PROMPT_RUNS[@]}")")
RATIO=$(printf '%.2f' "$(median "${RATIOS[@]}")")
VERDICT=$(awk -v r="$RATIO" 'BEGIN { print (r >= 0.95) ? "met" : "MISSED" }')
ns() { awk -v b="$1" '$1 ~ "^BenchmarkFastPathArticle/"b"(-[0-9]+)?$" { print $3 }' "$GOBENCH"; }

SECTION=$(cat <<MD
<!-- prompts: written by scripts/bench-prompts.sh -->
## Donation prompts

Produced by \`scripts/bench-prompts.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end.
A cached article page with the demo's prompts (top banner capped once a day, end-of-article appeal with the goal meter)
against the same page without prompts, on copies of one 1,000-article site: $ROUNDS rounds, each measuring both back to back for $DURATION (wrk, $CONNS connections, keep-alive).
wrk keeps no cookies, so every request is a new reader who sees both prompts and is sent the state cookie: the worst case.

| figure | without prompts | with prompts | target | result |
|---|---|---|---|---|
| cached article page, requests/s: medians; result is the median of the rounds' ratios | $RPS_PLAIN | $RPS_PROMPTS | ≥ 0.95× | **${RATIO}×**: $VERDICT |
| each round, requests/s (ratio) | ${PLAIN_RUNS[*]} | ${PROMPT_RUNS[*]} | | ${RATIOS[*]} |
| page, gzip-compressed | $SIZE_PLAIN bytes | $SIZE_PROMPTS bytes | | |
| fast path alone (Go benchmark), ns per request | $(ns no-prompts) | new reader $(ns prompts-new-reader), returning reader $(ns prompts-returning-reader) | | |

\`\`\`
$(grep -E '^(Benchmark|goos|goarch|cpu)' "$GOBENCH")
\`\`\`
<!-- /prompts -->
MD
)
echo
echo "$SECTION"
if grep -q '^<!-- prompts: ' docs/benchmarks.md 2>/dev/null; then
  awk -v section="$SECTION" '
    /^<!-- prompts: / { print section; skip = 1; next }
    /^<!-- \/prompts -->/ { skip = 0; next }
    !skip { print }' docs/benchmarks.md > "$WORK/benchmarks.md"
  mv "$WORK/benchmarks.md" docs/benchmarks.md
else
  printf '\n%s\n' "$SECTION" >> docs/benchmarks.md
fi
echo "wrote the prompts section of docs/benchmarks.md" >&2
