#!/bin/bash
# SPDX-License-Identifier: MIT
# Import throughput and deliver latency against store size.
#
#   tests/bench/import-bench.sh [-n MAILS] [-m TICKETS] [-r RUNS] [-b BINARY]
#       [-k DIR]
#
# 1. `maildesk import maildir` of MAILS (default 10000) 4 KB mails: mails/s.
# 2. Median wall time of RUNS (default 30) 4 KB deliveries into a store of 10
#    tickets and into one of TICKETS (default 100000; -m 1000000 for the
#    million, which takes some minutes to fill), both filled with import.
# -k DIR keeps the big store in DIR (its config in DIR.conf), for
# backup-bench.sh; DIR must not exist.
# A script, not a test: timings are never asserted.  The big store takes
# about 12 KB of disk per ticket (the raw mail, its parsed record, indexes).
set -eu

N=10000 M=100000 RUNS=30 KEEP=""
MD=$(cd "$(dirname "$0")/../.." && pwd)/build/maildesk
. "$(dirname "$0")/bench-lib.sh"
while getopts n:m:r:b:k: opt; do
	case $opt in
	n) N=$OPTARG ;; m) M=$OPTARG ;; r) RUNS=$OPTARG ;; b) MD=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	*) exit 64 ;;
	esac
done
if [ -n "$KEEP" ] && [ -e "$KEEP" ]; then
	echo "import-bench: $KEEP exists" >&2
	exit 64
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-ibench.XXXXXX")
trap 'rm -rf "$W"' EXIT

body=$(printf 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. %.0s' $(seq 60) | head -c 3500)
# fill DIR COUNT PREFIX: a Maildir of COUNT distinct 4 KB mails (awk
# writes them: a shell loop is far too slow for a million).
fill() {
	mkdir -p "$1/cur" "$1/new" "$1/tmp"
	awk -v dir="$1/cur" -v n="$2" -v pfx="$3" -v body="$body" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = sprintf("%s/%d.bench:2,S", dir, 1000000000 + i)
			printf "From: Customer %d <c%d@example.net>\nTo: support@example.com\nSubject: Request %d\nDate: Mon, 02 Mar 2026 10:00:00 +0100\nMessage-ID: <%s%d@example.net>\n\n%s\n", \
			    i % 5000, i % 5000, i, pfx, i, body > f
			close(f)
		}
	}'
}
conf() { bench_conf "$1" "$MD"; }
now() { date +%s.%N; }

echo "import-bench: writing $N mails" >&2
fill "$W/mails" "$N" imp
conf "$W/s1"
t0=$(now)
"$MD" -c "$W/s1.conf" import maildir "$W/mails" > /dev/null
t1=$(now)
rate=$(echo "$N / ($t1 - $t0)" | bc -l)

# median_deliver STORE: median ms of RUNS deliveries of distinct mails.
median_deliver() {
	for ((i = 0; i < RUNS; i++)); do
		printf 'From: Late Customer <late%d@example.org>\nTo: support@example.com\nSubject: Late %d\nMessage-ID: <late%d.%s@example.org>\n\n%s\n' \
		    "$i" "$i" "$i" "$RANDOM" "$body" > "$W/late.eml"
		s=$EPOCHREALTIME
		"$MD" -c "$1.conf" deliver --recipient support@example.com < "$W/late.eml"
		e=$EPOCHREALTIME
		echo "($e - $s) * 1000" | bc -l
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'
}

conf "$W/small"
fill "$W/ten" 10 ten
"$MD" -c "$W/small.conf" import maildir "$W/ten" > /dev/null
echo "import-bench: filling a store with $M tickets" >&2
rm -rf "$W/mails"
BIG=${KEEP:-$W/big}
conf "$BIG"
done_n=0
while [ "$done_n" -lt "$M" ]; do
	chunk=$(( M - done_n < 50000 ? M - done_n : 50000 ))
	rm -rf "$W/chunk"
	fill "$W/chunk" "$chunk" "big$done_n."
	"$MD" -c "$BIG.conf" import maildir "$W/chunk" > /dev/null
	done_n=$((done_n + chunk))
	echo "import-bench: $done_n tickets" >&2
done
small=$(median_deliver "$W/small")
big=$(median_deliver "$BIG")
printf '| measure | value |\n|---|---:|\n'
printf '| import of %d 4 KB mails | %.0f mails/s |\n' "$N" "$rate"
printf '| deliver, store of 10 tickets (median of %d) | %s ms |\n' "$RUNS" "$small"
printf '| deliver, store of %d tickets (median of %d) | %s ms |\n' "$M" "$RUNS" "$big"
printf '| growth | %.0f %% |\n' "$(echo "($big / $small - 1) * 100" | bc -l)"
