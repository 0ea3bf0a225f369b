#!/usr/bin/env bash
# Compression's benchmark: a cached article page served by this tree with
# brotli, zstd and gzip against the same page from the code before brotli
# and zstd (BENCH_BASELINE, a git revision; default: the merge base with
# main), on copies of one generated site, in the same run on the same
# machine.
#
#   1. Go benchmark of the fast path for each Accept-Encoding.
#   2. Load on loopback with keep-alive (wrk, 64 connections): two servers,
#      baseline and this tree, measured in turns: BENCH_COMPRESS_ROUNDS
#      rounds, each measuring the baseline with gzip, then this tree with
#      gzip, br and zstd, back to back. The ratio of a round is this tree's
#      requests/s over the baseline's with gzip (what the baseline sends to
#      every browser, as it has no brotli); the result is the median of the
#      rounds' ratios.
#
# Target: cached article page requests/s with brotli/zstd on >= 0.95x the
# baseline. Results go to stdout and to the compression section of
# docs/benchmarks.md (replaced in place).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

DURATION="${BENCH_COMPRESS_DURATION:-3s}"
CONNS="${BENCH_CONNECTIONS:-64}"
ROUNDS="${BENCH_COMPRESS_ROUNDS:-10}"
BASELINE="${BENCH_BASELINE:-$(git merge-base HEAD main)}"
WORK=".bench/compress"
PORT_BASE=18084
PORT_NEW=18085
rm -rf "$WORK"; mkdir -p "$WORK/baseline-src"
command -v wrk >/dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }

echo "== compression: Go benchmark of the fast path" >&2
GOBENCH="$WORK/gobench.txt"
go test -run='^$' -bench='FastPathArticle/no-prompts' -benchtime=2s -count=1 ./internal/site/ | tee "$GOBENCH" >&2

git archive "$BASELINE" | tar -x -C "$WORK/baseline-src"
(cd "$WORK/baseline-src" && go build -trimpath -o ../samizdat-baseline ./cmd/samizdat)
go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
"$WORK/samizdat" gen --articles 1000 --db "$WORK/new.db" >&2
cp "$WORK/new.db" "$WORK/base.db"

"$WORK/samizdat-baseline" serve --db "$WORK/base.db" --media "$WORK/media" --addr "127.0.0.1:$PORT_BASE" --log-level WARN &
BASE=$!
"$WORK/samizdat" serve --db "$WORK/new.db" --media "$WORK/media" --addr "127.0.0.1:$PORT_NEW" --log-level WARN &
NEW=$!
trap 'kill $BASE $NEW 2>/dev/null || true' EXIT
for port in $PORT_BASE $PORT_NEW; do
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.05; done
done
ARTICLE=$(curl -fs "http://127.0.0.1:$PORT_NEW/" | awk 'match($0, /href="\/20[0-9][0-9]\/[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7); exit }')
URL_BASE="http://127.0.0.1:$PORT_BASE$ARTICLE"
URL_NEW="http://127.0.0.1:$PORT_NEW$ARTICLE"
size() { curl -fs -H "Accept-Encoding: $2" "$1" | wc -c; }
SIZE_RAW=$(size "$URL_NEW" identity)
SIZE_BASE_GZ=$(size "$URL_BASE" gzip)
SIZE_GZ=$(size "$URL_NEW" gzip); SIZE_BR=$(size "$URL_NEW" br); SIZE_ZSTD=$(size "$URL_NEW" zstd)
for enc in gzip br zstd; do
  got=$(curl -fsI -H "Accept-Encoding: $enc" "$URL_NEW" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
  [ "$got" = "$enc" ] || { echo "Accept-Encoding: $enc got Content-Encoding '$got'" >&2; exit 1; }
done

rps() { wrk -t2 -c"$CONNS" -d"$DURATION" -H "Accept-Encoding: $2" "$1" | awk '/Requests\/sec/ { printf "%.0f\n", $2 }'; }
# Warm up both (and make the lazy brotli and zstd representations).
for enc in gzip br zstd; do wrk -t2 -c"$CONNS" -d1s -H "Accept-Encoding: $enc" "$URL_NEW" >/dev/null; done
wrk -t2 -c"$CONNS" -d1s -H 'Accept-Encoding: gzip' "$URL_BASE" >/dev/null

B=(); G=(); R=(); Z=()
for i in $(seq 1 "$ROUNDS"); do
  B+=("$(rps "$URL_BASE" gzip)"); G+=("$(rps "$URL_NEW" gzip)"); R+=("$(rps "$URL_NEW" br)"); Z+=("$(rps "$URL_NEW" zstd)")
  echo "round $i: baseline gzip ${B[-1]}, gzip ${G[-1]}, br ${R[-1]}, zstd ${Z[-1]}" >&2
done
median() { # median FORMAT VALUES...
  local fmt=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v f="$fmt" '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f "\n", m }'
}
ratios() { local -n xs=$1; for i in "${!xs[@]}"; do awk -v a="${xs[$i]}" -v b="${B[$i]}" 'BEGIN { printf "%.4f\n", a / b }'; done; }
RG=$(median %.3f $(ratios G)); RR=$(median %.3f $(ratios R)); RZ=$(median %.3f $(ratios Z))
verdict() { awk -v r="$1" 'BEGIN { if (r >= 0.95) print "met"; else print "MISSED" }'; }
LOAD=$(cut -d' ' -f1 /proc/loadavg)
fast() { awk -v b="$1" '$1 ~ "^BenchmarkFastPathArticle/"b"(-[0-9]+)?$" { print $3 }' "$GOBENCH"; }

SECTION="$WORK/section.md"
{
  echo "<!-- compress: written by scripts/bench-compress.sh -->"
  echo "## Compression: brotli and zstd"
  echo
  echo "Produced by \`bash scripts/bench-compress.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(go env GOVERSION), load average $LOAD at the end."
  echo "A cached article page of a 1,000-article site (copies of one generated database), served by this tree and by the code before"
  echo "brotli and zstd (\`$(git rev-parse --short "$BASELINE")\`, which answers every browser with gzip), in $ROUNDS rounds of ${DURATION} each (wrk, $CONNS connections, keep-alive):"
  echo "each round measures the baseline with gzip, then this tree with gzip, br and zstd, back to back."
  echo
  echo "| figure | baseline, gzip | gzip | br | zstd | target | result |"
  echo "|---|---|---|---|---|---|---|"
  echo "| cached article page, requests/s, median of the rounds | $(median %.0f "${B[@]}") | $(median %.0f "${G[@]}") | $(median %.0f "${R[@]}") | $(median %.0f "${Z[@]}") | | |"
  echo "| against the baseline (median of the rounds' ratios) | 1 | ${RG}× | ${RR}× | ${RZ}× | ≥ 0.95× | gzip $(verdict "$RG"), br $(verdict "$RR"), zstd $(verdict "$RZ") |"
  echo "| each round, requests/s | ${B[*]} | ${G[*]} | ${R[*]} | ${Z[*]} | | |"
  echo "| page, bytes (identity $SIZE_RAW) | $SIZE_BASE_GZ | $SIZE_GZ | $SIZE_BR | $SIZE_ZSTD | | |"
  echo "| fast path alone (Go benchmark), ns per request | | $(fast no-prompts) | $(fast no-prompts-br) | $(fast no-prompts-zstd) | | |"
  echo
  echo '```'
  grep '^Benchmark' "$GOBENCH"
  echo '```'
  echo "<!-- /compress -->"
} > "$SECTION"
cat "$SECTION"
python3 - "$SECTION" docs/benchmarks.md <<'PY'
import re, sys
section = open(sys.argv[1]).read()
doc = open(sys.argv[2]).read()
pat = re.compile(r"<!-- compress: .*?<!-- /compress -->\n", re.S)
doc = pat.sub(lambda m: section, doc) if pat.search(doc) else doc.rstrip("\n") + "\n\n" + section
open(sys.argv[2], "w").write(doc)
PY
