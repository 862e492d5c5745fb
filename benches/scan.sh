#!/usr/bin/env bash
# Times the source stage alone against `gzip -dc` (the decompression floor)
# on the same corpus, in one run, and prints the ratio and peak memory.
#
# Usage: benches/scan.sh CORPUS_DIR [ROLE_NAME]
# Make a corpus first: benches/gen_corpus.py --out CORPUS_DIR --size-mb 1024
set -euo pipefail

corpus=${1:?usage: benches/scan.sh CORPUS_DIR [ROLE_NAME]}
role=${2:-gha-deploy}
cd "$(dirname "$0")/.."

cargo build --quiet --release --example scan
scan=target/release/examples/scan

measure() {
    # Prints "SECONDS MAX_RSS_KIB" for the command.
    local out
    out=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
    cat "$out"
    rm -f "$out"
}

# Warm the page cache so both runs read from memory.
find "$corpus" -name '*.gz' -print0 | xargs -0 cat >/dev/null

gzip_run=$(measure sh -c "find '$corpus' -name '*.gz' -print0 | xargs -0 gzip -dc")
scan_run=$(measure "$scan" --ignore-case --needle "$role" --require errorCode "$corpus")
all_run=$(measure "$scan" "$corpus")
read -r gzip_s gzip_kib <<<"$gzip_run"
read -r scan_s scan_kib <<<"$scan_run"
read -r all_s all_kib <<<"$all_run"
counts=$("$scan" --ignore-case --needle "$role" --require errorCode "$corpus")

echo "corpus: $corpus ($(du -sh "$corpus" | cut -f1) compressed)"
echo "scan:   $counts"
printf 'gzip -dc:                %6.2f s  %7d KiB\n' "$gzip_s" "$gzip_kib"
printf 'scan, role prefilter:    %6.2f s  %7d KiB  (%.2f x gzip -dc)\n' \
    "$scan_s" "$scan_kib" "$(echo "$scan_s / $gzip_s" | bc -l)"
printf 'scan, parse every record:%6.2f s  %7d KiB  (%.2f x gzip -dc)\n' \
    "$all_s" "$all_kib" "$(echo "$all_s / $gzip_s" | bc -l)"
