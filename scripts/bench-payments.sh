#!/usr/bin/env bash
# Payment webhook ingest: signed Stripe and BTCPay webhooks posted to a real
# server on loopback (SQLite), each stored exactly once with its ledger
# effects before the 200. A BTCPay settlement is also read back from the
# API (a fake checked against BTCPay's own API description), as in
# production. Replaces its section of docs/benchmarks.md (part of make bench).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
go test -run='^$' -bench='WebhookIngest' -benchtime=3s -count=3 ./internal/server/ | tee "$OUT" >&2

# The median of the runs' events/s.
rate() { grep "^$1-" "$OUT" | awk '{ for (i = 1; i <= NF; i++) if ($(i+1) == "events/s") print $i }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "MISSED" }'; }
STRIPE=$(rate BenchmarkWebhookIngest)
BTCPAY=$(rate BenchmarkBTCPayWebhookIngest)
REPORT=$(cat <<MD
| figure | events/s (median of 3) | target: result |
|---|---|---|
| signed Stripe webhook ingest, exactly once | $STRIPE | ≥ 2000: $(verdict "$STRIPE" 2000) |
| signed BTCPay InvoiceSettled ingest, exactly once, each invoice read back from the API | $BTCPAY | ≥ 2000: $(verdict "$BTCPAY" 2000) |
MD
)
echo
echo "$REPORT"
SECTION=$(mktemp)
{
  echo "## Payment webhooks"
  echo
  echo "Produced by \`bash scripts/bench-payments.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d), $(nproc) cores. The server, the client and the BTCPay fake share the machine."
  echo
  echo "$REPORT"
  echo
  echo '```'
  grep -E '^Benchmark' "$OUT"
  echo '```'
} > "$SECTION"
# Drop an earlier run's section, then append this one.
awk '/^## /{ skip = ($0 == "## Payment webhooks") } !skip' docs/benchmarks.md > docs/benchmarks.md.new
mv docs/benchmarks.md.new docs/benchmarks.md
{ echo; cat "$SECTION"; } >> docs/benchmarks.md
rm -f "$SECTION"
echo "wrote the payment webhooks' figures to docs/benchmarks.md" >&2
