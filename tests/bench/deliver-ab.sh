#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# deliver-ab.sh - two maildesk binaries, one 4 KB text mail each turn,
# interleaved (A B, B A, ...) so that whatever else the machine does hits
# both alike; prints the median wall time of each and B/A.  For "did this
# change make deliver slower" on a busy machine, where two runs of
# deliver-bench.sh minutes apart differ by more than the change.
#
# Usage: tests/bench/deliver-ab.sh [-n RUNS] [-a] A-BINARY B-BINARY
#   -n RUNS  deliveries per binary (default 300)
#   -a       acknowledge every mail (no rate limit); by default the limit
#            of 3 per hour leaves all but the first three without one
#   -s       with service levels (first response, next update, solution):
#            each new ticket gets its clocks and due index entries
# Not a test; not registered with ctest.  Needs bash >= 5 (EPOCHREALTIME).

set -euo pipefail
export LC_ALL=C

N=300
ACK=0
SLA=0
while getopts n:as opt; do
	case $opt in
	n) N=$OPTARG ;;
	a) ACK=1 ;;
	s) SLA=1 ;;
	*) sed -n '9,15p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '9,15p' "$0" >&2; exit 2; }
A=$(readlink -f "$1")
B=$(readlink -f "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$(mktemp -d "${TMPDIR:-/var/tmp}/maildesk-ab.XXXXXX")
trap 'rm -rf "$W"' EXIT

# store NAME BINARY: a store of its own; keys an older binary does not know
# only warn.
store() {
	mkdir -p "$W/$1"
	{
		printf '[store]\npath = %s\n' "$W/$1/store"
		printf '[addresses]\nsupport@example.com = support\n'
		printf '[log]\nsyslog = false\n[deliver]\nallow-root = true\n'
		printf '[templates]\ndir = %s\n' "$here/../../contrib/templates"
		# Closed: the ack is queued, the one try to send fails at once.
		printf '[smtp]\nhost = 127.0.0.1\nport = 1\n'
		if [ "$ACK" = 1 ]; then
			printf '[ack]\nper-hour = 1000000\nper-day = 1000000\n'
			printf 'domain-per-hour = 1000000\ndomain-per-day = 1000000\n'
		fi
		if [ "$SLA" = 1 ]; then
			printf '[sla]\nfirst-response = 4h\nnext-update = 8h\n'
			printf 'solution = 40h\n'
		fi
	} > "$W/$1/conf"
	"$2" -c "$W/$1/conf" init > /dev/null 2>&1
}
store a "$A"
store b "$B"
{
	printf 'Return-Path: <customer@example.org>\n'
	printf 'From: Carla Customer <customer@example.org>\n'
	printf 'To: Support <support@example.com>\nSubject: Order status\n'
	printf 'Date: Tue, 04 Mar 2025 10:15:00 +0100\n'
	printf 'Message-ID: <@@MSGID@@>\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	for i in $(seq 1 38); do
		printf 'Line %04d: my order has not arrived yet, could you please check the status?\n' "$i"
	done
} > "$W/mail"

one() {  # NAME BINARY I
	local t0 t1
	sed "s/@@MSGID@@/ab.$1.$3@example.org/" "$W/mail" > "$W/m.eml"
	t0=$EPOCHREALTIME
	"$2" -c "$W/$1/conf" deliver --sender customer@example.org \
	    --recipient support@example.com < "$W/m.eml" 2> /dev/null
	t1=$EPOCHREALTIME
	echo $(( ${t1/./} - ${t0/./} )) >> "$W/$1.us"
}

one a "$A" 0
one b "$B" 0
: > "$W/a.us"
: > "$W/b.us"
for i in $(seq 1 "$N"); do
	if [ $((i % 2)) -eq 0 ]; then
		one a "$A" "$i"; one b "$B" "$i"
	else
		one b "$B" "$i"; one a "$A" "$i"
	fi
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ma=$(med "$W/a.us")
mb=$(med "$W/b.us")
printf 'runs=%s ack=%s sla=%s median_us A=%s B=%s B/A=%s\n' "$N" "$ACK" "$SLA" "$ma" "$mb" \
    "$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')"
