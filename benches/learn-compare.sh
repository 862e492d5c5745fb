#!/usr/bin/env bash
# Times `trailgrant learn` against `gzip -dc` (the decompression floor), a
# jq selection of the role's denied records, and, when it is installed,
# trailscraper 0.10 (`select` + `generate`), on the same corpus in one run,
# and prints the ratios and peak memory.
#
# Usage: benches/learn-compare.sh CORPUS_DIR [ROLE_ARN]
# Make a corpus first: benches/gen_corpus.py --out CORPUS_DIR --size-mb 1024
# The time window given to both tools is FROM..TO (default: the days
# gen_corpus.py writes).
set -euo pipefail
corpus=${1:?usage: benches/learn-compare.sh CORPUS_DIR [ROLE_ARN]}
role=${2:-arn:aws:iam::111122223333:role/gha-deploy}
from=${FROM:-2026-11-20T00:00:00Z}
to=${TO:-2026-11-23T00:00:00Z}
cd "$(dirname "$0")/.."
cargo build --quiet --release
trailgrant=target/release/trailgrant

measure() {
    # Prints "SECONDS MAX_RSS_KIB" for the command. Each call has its own
    # file: the caller reads the line before this subshell removes it.
    local out
    out=$(mktemp)
    /usr/bin/time -q -f "%e %M" -o "$out" "$@" >/dev/null || true
    cat "$out"
    rm -f "$out"
}

find "$corpus" -name '*.gz' -print0 | xargs -0 cat >/dev/null
read -r gzip_s gzip_kib < <(measure sh -c "find '$corpus' -name '*.gz' -print0 | xargs -0 gzip -dc")
read -r learn_s learn_kib < <(measure sh -c "'$trailgrant' learn --events '$corpus' --role '$role' --start '$from' --end '$to' --output json >/dev/null")
jq_filter='.Records[] | select(.errorCode != null and .userIdentity.sessionContext.sessionIssuer.arn == $role)'
read -r jq_s jq_kib < <(measure sh -c "find '$corpus' -name '*.gz' -print0 | xargs -0 gzip -dc | jq -c --arg role '$role' '$jq_filter'")
printf 'gzip -dc:          %7.2f s  %7d KiB\n' "$gzip_s" "$gzip_kib"
printf 'trailgrant learn:  %7.2f s  %7d KiB  (%.2f x gzip -dc)\n' "$learn_s" "$learn_kib" "$(echo "$learn_s / $gzip_s" | bc -l)"
printf 'gzip -dc | jq:     %7.2f s  %7d KiB  (%.2f x trailgrant)\n' "$jq_s" "$jq_kib" "$(echo "$jq_s / $learn_s" | bc -l)"
if command -v trailscraper >/dev/null 2>&1; then
    read -r ts_s ts_kib < <(measure sh -c "trailscraper select --log-dir '$corpus' --filter-assumed-role-arn '$role' --from '$from' --to '$to' | trailscraper generate")
    printf 'trailscraper:      %7.2f s  %7d KiB  (%.1f x trailgrant)\n' "$ts_s" "$ts_kib" "$(echo "$ts_s / $learn_s" | bc -l)"
else
    echo "trailscraper: not installed (pip install trailscraper==0.10.0 to compare)"
fi
