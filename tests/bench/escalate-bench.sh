#!/bin/bash
# SPDX-License-Identifier: MIT
# maildesk escalate over a big store: its cost follows the tickets that
# are due, not the store's size.
#
#   tests/bench/escalate-bench.sh [-s STORE | -m TICKETS [-k DIR]]
#       [-f FUTURE] [-d DUE] [-b BINARY]
#
# The store: STORE (a directory with its config in STORE.conf, as
# `import-bench.sh -m 1000000 -k STORE` leaves one; it is changed), or a
# new one of TICKETS imported tickets (default 1,000,000) built by
# import-bench.sh (-k DIR keeps it there, for another run with -s).
# Imported mail starts no service levels, so the
# config gets [sla] targets and an agent, and then, through deliver:
# FUTURE (default 10,000) new tickets whose targets lie ahead, and DUE
# (default 1,000) tickets delivered 30 days ago (faketime), whose targets
# are missed.  Measured, each once:
#   raw       maildesk ticket raw 1 (a second time, warm): start-up, the
#             store opened and one message read, the baseline
#   escalate  the first run: every due ticket escalated, its mails queued
#   again     a second run: nothing due
#   overdue   ticket list --overdue --json: the escalated tickets
# with the due index entries each run looked at (its log line).  A
# script, not a test: timings are never asserted.
set -eu

STORE="" M=1000000 FUTURE=10000 DUE=1000 KEEP=""
here=$(cd "$(dirname "$0")" && pwd)
MD=$here/../../build/maildesk
while getopts s:m:k:f:d:b: opt; do
	case $opt in
	s) STORE=$OPTARG ;; m) M=$OPTARG ;; k) KEEP=$OPTARG ;;
	f) FUTURE=$OPTARG ;; d) DUE=$OPTARG ;; b) MD=$OPTARG ;;
	*) exit 64 ;;
	esac
done
command -v faketime > /dev/null || { echo "escalate-bench: faketime(1) needed" >&2; exit 69; }
W=$(mktemp -d "${TMPDIR:-/var/tmp}/maildesk-ebench.XXXXXX")
trap 'rm -rf "$W"' EXIT
if [ -z "$STORE" ]; then
	echo "escalate-bench: building a store of $M tickets" >&2
	STORE=${KEEP:-$W/big}
	"$here/import-bench.sh" -n 1000 -m "$M" -r 1 -b "$MD" -k "$STORE" \
	    > /dev/null
fi
[ -f "$STORE/data.mdb" ] && [ -f "$STORE.conf" ] || {
	echo "escalate-bench: $STORE is no store with a config beside it" >&2
	exit 64
}
grep -q '^\[sla\]' "$STORE.conf" || printf '%s\n' "[sla]" \
    "first-response = 4h" "solution = 40h" "[calendar]" "time-zone = UTC" \
    "[queue support]" "agents = agent@example.com" >> "$STORE.conf"
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

# mails N PREFIX: N mails into the store, one deliver each, at the time
# faketime's FAKETIME says (or now).
mails() {
	for ((i = 0; i < $1; i++)); do
		printf 'From: Bench %d <bench%d@example.org>\nTo: support@example.com\nSubject: Bench %d\nMessage-ID: <%s%d.%s@example.org>\n\nPlease help.\n' \
		    "$i" "$i" "$i" "$2" "$i" "$RANDOM" |
		    "$MD" -c "$STORE.conf" deliver --recipient support@example.com
	done
}
echo "escalate-bench: $DUE tickets 30 days old, $FUTURE new" >&2
FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "-30d" bash -c \
    "$(declare -f mails); MD='$MD' STORE='$STORE' mails $DUE due"
mails "$FUTURE" future
tickets=$(mdb_stat -s tickets "$STORE" 2> /dev/null |
    sed -n 's/^ *Entries: //p' || echo "?")

"$MD" -c "$STORE.conf" ticket raw 1 > /dev/null	# warm
t0=$(now); "$MD" -c "$STORE.conf" ticket raw 1 > /dev/null; t1=$(now)
show_s=$(secs "$t0" "$t1")
t0=$(now)
"$MD" -c "$STORE.conf" -v escalate > /dev/null 2> "$W/e1.log"
t1=$(now)
esc_s=$(secs "$t0" "$t1")
t0=$(now)
"$MD" -c "$STORE.conf" -v escalate > /dev/null 2> "$W/e2.log"
t1=$(now)
again_s=$(secs "$t0" "$t1")
t0=$(now)
overdue=$("$MD" -c "$STORE.conf" ticket list --overdue --json | jq length)
t1=$(now)
list_s=$(secs "$t0" "$t1")
looked() { sed -n 's/.*escalate looked=\([0-9]*\).*escalations=\([0-9]*\).*mails=\([0-9]*\).*/\1 \2 \3/p' "$1" | tail -1; }
read -r l1 e1 m1 <<< "$(looked "$W/e1.log")"
read -r l2 e2 m2 <<< "$(looked "$W/e2.log")"
printf '| measure | value |\n|---|---:|\n'
printf '| tickets in the store | %s |\n' "$tickets"
printf '| ticket raw 1 (baseline) | %.3f s |\n' "$show_s"
printf '| escalate, %s due (%s entries looked at, %s escalations, %s mails queued) | %.3f s (%.1f x baseline) |\n' \
    "$DUE" "$l1" "$e1" "$m1" "$esc_s" "$(echo "$esc_s / $show_s" | bc -l)"
printf '| escalate again (%s entries looked at) | %.3f s (%.1f x baseline) |\n' \
    "$l2" "$again_s" "$(echo "$again_s / $show_s" | bc -l)"
printf '| ticket list --overdue (%s tickets) | %.3f s (%.1f x baseline) |\n' \
    "$overdue" "$list_s" "$(echo "$list_s / $show_s" | bc -l)"
