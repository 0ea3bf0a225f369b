#!/usr/bin/env bash
# The static export against Hugo, run by scripts/bench.sh or on its own:
#
#   1. `samizdat export` of the N-article database into an empty directory:
#      pages/s and peak memory (/usr/bin/time -v).
#   2. Hugo v0.165.0 building the same N articles as Markdown pages of the
#      same text, with a "Read more" list from its related-content feature
#      and paginated section, tag and author lists: pages/s and peak memory.
#   3. Re-export after one article changes (an update): with nothing
#      changed, after a body correction, after a new headline.
#
# It replaces the "Static export" section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

ARTICLES="${BENCH_ARTICLES:-100000}"
WORK=".bench"
DB="$WORK/${ARTICLES}.db"
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 1; }

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
BIN="$WORK/samizdat"
if [ ! -f "$DB" ]; then
  echo "generating $ARTICLES articles into $DB (once; later runs reuse it)..." >&2
  "$BIN" gen --articles "$ARTICLES" --db "$DB" >&2
fi

HUGO="$PWD/$WORK/gobin/hugo"
if ! { [ -x "$HUGO" ] && "$HUGO" version | grep -q 'v0.165.0'; }; then
  echo "installing Hugo v0.165.0 into $WORK/gobin..." >&2
  GOBIN="$PWD/$WORK/gobin" go install github.com/gohugoio/hugo@v0.165.0
fi

# A copy of the database, so that the change made for the re-export does
# not alter the database the other benchmarks use.
EDB="$WORK/export-${ARTICLES}.db"
rm -f "$EDB" "$EDB-wal" "$EDB-shm"
cp "$DB" "$EDB"

peak_mb() { awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$1"; }
wall_s() { # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.03" -> seconds
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"
}

echo "== samizdat export, $ARTICLES articles" >&2
OUT="$WORK/export-${ARTICLES}"
rm -rf "$OUT" "$WORK/.export-${ARTICLES}".samizdat-*
/usr/bin/time -v "$BIN" export --db "$EDB" --media "$WORK/media" --mirror-key "$WORK/mirror.key" \
  --out "$OUT" --base-url https://news.example 2> "$WORK/export-time.txt" | tee "$WORK/export-out.txt" >&2
EXP_S=$(wall_s "$WORK/export-time.txt")
EXP_MB=$(peak_mb "$WORK/export-time.txt")
EXP_HTML=$(find "$OUT" -name index.html | wc -l)
EXP_FILES=$(find "$OUT" -type f | wc -l)
EXP_SIZE=$(du -sh "$OUT" | cut -f1)

# Updates: the export renders only what an edit touched. Each is timed as
# a whole process, start-up included.
update() { # $1: label for the files
  /usr/bin/time -v "$BIN" export --db "$EDB" --media "$WORK/media" --mirror-key "$WORK/mirror.key" \
    --out "$OUT" --base-url https://news.example 2> "$WORK/update-$1-time.txt" | tee "$WORK/update-$1-out.txt" >&2
}
written() { sed -E 's/.*\(([0-9]+) written.*/\1/' "$WORK/update-$1-out.txt"; }
patched() { sed -E 's/.*, ([0-9]+) of them by putting.*/\1/' "$WORK/update-$1-out.txt"; }
echo "== update with nothing changed" >&2
update none
NONE_S=$(wall_s "$WORK/update-none-time.txt")
echo "== update after a correction to the newest article's body" >&2
go run ./scripts/exportbench touch --what body --db "$EDB" >&2
update body
BODY_S=$(wall_s "$WORK/update-body-time.txt"); BODY_W=$(written body)
echo "== update after a new headline on the newest article" >&2
go run ./scripts/exportbench touch --what headline --db "$EDB" >&2
update headline
RE_S=$(wall_s "$WORK/update-headline-time.txt"); RE_WRITTEN=$(written headline); RE_PATCHED=$(patched headline)
RE_MB=$(peak_mb "$WORK/update-headline-time.txt")

echo "== verify" >&2
/usr/bin/time -v "$BIN" verify "$OUT" --pubkey "$OUT/.well-known/samizdat-mirror.pub" 2> "$WORK/verify-time.txt" >&2
VER_S=$(wall_s "$WORK/verify-time.txt")

echo "== Hugo v0.165.0, the same $ARTICLES articles" >&2
HSITE="$WORK/hugo-${ARTICLES}"
if [ ! -f "$HSITE/.complete" ]; then
  rm -rf "$HSITE"
  go run ./scripts/exportbench hugo-site --db "$DB" --out "$HSITE" >&2
  touch "$HSITE/.complete"
fi
rm -rf "$WORK/hugo-public"
( cd "$HSITE" && /usr/bin/time -v "$HUGO" --quiet --destination "$PWD/../hugo-public" ) 2> "$WORK/hugo-time.txt" >&2 || { cat "$WORK/hugo-time.txt" >&2; exit 1; }
HUGO_S=$(wall_s "$WORK/hugo-time.txt")
HUGO_MB=$(peak_mb "$WORK/hugo-time.txt")
HUGO_HTML=$(find "$WORK/hugo-public" -name index.html | wc -l)

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = (dir == "<=") ? (v <= t) : (v >= t); print ok ? "met" : "MISSED" }'; }
EXP_RATE=$(rate "$ARTICLES" "$EXP_S")
HUGO_RATE=$(rate "$ARTICLES" "$HUGO_S")
SPEEDUP=$(ratio "$EXP_RATE" "$HUGO_RATE")
MEMFRAC=$(ratio "$EXP_MB" "$HUGO_MB")

REPORT=$(cat <<MD
## Static export

\`samizdat export\` of the $ARTICLES-article database against Hugo v0.165.0 building the same $ARTICLES
articles as Markdown pages (same text, tags and authors) with a four-item "Read more" list from
its related-content feature (tags, then date) and paginated section, tag and author lists.
Both measured in the same run with \`/usr/bin/time -v\` on $(nproc) cores; articles/s is articles
divided by wall-clock time, which includes every list, feed, sitemap and asset. Produced by
\`BENCH_ARTICLES=$ARTICLES bash scripts/bench-export.sh\` on $(date -u +%Y-%m-%d) (\`make bench\` runs it with
\`BENCH_EXPORT_ARTICLES\`, 10,000 unless set, as Hugo takes over twenty minutes at 100,000).

| figure | samizdat export | Hugo | target | result |
|---|---|---|---|---|
| wall time | ${EXP_S} s | ${HUGO_S} s | | |
| articles/s | $EXP_RATE | $HUGO_RATE | ≥ 2× Hugo | **${SPEEDUP}×**: $(verdict "$SPEEDUP" 2 ">=") |
| peak memory (max RSS) | $EXP_MB MB | $HUGO_MB MB | ≤ 1/4 of Hugo | **${MEMFRAC}**: $(verdict "$MEMFRAC" 0.25 "<=") |
| HTML pages written | $EXP_HTML | $HUGO_HTML | | |
| re-export after one article changed: a new headline on the newest article | ${RE_S} s, $RE_MB MB ($RE_WRITTEN files rewritten, $RE_PATCHED of them patched with the new card) | | < 2 s | $(verdict "$RE_S" 2 "<=") |
| re-export after a correction to its body | ${BODY_S} s ($BODY_W files rewritten) | | < 2 s | $(verdict "$BODY_S" 2 "<=") |
| re-export with nothing changed | ${NONE_S} s | | | |
| \`samizdat verify\` of the export | ${VER_S} s | | | |

The export holds $EXP_FILES files ($EXP_SIZE): HTML pages as directory indexes, feeds, sitemaps,
assets, images, \`manifest.json\` and \`manifest.sig\`.

A re-export is an update: it renders the sitemaps, home page and feeds, the articles saved since
the previous export (told by revision number), and the pages those articles' changes reach. A
new headline on the newest article reaches every page that lists it, here chiefly the "Read
more" lists of the articles sharing a topic with it; those pages get the new card put in place
of the old one in their file instead of being rendered again. A body correction reaches its own
page, the feeds and the sitemap. Each time is the whole \`samizdat export\` process, start-up
included.
MD
)
echo
echo "$REPORT"
DOC=docs/benchmarks.md
touch "$DOC"
# Keep everything before this section, replace the section itself.
awk '/^## Static export$/ { exit } { print }' "$DOC" > "$DOC.tmp"
printf '%s\n' "$REPORT" >> "$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "updated $DOC" >&2
