#!/usr/bin/env bash
# make bench: the figures the foundation asks for, each against a reference
# measured in the same run on the same machine.
#
#   1. Go benchmarks on a 100,000-article database, page cache off:
#      uncached article, home, RSS, section page, search.
#   2. Start-up time of `samizdat serve` on that database.
#   3. Load on loopback with keep-alive (wrk): a cached article page from
#      samizdat vs nginx serving the very same bytes from disk.
#   4. Resident memory of samizdat after the load.
#   5. The static export against Hugo (scripts/bench-export.sh).
#   6. The two editions, Russian against English (scripts/bench-editions.sh).
#   7. The soak and write-to-visible across nodes (scripts/bench-soak.sh).
#   8. The WordPress import (scripts/bench-import.sh).
#   9. The Ghost Content API's cached posts list (scripts/bench-ghostapi.sh).
#  10. The cached article page while editors autosave (scripts/bench-autosave.sh).
#
# Results go to stdout and to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

ARTICLES="${BENCH_ARTICLES:-100000}"
DURATION="${BENCH_DURATION:-10s}"
CONNS="${BENCH_CONNECTIONS:-64}"
WORK=".bench"
DB="$WORK/${ARTICLES}.db"
PORT_APP=18080
PORT_NGINX=18081
mkdir -p "$WORK"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2 (Debian package)..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
  fi
}
need nginx nginx-light
need wrk wrk

go build -trimpath -o "$WORK/samizdat" ./cmd/samizdat
BIN="$WORK/samizdat"

if [ ! -f "$DB" ]; then
  echo "generating $ARTICLES articles into $DB (once; later runs reuse it)..." >&2
  "$BIN" gen --articles "$ARTICLES" --db "$DB" >&2
fi

echo "== Go benchmarks (page cache off, $ARTICLES articles)" >&2
GOBENCH="$WORK/gobench.txt"
SAMIZDAT_BENCH_DB="$PWD/$DB" go test -run='^$' -bench=. -benchtime=2s -count=1 ./internal/server/ | tee "$GOBENCH" >&2

metric() { # metric BENCHNAME UNIT -> value, from the file $GOBENCH
  awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$GOBENCH"
}

echo "== start-up" >&2
startup_ms() {
  local start end pid
  start=$(date +%s%N)
  "$BIN" serve --db "$DB" --media "$WORK/media" --addr "127.0.0.1:$PORT_APP" --log-level WARN &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT_APP/healthz" >/dev/null 2>&1; do sleep 0.005; done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( (end - start) / 1000000 ))
}
STARTUPS=()
for _ in 1 2 3 4 5; do STARTUPS+=("$(startup_ms)"); done
STARTUP=$(printf '%s\n' "${STARTUPS[@]}" | sort -n | awk 'NR == 3')
echo "start-up median of 5: ${STARTUP} ms (${STARTUPS[*]})" >&2

echo "== load: cached article, samizdat vs nginx" >&2
"$BIN" serve --db "$DB" --media "$WORK/media" --addr "127.0.0.1:$PORT_APP" --log-level WARN &
APP=$!
NGINX_DIR="$PWD/$WORK/nginx"
cleanup() { kill "$APP" 2>/dev/null || true; [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT
until curl -fs "http://127.0.0.1:$PORT_APP/healthz" >/dev/null; do sleep 0.05; done
curl -fs "http://127.0.0.1:$PORT_APP/" -o "$WORK/home.html"
ARTICLE=$(awk 'match($0, /href="\/20[0-9][0-9]\/[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7); exit }' "$WORK/home.html")
URL_APP="http://127.0.0.1:$PORT_APP$ARTICLE"

rm -rf "$NGINX_DIR"; mkdir -p "$NGINX_DIR/root/a" "$NGINX_DIR/tmp"
curl -fs "$URL_APP" -o "$NGINX_DIR/root/a/index.html"
curl -fs -H 'Accept-Encoding: gzip' "$URL_APP" -o "$NGINX_DIR/root/a/index.html.gz"
SIZE_GZ=$(stat -c %s "$NGINX_DIR/root/a/index.html.gz")
SIZE_RAW=$(stat -c %s "$NGINX_DIR/root/a/index.html")
cat > "$NGINX_DIR/nginx.conf" <<NGINX
worker_processes auto;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=100 inactive=60s;
  client_body_temp_path $NGINX_DIR/tmp; proxy_temp_path $NGINX_DIR/tmp;
  fastcgi_temp_path $NGINX_DIR/tmp; uwsgi_temp_path $NGINX_DIR/tmp; scgi_temp_path $NGINX_DIR/tmp;
  types { text/html html; }
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $NGINX_DIR/root;
    gzip_static on;
    location / { etag on; }
  }
}
NGINX
nginx -c "$NGINX_DIR/nginx.conf"
until curl -fs "http://127.0.0.1:$PORT_NGINX/a/" >/dev/null; do sleep 0.05; done
# Both must send the very same compressed bytes.
cmp <(curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT_NGINX/a/") "$NGINX_DIR/root/a/index.html.gz"

run_wrk() { # run_wrk URL -> "rps p50_ms p99_ms"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$1" > "$WORK/wrk.txt"
  awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    END { printf "%.0f %.3f %.3f\n", rps, ms(p50), ms(p99) }' "$WORK/wrk.txt"
}
curl -fs -H 'Accept-Encoding: gzip' "$URL_APP" >/dev/null # warm the page cache
wrk -t2 -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "$URL_APP" >/dev/null # warm up
read -r APP_RPS APP_P50 APP_P99 < <(run_wrk "$URL_APP")
wrk -t2 -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT_NGINX/a/" >/dev/null
read -r NG_RPS NG_P50 NG_P99 < <(run_wrk "http://127.0.0.1:$PORT_NGINX/a/")
RSS_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$APP/status")
RSS_MB=$(( RSS_KB / 1024 ))
RATIO=$(awk -v a="$APP_RPS" -v n="$NG_RPS" 'BEGIN { printf "%.2f", a / n }')

kill "$APP" 2>/dev/null || true
wait "$APP" 2>/dev/null || true

echo "== PostgreSQL: the same figures on the same content" >&2
eval "$(bash scripts/test-postgres.sh start)"
PGNAME="samizdat_bench_${ARTICLES}"
PGURL="${SAMIZDAT_TEST_POSTGRES/\/postgres\?//$PGNAME?}"
have=$(psql "$SAMIZDAT_TEST_POSTGRES" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGNAME'" || true)
count=0
if [ "$have" = 1 ]; then count=$(psql "$PGURL" -tAc "SELECT count(*) FROM articles" 2>/dev/null || echo 0); fi
if [ "$count" != "$ARTICLES" ]; then
  echo "copying the $ARTICLES-article site into PostgreSQL database $PGNAME (once)..." >&2
  psql "$SAMIZDAT_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $PGNAME" -c "CREATE DATABASE $PGNAME" >&2
  if "$BIN" help 2>&1 | grep -q migrate-db; then
    "$BIN" migrate-db --from "$DB" --to "$PGURL" >&2
  else
    "$BIN" gen --articles "$ARTICLES" --db "$PGURL" >&2
  fi
fi
PGBENCH="$WORK/gobench-pg.txt"
SAMIZDAT_BENCH_DB="$PGURL" go test -run='^$' -bench='ArticleUncached|HomeUncached|Search|AdminArticleList|EditorOpen' -benchtime=2s -count=1 ./internal/server/ | tee "$PGBENCH" >&2
SAMIZDAT_BENCH_POSTGRES="$SAMIZDAT_TEST_POSTGRES" go test -run='^$' -bench=PublishToOtherNode -benchtime=100x -count=1 ./internal/server/ | tee -a "$PGBENCH" >&2
"$BIN" serve --db "$PGURL" --media "$WORK/media" --addr "127.0.0.1:$PORT_APP" --log-level WARN &
APP=$!
until curl -fs "http://127.0.0.1:$PORT_APP/healthz" >/dev/null; do sleep 0.05; done
curl -fs "http://127.0.0.1:$PORT_APP/" -o "$WORK/home-pg.html"
PG_ARTICLE=$(awk 'match($0, /href="\/20[0-9][0-9]\/[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7); exit }' "$WORK/home-pg.html")
curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT_APP$PG_ARTICLE" >/dev/null
wrk -t2 -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT_APP$PG_ARTICLE" >/dev/null
read -r PG_RPS PG_P50 PG_P99 < <(run_wrk "http://127.0.0.1:$PORT_APP$PG_ARTICLE")
kill "$APP"; wait "$APP" 2>/dev/null || true
pgmetric() { GOBENCH="$PGBENCH" metric "$@"; }
PG_ART_P50=$(pgmetric BenchmarkArticleUncached p50-µs)
PG_HOME_P50=$(pgmetric BenchmarkHomeUncached p50-µs)
PG_SEARCH_P50=$(pgmetric BenchmarkSearch p50-µs)
PROP_MED=$(pgmetric BenchmarkPublishToOtherNode median-ms)
PROP_WORST=$(pgmetric BenchmarkPublishToOtherNode worst-ms)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

ART_P50=$(metric BenchmarkArticleUncached p50-µs)
HOME_P50=$(metric BenchmarkHomeUncached p50-µs)
RSS_P50=$(metric BenchmarkRSSUncached p50-µs)
SEC_P50=$(metric BenchmarkSectionPageUncached p50-µs)
SEARCH_P50=$(metric BenchmarkSearch p50-µs)
WEBHOOK_RATE=$(metric BenchmarkWebhookIngest events/s)
# kinds: a table row per kind of query of BenchmarkSearchKinds, both engines.
kinds() {
  local k what l50 l99 p50 p99
  for k in words word phrase rare prefix prefix-long; do
    case $k in
      words) what='two common words (`court election`)' ;;
      word) what='one common word (`energy`)' ;;
      phrase) what='a phrase (`"border village"`)' ;;
      rare) what='a rarer word (`niselpel`)' ;;
      prefix) what='a prefix (`gov*`)' ;;
      prefix-long) what='a longer prefix (`electi*`)' ;;
    esac
    l50=$(metric "BenchmarkSearchKinds/$k" p50-µs); l99=$(metric "BenchmarkSearchKinds/$k" p99-µs)
    p50=$(pgmetric "BenchmarkSearchKinds/$k" p50-µs); p99=$(pgmetric "BenchmarkSearchKinds/$k" p99-µs)
    echo "| $what | $l50 / $l99 µs | $p50 / $p99 µs | $(both "$l50" "$l99") / $(both "$p50" "$p99") |"
  done
}
both() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "not measured"; else print (a <= 5000 && b <= 25000) ? "met" : "MISSED" }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = (dir == "<") ? (v < t) : (v >= t); print ok ? "met" : "MISSED" }'; }

REPORT=$(cat <<MD
| figure | SQLite | PostgreSQL | reference / target | result |
|---|---|---|---|---|
| cached article page, requests/s (wrk, $CONNS conns, $DURATION) | $APP_RPS | $PG_RPS | nginx, same bytes: $NG_RPS | SQLite **${RATIO}×** nginx, PostgreSQL **$(ratio "$PG_RPS" "$NG_RPS")×** (target ≥ 0.8×): $(verdict "$RATIO" 0.8 ">=") / $(verdict "$(ratio "$PG_RPS" "$NG_RPS")" 0.8 ">=") |
| cached article page, p50 / p99 latency | ${APP_P50} / ${APP_P99} ms | ${PG_P50} / ${PG_P99} ms | nginx: ${NG_P50} / ${NG_P99} ms | |
| uncached article render, median | ${ART_P50} µs | ${PG_ART_P50} µs | < 1000 µs; PostgreSQL within 2× of SQLite | $(verdict "$ART_P50" 1000 "<"); PostgreSQL $(ratio "$PG_ART_P50" "$ART_P50")×: $(verdict "$(ratio "$PG_ART_P50" "$ART_P50")" 2 "<") |
| uncached home page, median | ${HOME_P50} µs | ${PG_HOME_P50} µs | < 5000 µs | $(verdict "$HOME_P50" 5000 "<") |
| search, median | ${SEARCH_P50} µs | ${PG_SEARCH_P50} µs | PostgreSQL within 2× of SQLite | $(ratio "$PG_SEARCH_P50" "$SEARCH_P50")×: $(verdict "$(ratio "$PG_SEARCH_P50" "$SEARCH_P50")" 2 "<") |
| uncached RSS (20 full-text items), median | ${RSS_P50} µs | | — | |
| uncached section page, median | ${SEC_P50} µs | | — | |
| publish on one node → visible on another, 100 publishes | | median ${PROP_MED} ms, worst ${PROP_WORST} ms | within 1 s | $(verdict "$PROP_WORST" 1000 "<") |
| signed Stripe webhook ingest on loopback, exactly-once (inbox + ledger in one transaction) | ${WEBHOOK_RATE} events/s | | ≥ 2000 events/s | $(verdict "$WEBHOOK_RATE" 2000 ">=") |
| start-up on the database, median of 5 | ${STARTUP} ms | | < 1000 ms | $(verdict "$STARTUP" 1000 "<") |
| resident memory after the load (VmHWM) | ${RSS_MB} MB | | < 150 MB | $(verdict "$RSS_MB" 150 "<") |

Search by kind of query, uncached (p50 / p99; the target is p50 ≤ 5 ms and p99 ≤ 25 ms on both engines):

| query | SQLite | PostgreSQL | result |
|---|---|---|---|
$(kinds)

The newsroom's admin at $ARTICLES articles (server time, p50; target < 50 ms):

| page | SQLite | PostgreSQL | result |
|---|---|---|---|
| article list (first pages and a filtered one) | $(metric BenchmarkAdminArticleList p50-µs) µs | $(pgmetric BenchmarkAdminArticleList p50-µs) µs | $(verdict "$(metric BenchmarkAdminArticleList p50-µs)" 50000 "<") / $(verdict "$(pgmetric BenchmarkAdminArticleList p50-µs)" 50000 "<") |
| editor open | $(metric BenchmarkEditorOpen p50-µs) µs | $(pgmetric BenchmarkEditorOpen p50-µs) µs | $(verdict "$(metric BenchmarkEditorOpen p50-µs)" 50000 "<") / $(verdict "$(pgmetric BenchmarkEditorOpen p50-µs)" 50000 "<") |

Article page: ${SIZE_RAW} bytes of HTML, ${SIZE_GZ} bytes gzip-compressed. Database: $ARTICLES articles, SQLite file $(du -h "$DB" | cut -f1).
PostgreSQL 15 runs on the same machine as a throwaway cluster made by scripts/test-postgres.sh (fsync off, as for tests).
MD
)
echo
echo "$REPORT"

{
  cat <<MD
# Benchmarks

Produced by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(go version | cut -d' ' -f3).
wrk and the server share the machine; nginx is measured in the same run, serving
the very same compressed bytes from disk with \`gzip_static\`, keep-alive, no access log.

$REPORT

Go benchmark output (page cache off, every request renders from the database), SQLite then PostgreSQL:

\`\`\`
$(grep -E '^(Benchmark|goos|goarch|cpu)' "$GOBENCH")
$(grep -E '^Benchmark' "$PGBENCH")
\`\`\`
MD
} > docs/benchmarks.md
echo "wrote docs/benchmarks.md" >&2

# The static export against Hugo: appends its section to docs/benchmarks.md.
# It runs at 10,000 articles unless BENCH_EXPORT_ARTICLES says otherwise:
# at 100,000 Hugo alone takes over twenty minutes (the export under two).
BENCH_ARTICLES="${BENCH_EXPORT_ARTICLES:-10000}" bash scripts/bench-export.sh
# The donation prompts' figure (reader revenue I), appended as its own section.
bash scripts/bench-prompts.sh
# Brotli and zstd against gzip and against the code before them
# (BENCH_BASELINE), as their own section.
bash scripts/bench-compress.sh
# The two editions: Russian pages and search against English ones.
BENCH_ARTICLES="$ARTICLES" bash scripts/bench-editions.sh
# The cached article page alone and while 20 editors autosave drafts of it
# and of others, as its own section.
BENCH_ARTICLES="$ARTICLES" bash scripts/bench-autosave.sh
# Payment webhooks (Stripe and BTCPay), as their own section.
bash scripts/bench-payments.sh
# Backup and restore of the site, as their own section.
BENCH_ARTICLES="$ARTICLES" bash scripts/bench-backup.sh
# The WordPress import (10,000 posts and 40,000), as its own section.
bash scripts/bench-import.sh
# The Ghost Content API's cached posts list, as its own section.
bash scripts/bench-ghostapi.sh
# Soak (10 minutes at half saturation over 1,000 URLs) and write-to-visible
# across two nodes from the CLI, as their own section.
BENCH_ARTICLES="$ARTICLES" bash scripts/bench-soak.sh
