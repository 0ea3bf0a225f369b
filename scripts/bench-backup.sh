#!/usr/bin/env bash
# Backup and restore of the benchmark site (part of make bench): samizdat
# backup of the SQLite database, then samizdat restore of that archive into
# a fresh SQLite file and a fresh PostgreSQL database. Throughput is the
# site's size (the database file and media) over the wall time of each
# command. Replaces its section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

ARTICLES="${BENCH_ARTICLES:-100000}"
WORK=".bench"
DB="$WORK/${ARTICLES}.db"
KEY="$WORK/bench.key"
BIN="$WORK/samizdat"
mkdir -p "$WORK"
go build -trimpath -o "$BIN" ./cmd/samizdat
if [ ! -f "$DB" ]; then
  echo "generating $ARTICLES articles into $DB (once; later runs reuse it)..." >&2
  "$BIN" gen --articles "$ARTICLES" --db "$DB" --data-key-file "$KEY" >&2
fi
# make bench has served this database before (start-up timing), so it is
# at this version's schema: the backup's time is the backup's, not a
# migration's.

OUT="$WORK/backup-$ARTICLES.tar.gz"
RESTORED="$WORK/restored-$ARTICLES"
rm -rf "$OUT" "$RESTORED"
SITE_BYTES=$(( $(stat -c %s "$DB") + $(du -sb "$WORK/media" 2>/dev/null | cut -f1 || echo 0) ))
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
mbs() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / 1e6 / s }'; }

t0=$(date +%s%N)
"$BIN" backup --db "$DB" --data-key-file "$KEY" --out "$OUT" >&2
t1=$(date +%s%N)
BK_S=$(secs "$t0" "$t1")
ARCHIVE=$(stat -c %s "$OUT")

t0=$(date +%s%N)
"$BIN" restore --db "$RESTORED/samizdat.db" --data-key-file "$KEY" "$OUT" >&2
t1=$(date +%s%N)
RS_S=$(secs "$t0" "$t1")

eval "$(bash scripts/test-postgres.sh start)"
PGNAME="samizdat_restore_${ARTICLES}"
PGURL="${SAMIZDAT_TEST_POSTGRES/\/postgres\?//$PGNAME?}"
psql "$SAMIZDAT_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $PGNAME" -c "CREATE DATABASE $PGNAME" >&2
t0=$(date +%s%N)
"$BIN" restore --db "$PGURL" --media "$RESTORED/media-pg" --data-key-file "$KEY" "$OUT" >&2
t1=$(date +%s%N)
PG_S=$(secs "$t0" "$t1")
psql "$SAMIZDAT_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $PGNAME" >&2

REPORT=$(cat <<MD
| step | wall time | throughput (site size / time) |
|---|---|---|
| \`samizdat backup\` of the SQLite site | ${BK_S} s | $(mbs "$SITE_BYTES" "$BK_S") MB/s |
| \`samizdat restore\` into a fresh SQLite file | ${RS_S} s | $(mbs "$SITE_BYTES" "$RS_S") MB/s |
| \`samizdat restore\` into a fresh PostgreSQL database | ${PG_S} s | $(mbs "$SITE_BYTES" "$PG_S") MB/s |

Site: $ARTICLES articles, $(awk -v n="$SITE_BYTES" 'BEGIN { printf "%.0f", n / 1e6 }') MB (database file and media). Archive: $(awk -v n="$ARCHIVE" 'BEGIN { printf "%.0f", n / 1e6 }') MB (gzip; no full-text index, which the restore target builds). Each restore verifies every table's row count and checksum against the manifest; the restore times include building the target's search index.
MD
)
echo
echo "$REPORT"
SECTION=$(mktemp)
{
  echo "## Backup and restore"
  echo
  echo "Produced by \`bash scripts/bench-backup.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d), $(nproc) cores; PostgreSQL 15 as a throwaway cluster on the same machine (scripts/test-postgres.sh)."
  echo
  echo "$REPORT"
} > "$SECTION"
awk '/^## /{ skip = ($0 == "## Backup and restore") } !skip' docs/benchmarks.md > docs/benchmarks.md.new
mv docs/benchmarks.md.new docs/benchmarks.md
{ echo; cat "$SECTION"; } >> docs/benchmarks.md
rm -f "$SECTION" "$OUT"
rm -rf "$RESTORED"
echo "wrote the backup figures to docs/benchmarks.md" >&2
