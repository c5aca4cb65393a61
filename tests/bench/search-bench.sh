#!/bin/bash
# SPDX-License-Identifier: MIT
# Full-text search at scale: import rate with indexing on, index size, and
# search latency for one-word, two-word and phrase queries.
#
#   tests/bench/search-bench.sh [-m TICKETS] [-q QUERIES] [-c CHUNK]
#       [-w DIR] [-b BINARY] [-B BASELINE] [-l LATENCY] [-k]
#
# 1. A store of TICKETS (default 100000) tickets, filled as
#    import-bench.sh fills its big store (4 KB mails from 5,000 customers,
#    imported CHUNK at a time, default 50000), but with text to search:
#    the body is ~3,500 bytes of words drawn from a vocabulary of 200,000
#    with Zipf's law (frequent German or English words first, then made-up
#    ones), a made-up product code, and dates over three years.  The rate
#    of `maildesk import` with indexing on, over all chunks; with -B, the
#    first chunk is imported by BASELINE too (a maildesk without search)
#    into a store of its own, for the ratio.
# 2. The size of the search index against the mail stored.
# 3. QUERIES (default 200) searches of each kind, timed in one process by
#    search-latency (-l, default build/tests/search-latency), median and
#    99th percentile: one word (ranks drawn log-uniformly, frequent and
#    rare alike), two words of one mail, a phrase of two words of one
#    mail; the queries come from every TICKETS/QUERIES-th mail.  Then 50
#    one-word searches through the `maildesk search` command, start-up
#    included.
# A script, not a test: timings are never asserted.  Put the work dir on
# a disk with room (-w): a million tickets take about 20 GB while the
# store is filled.  The work dir is removed at the end unless -k.
set -eu

M=100000 Q=200 CHUNK=50000 WORK=${TMPDIR:-/tmp} KEEP=no BASE=""
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/bench-lib.sh"
MD=$TOP/build/maildesk
LAT=$TOP/build/tests/search-latency
while getopts m:q:c:w:b:B:l:k opt; do
	case $opt in
	m) M=$OPTARG ;; q) Q=$OPTARG ;; c) CHUNK=$OPTARG ;; w) WORK=$OPTARG ;;
	b) MD=$OPTARG ;; B) BASE=$OPTARG ;; l) LAT=$OPTARG ;; k) KEEP=yes ;;
	*) exit 64 ;;
	esac
done
[ -x "$MD" ] || { echo "search-bench: no $MD (build first)" >&2; exit 69; }
[ -x "$LAT" ] || { echo "search-bench: no $LAT (build first)" >&2; exit 69; }
W=$(mktemp -d "$WORK/maildesk-sbench.XXXXXX")
[ "$KEEP" = yes ] || trap 'rm -rf "$W"' EXIT
say() { echo "search-bench: $*" >&2; }
now() { date +%s.%N; }

conf() { bench_conf "$1" "$2" 137438953472; }	# STORE BINARY

# fill DIR FIRST COUNT: a Maildir of mails FIRST..FIRST+COUNT-1; every
# EVERY-th mail also gives a two-word query and a phrase ($W/two, $W/phrase).
EVERY=$(( M / Q > 0 ? M / Q : 1 ))
fill() {
	mkdir -p "$1/cur" "$1/new" "$1/tmp"
	awk -v dir="$1/cur" -v first="$2" -v n="$3" -v every="$EVERY" \
	    -v one="$W/one" -v two="$W/two" -v phrase="$W/phrase" \
	    -f "$TOP/tests/bench/gen-mail.awk"
}

# --- 1. Import, indexing on --------------------------------------------
conf "$W/big" "$MD"
done_n=0 import_s=0 raw_bytes=0
while [ "$done_n" -lt "$M" ]; do
	chunk=$(( M - done_n < CHUNK ? M - done_n : CHUNK ))
	rm -rf "$W/chunk"
	fill "$W/chunk" "$done_n" "$chunk"
	raw_bytes=$(( raw_bytes + $(du -sb "$W/chunk/cur" | cut -f1) - 4096 ))
	if [ -n "$BASE" ] && [ "$done_n" -eq 0 ]; then
		conf "$W/base" "$BASE"
		t0=$(now)
		"$BASE" -c "$W/base.conf" import maildir "$W/chunk" > /dev/null
		t1=$(now)
		base_rate=$(echo "$chunk / ($t1 - $t0)" | bc -l)
		rm -rf "$W/base" "$W/base.conf"
	fi
	t0=$(now)
	"$MD" -c "$W/big.conf" import maildir "$W/chunk" > /dev/null
	t1=$(now)
	[ "$done_n" -eq 0 ] && first_rate=$(echo "$chunk / ($t1 - $t0)" | bc -l)
	import_s=$(echo "$import_s + $t1 - $t0" | bc -l)
	done_n=$((done_n + chunk))
	say "$done_n tickets imported and indexed"
done
rm -rf "$W/chunk"
rate=$(echo "$M / $import_s" | bc -l)

# --- 2. Sizes -------------------------------------------------------------
S=$W/big
index_bytes=$(du -sb "$S"/search-* | awk '{ s += $1 } END { printf "%.0f", s }')
store_bytes=$(stat -c %s "$S/data.mdb")
"$MD" -c "$W/big.conf" check > "$W/check" 2>&1 ||
    { cat "$W/check"; echo "search-bench: check failed" >&2; exit 1; }

# --- 3. Latency -------------------------------------------------------------
head -n "$Q" "$W/one" > "$W/one.q"
head -n "$Q" "$W/two" > "$W/two.q"
head -n "$Q" "$W/phrase" > "$W/phrase.q"
# Warm the page cache the way a running system would have it: a desk
# that searches keeps its index in memory (read once here), and has
# searched before.  Right after the import much of it is not: then the
# first searches wait for the disk (see the README).
cat "$S"/search-* > /dev/null
tail -n 20 "$W/one" | "$LAT" "$W/big.conf" > /dev/null
stats() {	# FILE: "median p99 mean-results" of the timings
	sort -n -k1,1 "$1" | awk '{ t[NR] = $1; r += $2 } END {
		m = t[int((NR + 1) / 2)]; p = t[int(NR * 0.99 + 0.999)]
		printf "%.2f %.2f %.1f", m, p, r / NR }'
}
for kind in one.q two.q phrase.q; do
	"$LAT" "$W/big.conf" < "$W/$kind" > "$W/$kind.times"
done
# Through the command: start-up, catch-up check, query, output.
head -n 50 "$W/one.q" | while read -r word; do
	s=$EPOCHREALTIME
	"$MD" -c "$W/big.conf" search --json "$word" > /dev/null
	e=$EPOCHREALTIME
	echo "($e - $s) * 1000" | bc -l
done > "$W/cmd.times"

read -r m1 p1 r1 <<< "$(stats "$W/one.q.times")"
read -r m2 p2 r2 <<< "$(stats "$W/two.q.times")"
read -r m3 p3 r3 <<< "$(stats "$W/phrase.q.times")"
read -r mc pc rc <<< "$(awk '{ print $1, 0 }' "$W/cmd.times" > "$W/cmd2"; stats "$W/cmd2")"
mb() { echo "scale=1; $1 / 1048576" | bc; }
printf '| measure (%d tickets) | value |\n|---|---:|\n' "$M"
printf '| import with indexing, all chunks | %.0f mails/s |\n' "$rate"
printf '| import with indexing, first chunk of %d | %.0f mails/s |\n' \
    "$(( M < CHUNK ? M : CHUNK ))" "$first_rate"
[ -n "$BASE" ] && printf '| import without search (-B), same chunk | %.0f mails/s (ratio %.2f) |\n' \
    "$base_rate" "$(echo "$first_rate / $base_rate" | bc -l)"
printf '| mail imported (raw) | %s MB |\n' "$(mb "$raw_bytes")"
printf '| store file data.mdb | %s MB |\n' "$(mb "$store_bytes")"
printf '| search index | %s MB (%.2f x the raw mail) |\n' \
    "$(mb "$index_bytes")" "$(echo "$index_bytes / $raw_bytes" | bc -l)"
printf '| one word: median / p99 (mean results) | %s / %s ms (%s) |\n' "$m1" "$p1" "$r1"
printf '| two words: median / p99 (mean results) | %s / %s ms (%s) |\n' "$m2" "$p2" "$r2"
printf '| phrase: median / p99 (mean results) | %s / %s ms (%s) |\n' "$m3" "$p3" "$r3"
printf '| `maildesk search --json` one word, whole command: median / p99 | %s / %s ms |\n' "$mc" "$pc"
