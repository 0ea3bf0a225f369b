#!/usr/bin/env bash
# Lighthouse scores of the demo site's pages, phone and desktop.
#
#   bash scripts/lighthouse.sh            # prints a Markdown table
#
# Installs the pinned Lighthouse into .tools/ (npm) when it is missing,
# builds samizdat, serves the demo on a throwaway SQLite database on
# loopback, and audits the home page, an English article, a Russian
# article, the support page and a search, each as a phone (Lighthouse's
# default mobile emulation) and as a desktop. Needs node, npm and a
# Chromium (CHROME_PATH, default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

LH_VERSION=12.2.3
LH=.tools/node_modules/.bin/lighthouse
if [ ! -x "$LH" ] || ! grep -q "\"version\": \"$LH_VERSION\"" .tools/node_modules/lighthouse/package.json 2>/dev/null; then
  npm i -E --no-audit --no-fund --prefix .tools "lighthouse@$LH_VERSION" >&2
fi
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/samizdat" ./cmd/samizdat
port="${LH_PORT:-18473}"
base="http://127.0.0.1:$port"
"$work/samizdat" serve --demo --addr "127.0.0.1:$port" --db "$work/db" --base-url "$base" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

# The newest English and Russian articles, read from the feeds.
en="$(curl -fsS "$base/feed.xml" | grep -o '<link>[^<]*/[0-9]\{4\}/[^<]*</link>' | head -n 1 | sed 's/<[^>]*>//g')"
ru="$(curl -fsS "$base/ru/feed.xml" | grep -o '<link>[^<]*/[0-9]\{4\}/[^<]*</link>' | head -n 1 | sed 's/<[^>]*>//g')"
pages=("home|$base/" "article|$en" "Russian article|$ru" "support|$base/support" "search|$base/search" "search results (noindex)|$base/search?q=election")

flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
echo "| page | form factor | performance | accessibility | best practices | SEO |"
echo "|---|---|---|---|---|---|"
for entry in "${pages[@]}"; do
  name="${entry%%|*}"
  url="${entry#*|}"
  for ff in mobile desktop; do
    extra=()
    [ "$ff" = desktop ] && extra=(--preset=desktop)
    out="$work/report-$ff.json"
    "$LH" "$url" --quiet --output=json --output-path="$out" --chrome-flags="$flags" \
      --only-categories=performance,accessibility,best-practices,seo "${extra[@]}" >/dev/null 2>"$work/lh.err" || {
      echo "lighthouse failed on $url ($ff):" >&2; tail -n 20 "$work/lh.err" >&2; exit 1; }
    node -e '
      const r = require(process.argv[1]);
      const c = r.categories, s = k => Math.round(c[k].score * 100);
      const bad = [];
      for (const k of Object.keys(c)) for (const ref of c[k].auditRefs) {
        const a = r.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) bad.push(ref.id);
      }
      console.log(`| ${process.argv[2]} | ${process.argv[3]} | ${s("performance")} | ${s("accessibility")} | ${s("best-practices")} | ${s("seo")} |` +
        (bad.length ? ` <!-- below 1: ${bad.join(", ")} -->` : ""));
    ' "$out" "$name" "$ff"
  done
done
