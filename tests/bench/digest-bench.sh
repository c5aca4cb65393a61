#!/bin/bash
# SPDX-License-Identifier: MIT
# The digest and the report over a big store.
#
#   tests/bench/digest-bench.sh [-m TICKETS] [-r RUNS] [-b BINARY] [-s DIR]
#       [-k DIR [-F]]
#
# Fills a store with TICKETS (default 1000000) tickets with `maildesk
# import` as import-bench.sh does (smaller mails: the digest reads no
# body), all of them open and unassigned in queue support, which has two
# agents; 100 tickets are given to each agent.  That is the digest's worst
# case: every ticket is open, so every one is relevant (resolved and
# closed tickets are not in the open-tickets index and cost nothing).
# Then the median wall time of RUNS (default 5) runs of
# `digest --dry-run` (lists and renders both mails) and of `digest`
# (queues them), beside the same on a store of 210 tickets made in the same
# run (the baseline), and one `report` of the last week.
# -s DIR uses the store DIR (config DIR.conf) kept by an earlier run (or
# by import-bench.sh -k) instead of filling one; -k DIR keeps the store,
# and -F stops once it is filled (to time it later with -s, for instance
# under a lock that keeps other benchmarks off the machine).
# A script, not a test: timings are never asserted.
set -eu

M=1000000 RUNS=5 REUSE="" KEEP="" FILL_ONLY=""
MD=$(cd "$(dirname "$0")/../.." && pwd)/build/maildesk
. "$(dirname "$0")/bench-lib.sh"
while getopts m:r:b:s:k:F opt; do
	case $opt in
	m) M=$OPTARG ;; r) RUNS=$OPTARG ;; b) MD=$OPTARG ;; s) REUSE=$OPTARG ;;
	k) KEEP=$OPTARG ;; F) FILL_ONLY=1 ;;
	*) exit 64 ;;
	esac
done
if [ -n "$KEEP" ] && [ -e "$KEEP" ]; then
	echo "digest-bench: $KEEP exists" >&2
	exit 64
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-dbench.XXXXXX")
trap 'rm -rf "$W"' EXIT

body='Lorem ipsum dolor sit amet, consectetur adipiscing elit.'
# fill DIR COUNT PREFIX: a Maildir of COUNT distinct small mails.
fill() {
	mkdir -p "$1/cur" "$1/new" "$1/tmp"
	awk -v dir="$1/cur" -v n="$2" -v pfx="$3" -v body="$body" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = sprintf("%s/%d.bench:2,S", dir, 1000000000 + i)
			printf "From: Customer %d <c%d@example.net>\nTo: support@example.com\nSubject: Request %s%d\nDate: Mon, 02 Mar 2026 10:00:00 +0100\nMessage-ID: <%s%d@example.net>\n\n%s\n", \
			    i % 5000, i % 5000, pfx, i, pfx, i, body > f
			close(f)
		}
	}'
}
conf() {
	bench_conf "$1" "$MD"
	"$MD" -c "$1.conf" agent add agent1@example.com --queue support \
	    > /dev/null
	"$MD" -c "$1.conf" agent add agent2@example.com --queue support \
	    > /dev/null
}
# assign STORE: 100 tickets to each agent.
assign() {
	for i in $(seq 1 100); do
		"$MD" -c "$1.conf" ticket set "$i" owner agent1@example.com
		"$MD" -c "$1.conf" ticket set "$((i + 100))" owner \
		    agent2@example.com
	done > /dev/null
}
# median STORE ARGS...: median ms of RUNS runs of maildesk ARGS.
median() {
	_s=$1
	shift
	for ((i = 0; i < RUNS; i++)); do
		s=$EPOCHREALTIME
		"$MD" -c "$_s.conf" "$@" > /dev/null
		e=$EPOCHREALTIME
		echo "($e - $s) * 1000" | bc -l
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'
}

conf "$W/small"
fill "$W/ten" 210 ten
"$MD" -c "$W/small.conf" import maildir "$W/ten" > /dev/null
assign "$W/small"
if [ -n "$REUSE" ]; then
	BIG=$REUSE
else
	BIG=${KEEP:-$W/big}
	conf "$BIG"
	done_n=0
	while [ "$done_n" -lt "$M" ]; do
		chunk=$(( M - done_n < 50000 ? M - done_n : 50000 ))
		rm -rf "$W/chunk"
		fill "$W/chunk" "$chunk" "big$done_n."
		"$MD" -c "$BIG.conf" import maildir "$W/chunk" > /dev/null
		done_n=$((done_n + chunk))
		echo "digest-bench: $done_n tickets" >&2
	done
	rm -rf "$W/chunk"
	assign "$BIG"
	if [ -n "$FILL_ONLY" ]; then
		echo "digest-bench: store kept in $BIG" >&2
		exit 0
	fi
fi
open=$("$MD" -c "$BIG.conf" -v digest --agent agent1@example.com \
    --dry-run | grep -c '^#' || true)
sd=$(median "$W/small" digest --dry-run)
bd=$(median "$BIG" digest --dry-run)
sq=$(median "$W/small" digest)
bq=$(median "$BIG" digest)
s=$EPOCHREALTIME
"$MD" -c "$BIG.conf" report --json > /dev/null
e=$EPOCHREALTIME
rep=$(echo "($e - $s) * 1000" | bc -l)
printf '| measure (median of %d) | 210 tickets | %d tickets | ratio |\n' "$RUNS" "$M"
printf '|---|---:|---:|---:|\n'
printf '| digest --dry-run | %s ms | %s ms | %.1f |\n' "$sd" "$bd" "$(echo "$bd / $sd" | bc -l)"
printf '| digest (queues 2 mails) | %s ms | %s ms | %.1f |\n' "$sq" "$bq" "$(echo "$bq / $sq" | bc -l)"
printf '| report --json (once) | | %.0f ms | |\n' "$rep"
printf '\n%s tickets listed in agent1'"'"'s digest (at most [digest] max-tickets).\n' "$open"
