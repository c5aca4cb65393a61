#!/bin/sh
# SPDX-License-Identifier: MIT
# `maildesk report` over a scripted week under faketime(1): customers write
# and agents answer (`ticket reply`) at set times from Monday 2 March 2026
# to Sunday 8 March, in Europe/Berlin, with business hours Monday to
# Friday 09:00-17:00.  The report's numbers equal the ones worked out by
# hand below: tickets opened, resolved and still open, the backlog at the
# end of each day, first-response and resolution times (median and 90th
# percentile by nearest rank, business seconds: a Friday ticket answered
# on Saturday counts two hours, not twenty), per queue and per agent, and
# the share within the first-response and solution targets.  JSON, CSV
# (quoted where needed) and text say the same.
. "$(dirname "$0")/lib.sh"

if ! command -v faketime > /dev/null 2>&1; then
	skip "report" "faketime(1) not installed"
	finish
fi
TZ=Europe/Berlin
export TZ
setup_store "[outbox]" "deliver-flush-seconds = 0" "[smtp]" "port = 1" \
    "[calendar]" "time-zone = Europe/Berlin" "working-days = mon-fri" \
    "working-hours = 09:00-17:00" \
    "[sla]" "first-response = 4h" "solution = 3h"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add agent1 failed"
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > /dev/null || bail "agent add agent3 failed"

# at TIME ARGS...: maildesk with its clock at TIME (Europe/Berlin), and
# standing still there ("x0"), so that a slow run cannot pass a second.
at() {
	_t=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$_t x0" \
	    "$MAILDESK" -c "$T/maildesk.conf" "$@"
}
n=0
# write TIME QUEUE CUSTOMER: a customer's first mail at TIME.
write() {
	n=$((n + 1))
	printf 'From: %s\nTo: %s@example.com\nSubject: Matter %d\nMessage-ID: <r%d@example.net>\n\nHelp, please.\n' \
	    "$3" "$2" "$n" "$n" > "$T/m.eml"
	at "$1" deliver --sender "$3" --recipient "$2@example.com" \
	    < "$T/m.eml" > /dev/null 2>&1 || bail "deliver at $1 failed"
}
# answer TIME N AGENT: the agent answers ticket N at TIME.
answer() {
	echo "We are on it." | at "$1" ticket reply "$2" --from "$3" \
	    > /dev/null 2>&1 || bail "ticket reply $2 at $1 failed"
}
resolve() {
	at "$1" ticket set "$2" status resolved > /dev/null 2>&1 ||
	    bail "ticket set $2 at $1 failed"
}

write "2026-02-26 10:00:00" support f@example.net	# 1: before the week
write "2026-03-02 10:00:00" support a@example.net	# 2: Mon
if [ "$(md ticket show 2 --json | jq -r '.created | .[0:10]')" != \
    2026-03-02 ]; then
	skip "report" "faketime does not change maildesk's clock"
	finish
fi
answer "2026-03-02 11:30:00" 2 agent1@example.com	# 1h30 = 5400
write "2026-03-02 16:00:00" support b@example.net	# 3: Mon
write "2026-03-03 09:30:00" sales d@example.net	# 4: Tue
resolve "2026-03-03 10:00:00" 2			# Mon 7h + Tue 1h = 28800
answer "2026-03-03 10:00:00" 3 agent1@example.com	# Mon 1h + Tue 1h = 7200
answer "2026-03-03 13:30:00" 4 agent3@example.com	# 4h = 14400
write "2026-03-04 14:00:00" support e@example.net	# 5: Wed
resolve "2026-03-04 12:00:00" 3			# 1h + 8h + 3h = 43200
resolve "2026-03-05 09:30:00" 4			# 7h30 + 8h + 0h30 = 57600
answer "2026-03-05 16:00:00" 5 agent1@example.com	# Wed 3h + Thu 7h = 36000
write "2026-03-06 15:00:00" support c@example.net	# 6: Fri
resolve "2026-03-06 10:00:00" 5			# 3h + 8h + 1h = 43200
answer "2026-03-07 11:00:00" 6 agent1@example.com	# Fri 2h (not 20h) = 7200
write "2026-03-08 12:00:00" sales g@example.net	# 7: Sun, unanswered
write "2026-03-09 10:00:00" support h@example.net	# 8: after the week

md report --since 2026-03-02 --until 2026-03-08 --json > "$T/r.json" \
    2> "$T/err"
is "$?" 0 "report --json exits 0"
j() { jq -c "$1" "$T/r.json"; }

# Opened in the week: 2 3 4 5 6 7; resolved: 2 3 4 5; open at its end:
# 1 (older), 6 (answered, pending), 7.
is "$(j '[.opened, .resolved, .open]')" "[6,4,3]" \
    "6 opened, 4 resolved, 3 still open"
# Backlog at each day's end: Mon 1 2 3; Tue 1 3 4; Wed 1 4 5; Thu 1 5;
# Fri 1 6; Sat 1 6; Sun 1 6 7.
is "$(j '[.days[].backlog]')" "[3,3,3,2,2,2,3]" "backlog at each day's end"
is "$(j '[.days[].date]')" \
    '["2026-03-02","2026-03-03","2026-03-04","2026-03-05","2026-03-06","2026-03-07","2026-03-08"]' \
    "one entry per day of the week"
is "$(j '[.days[].opened]')" "[2,1,1,0,1,0,1]" "opened per day"
is "$(j '[.days[].resolved]')" "[0,1,1,1,1,0,0]" "resolved per day"
# First response: 5400 7200 7200 14400 36000: median (rank 3) 7200, 90th
# percentile (rank 5) 36000.  Resolution: 28800 43200 43200 57600: median
# (rank 2) 43200, 90th (rank 4) 57600.
is "$(j '[.first_response.count, .first_response.median_s, .first_response.p90_s]')" \
    "[5,7200,36000]" "first response: 5, median 2h, 90th percentile 10h"
is "$(j '[.resolution.count, .resolution.median_s, .resolution.p90_s]')" \
    "[4,43200,57600]" "resolution: 4, median 12h, 90th percentile 16h"
# Service levels (first response 4h, solution 3h), as escalate's clocks
# count them: business time, and the solution clock stands still while the
# ticket is pending (from the answer on).  Tickets opened in the week,
# decided by its end: first response 2 (1h30), 3 (2h), 4 (4h, just in
# time), 5 (10h: late), 6 (2h); 7 is not due before Monday 9 March.
# Solution: 2 ran 1h30 and 3 ran 2h before their answers, in time; 4 ran
# 4h and 5 10h, late; 6 (2h, then pending) and 7 are still running.
is "$(j '[.sla.first_response.tickets, .sla.first_response.within, .sla.solution.tickets, .sla.solution.within, .sla.next_update.tickets]')" \
    "[5,4,4,2,0]" "within the targets: 4 of 5 first responses, 2 of 4 solutions"
is "$(j '.sla.first_response.share')" "0.8" "first-response share 0.8"
is "$(j '.agents[] | select(.name == "agent1@example.com") | [.sla.first_response.tickets, .sla.first_response.within, .sla.solution.tickets, .sla.solution.within]')" \
    "[4,3,3,2]" "agent1's share: 3 of 4 first responses, 2 of 3 solutions"

# support: opened 2 3 5 6, resolved 2 3 5, open 1 6; first response
# 5400 7200 7200 36000 (median rank 2, 90th rank 4); resolution 28800
# 43200 43200.
is "$(j '.queues[] | select(.name == "support") | [.opened, .resolved, .open, .first_response.median_s, .first_response.p90_s, .resolution.median_s, .resolution.p90_s, .sla.first_response.within, .sla.solution.within]')" \
    "[4,3,2,7200,36000,43200,43200,3,2]" "queue support"
is "$(j '.queues[] | select(.name == "sales") | [.opened, .resolved, .open, .first_response.median_s, .first_response.p90_s, .resolution.median_s, .resolution.p90_s, .sla.first_response.within, .sla.solution.within]')" \
    "[2,1,1,14400,14400,57600,57600,1,0]" "queue sales"
is "$(j '.agents[] | select(.name == "agent1@example.com") | [.resolved, .open, .first_response.count, .first_response.median_s, .first_response.p90_s, .resolution.median_s, .resolution.p90_s]')" \
    "[3,1,4,7200,36000,43200,43200]" "agent1: answered 2 3 5 6, owns them"
is "$(j '.agents[] | select(.name == "agent3@example.com") | [.resolved, .open, .first_response.median_s, .resolution.median_s]')" \
    "[1,0,14400,57600]" "agent3: answered and resolved 4"

# One queue.
md report --since 2026-03-02 --until 2026-03-08 --queue sales --json \
    > "$T/s.json" 2> "$T/err"
is "$(jq -c '[.opened, .resolved, .open, [.days[].backlog]]' "$T/s.json")" \
    "[2,1,1,[0,1,1,0,0,0,1]]" "--queue sales: its tickets alone"

# CSV: the same figures; a header and a row per total, queue, agent, day.
md report --since 2026-03-02 --until 2026-03-08 --csv > "$T/r.csv" \
    2> "$T/err"
is "$?" 0 "report --csv exits 0"
is "$(grep -c "" "$T/r.csv")" 13 "CSV: header, total, 2 queues, 2 agents, 7 days"
is "$(sed -n 2p "$T/r.csv" | tr -d '\r')" \
    "total,,,6,4,3,,5,7200,36000,4,43200,57600,5,4,0,0,4,2" \
    "CSV: the total row"
is "$(grep '^day,,2026-03-08,' "$T/r.csv" | tr -d '\r')" \
    "day,,2026-03-08,1,0,,3,,,,,,,,,,,," "CSV: Sunday's row"
if have_python; then
	is "$(python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(set(len(r) for r in rows)), rows[0][0], rows[2][1])' "$T/r.csv")" \
	    "1 scope sales" "CSV: every row has the header's columns"
else
	skip "CSV columns" "python3 needed"
fi

# Text: the same totals for a person.
md report --since 2026-03-02 --until 2026-03-08 > "$T/r.txt" 2> "$T/err"
like "$(cat "$T/r.txt")" "6 opened, 4 resolved, 3 still open" \
    "text: the totals"
like "$(grep '^all ' "$T/r.txt")" "2h 00m +10h 00m +12h 00m +16h 00m" \
    "text: the times in hours"

# Bad input: one line, exit 64.
md report --since 2026-02-30 > /dev/null 2> "$T/err"
is "$?" 64 "--since 2026-02-30: exit 64"
like "$(cat "$T/err")" "is no date" "and says it is no date"
md report --since 2026-03-09 --until 2026-03-02 > /dev/null 2> "$T/err"
is "$?" 64 "--since after --until: exit 64"
md report --queue nosuch > /dev/null 2> "$T/err"
is "$?" 64 "--queue of no queue: exit 64"
md report --json --csv > /dev/null 2> "$T/err"
is "$?" 64 "--json with --csv: exit 64"

finish
