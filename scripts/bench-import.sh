#!/usr/bin/env bash
# The WordPress import (part of make bench): a generated export of
# BENCH_IMPORT_POSTS posts (default 10,000), and one four times larger,
# each imported with `samizdat import wordpress` into a fresh SQLite
# database, then imported again (nothing changed: every post unchanged).
# Throughput is posts over wall time; peak memory is the process's maximum
# resident set (GNU time). Replaces its section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

POSTS="${BENCH_IMPORT_POSTS:-10000}"
WORK=".bench/import"
BIN=".bench/samizdat"
mkdir -p "$WORK"
go build -trimpath -o "$BIN" ./cmd/samizdat
[ -x /usr/bin/time ] || { echo "bench-import: needs GNU time (/usr/bin/time; Debian package time)" >&2; exit 1; }

ROWS=""
for n in "$POSTS" $((POSTS * 4)); do
  XML="$WORK/export-$n.xml"
  [ -f "$XML" ] || go run ./scripts/wxrgen --posts "$n" > "$XML"
  rm -rf "$WORK/db-$n"* "$WORK/media-$n"
  for run in first again; do
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" \
      "$BIN" import wordpress "$XML" --db "$WORK/db-$n.sqlite" --media "$WORK/media-$n" > "$WORK/report.txt"
    read -r wall user sys rss < "$WORK/time.txt"
    rate=$(awk -v n="$n" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
    cpu=$(awk -v n="$n" -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", n / (u + s) }')
    mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
    size=$(awk -v b="$(stat -c %s "$XML")" 'BEGIN { printf "%.0f", b / 1e6 }')
    what="import"
    [ "$run" = again ] && what="import again (all unchanged)"
    ROWS="$ROWS| $n posts ($size MB) | $what | ${wall} s | $rate posts/s | $cpu posts per CPU-second | $mb MB |
"
    echo "$n posts, $what: ${wall}s wall, $rate posts/s, peak RSS $mb MB" >&2
  done
done

SECTION=$(mktemp)
{
  echo "<!-- import: written by scripts/bench-import.sh -->"
  echo "## WordPress import"
  echo
  echo "Produced by \`bash scripts/bench-import.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) when it ended. The exports are made by \`go run ./scripts/wxrgen --posts N\`: classic and block-editor bodies of about 3 KB with [caption] shortcodes, nested categories, two tags, an author and a comment each, one page per hundred posts; each post gets its redirects. Command: \`samizdat import wordpress export.xml --db fresh.sqlite\`. The Go benchmark of the same import is \`go test -run '^\$' -bench WordPressImport ./internal/importer/\`."
  echo
  echo "| export | run | wall time | throughput | CPU | peak RSS |"
  echo "|---|---|---|---|---|---|"
  printf "%s" "$ROWS"
  echo
  echo "The file is read as a stream, twice (authors, terms and attachments first, then the posts), and articles are stored 64 to a transaction while the next ones are read and rendered: peak memory does not grow with the export. The CPU column is posts per second of CPU time the import used (user and system, both of its goroutines), which other load on the machine does not change; wall-clock throughput does, so read it with the load average above (the target is 500 posts/s on SQLite)."
  echo "<!-- /import -->"
} > "$SECTION"
if grep -q '^<!-- import:' docs/benchmarks.md; then
  awk -v f="$SECTION" '/^<!-- import:/ { while ((getline l < f) > 0) print l; skip = 1; next } /^<!-- \/import -->/ { skip = 0; next } !skip' docs/benchmarks.md > docs/benchmarks.md.new
  mv docs/benchmarks.md.new docs/benchmarks.md
else
  { echo; cat "$SECTION"; } >> docs/benchmarks.md
fi
rm -f "$SECTION"
echo "wrote the import figures to docs/benchmarks.md" >&2
