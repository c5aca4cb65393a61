#!/bin/sh
# SPDX-License-Identifier: MIT
# The agents' digest, on the wire through smtp-sink(1).  Tickets of two
# queues, delivered days apart under faketime(1), some assigned, some
# closed or pending: `maildesk digest` queues one mail per agent with
# something to do, flush sends it, and each lists exactly that agent's
# open tickets and the unassigned ones of their queues, oldest first,
# with customer, subject, age and a signed mailto: link.  The agent of a
# queue with nothing open gets nothing.  Answering through a link reaches
# the ticket and, relayed, its customer.  `--agent ADDR --dry-run` prints
# the same list and queues nothing.  With service levels, a ticket past
# its due time comes first, a pending ticket whose date has come is listed,
# and once escalate has run an escalated ticket heads the list.  On a
# holiday of the calendar nothing is queued.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

if ! command -v faketime > /dev/null 2>&1; then
	skip "digest" "faketime(1) not installed"
	finish
fi

conf
support_agents
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > /dev/null || bail "agent add agent3 failed"

# new DAYS-AGO QUEUE CUSTOMER SUBJECT: a customer's mail DAYS-AGO days ago.
new() {
	mail_to "$T/new.eml" "$3" "$2@example.com" "$4" "$(date +%s%N)@x" \
	    "Please help with: $4."
	ago "$1" deliver --sender "$(addr_of "$3")" --recipient \
	    "$2@example.com" < "$T/new.eml" > /dev/null 2>&1 ||
	    bail "deliver of \"$4\" failed"
}
new 3 support "Carla Client <carla@example.net>" "Printer on fire"	# 1
new 2 support "Dan Driver <dan@example.net>" "Scanner jams"		# 2
new 1 support "Eve Early <eve@example.net>" "Password reset"		# 3
new 1 support "Fay Finished <fay@example.net>" "Solved already"	# 4
new 4 sales "Gus Grande <gus@example.net>" "Quote for 40 seats"	# 5
new 2 sales "Hal Happy <hal@example.net>" "Invoice question"		# 6
new 1 support "Ida Idle <ida@example.net>" "Waiting on customer"	# 7
if [ "$(md ticket show 5 --json | jq -r '.created | .[0:10]')" = \
    "$(date +%F)" ]; then
	skip "digest" "faketime does not change maildesk's clock"
	finish
fi
md ticket set 2 owner agent1@example.com > /dev/null
md ticket set 3 owner agent2@example.com > /dev/null
md ticket set 4 status closed > /dev/null
md ticket set 5 owner agent1@example.com > /dev/null
md ticket set 6 status resolved > /dev/null
md ticket set 7 status pending > /dev/null
settle
sink_reset

# numbers FILE: the ticket numbers a digest lists, in its order.
numbers() {
	sed -n 's/^#\([0-9][0-9]*\) .*/\1/p' "$1" | tr '\n' ' ' |
	    sed 's/ $//'
}

# --- dry run ----------------------------------------------------------
before=$(md outbox --json | jq length)
md digest --agent agent1@example.com --dry-run > "$T/d1.txt" 2> "$T/err"
is "$?" 0 "digest --agent agent1 --dry-run exits 0"
is "$(numbers "$T/d1.txt")" "5 2 1" \
    "agent1: own tickets 5 and 2 (oldest first), then unassigned 1"
like "$(cat "$T/d1.txt")" "To: agent1@example.com" "addressed to agent1"
like "$(grep -A3 '^#5 ' "$T/d1.txt")" "Quote for 40 seats" \
    "ticket 5: its subject"
like "$(grep -A3 '^#5 ' "$T/d1.txt")" "gus@example.net" \
    "ticket 5: its customer"
like "$(grep -A3 "^#5 " "$T/d1.txt")" "age (4d 0h|3d 23h)" \
    "ticket 5: its age, 4 days"
like "$(grep -A3 '^#1 ' "$T/d1.txt")" \
    'mailto:support\+1\.[0-9]+\.[0-9a-f]+@example\.com\?subject=' \
    "ticket 1: a signed mailto: link"
is "$(md outbox --json | jq length)" "$before" "a dry run queues nothing"
md digest --agent agent3@example.com --dry-run > "$T/d3.txt" 2> "$T/err"
is "$?" 0 "digest --agent agent3 --dry-run exits 0"
like "$(cat "$T/d3.txt")" "nothing waits for agent3@example.com" \
    "agent3 (sales, nothing open of theirs): nothing waits"
md digest --agent nobody@example.com --dry-run > /dev/null 2> "$T/err"
is "$?" 1 "digest --agent of no agent exits 1"
like "$(cat "$T/err")" "nobody@example.com is no agent" "and says so"

# --- the mails -----------------------------------------------------------
md digest > "$T/out" 2> "$T/err"
is "$?" 0 "digest exits 0"
like "$(cat "$T/out")" "digest: 2 queued" "two digests queued"
settle
is "$(count_to agent1@example.com)" 1 "agent1 gets one digest"
is "$(count_to agent2@example.com)" 1 "agent2 gets one digest"
is "$(count_to agent3@example.com)" 0 "agent3, with nothing to do, gets none"
D1=$(one "$(sink_to agent1@example.com)")
D2=$(one "$(sink_to agent2@example.com)")
if have_python; then
	mail_decoded "$D1" text > "$T/m1.txt"
	mail_decoded "$D2" text > "$T/m2.txt"
	is "$(numbers "$T/m1.txt")" "5 2 1" "agent1's mail lists 5, 2, 1"
	is "$(numbers "$T/m2.txt")" "3 1" \
	    "agent2's mail lists own 3, then unassigned 1"
	like "$(mail_header "$D2" Auto-Submitted)" auto-generated \
	    "the digest is Auto-Submitted: auto-generated"
else
	skip "digest contents" "python3 needed to decode the body"
fi

# --- the link answers the ticket ----------------------------------------
LINK=$(sed -n '/^#1 /,/^$/s/^ *mailto:\([^?]*\)?.*/\1/p' "$T/m2.txt" 2>/dev/null)
[ -n "$LINK" ] || LINK=support+1.1.000000000000@example.com
mail_to "$T/a1.eml" "Agent Two <agent2@example.com>" "$LINK" \
    "Re: [Ticket#1] Printer on fire" dg1@example.com \
    "We are sending a technician.  Token-dg1."
sink_reset
dlv "$T/a1.eml" --sender agent2@example.com --recipient "$LINK"
settle
is "$(msg 1 dg1@example.com .kind)" agent \
    "the answer through agent2's link is an agent answer in ticket 1"
C=$(one "$(sink_to carla@example.net)")
text_has "$C" "Token-dg1" "and reaches the customer"

# --- the index follows the tickets --------------------------------------
md ticket set 1 status resolved > /dev/null
md digest --agent agent2@example.com --dry-run > "$T/d2.txt" 2> "$T/err"
is "$(numbers "$T/d2.txt")" "3" "once ticket 1 is resolved, agent2's lists 3"
md ticket set 3 status open > /dev/null
md ticket set 3 owner agent1@example.com > /dev/null
md digest --agent agent2@example.com --dry-run > "$T/d2.txt" 2> "$T/err"
like "$(cat "$T/d2.txt")" "nothing waits for agent2@example.com" \
    "and when 3 goes to agent1, nothing waits for agent2"
md check > "$T/out" 2>&1
is "$?" 0 "check passes"
md check --repair > /dev/null 2>&1
md digest --agent agent1@example.com --dry-run > "$T/d1.txt" 2> "$T/err"
is "$(numbers "$T/d1.txt")" "5 2 3" \
    "after check --repair (which rebuilds the index): agent1 lists 5, 2, 3"

# --- service levels: due, pending dates, escalation ----------------------
conf "[sla]" "first-response = 1h"
new 5 support "Jo Late <jo@example.net>" "Waiting five days"		# 8
ago 3 ticket set 7 pending 1d > /dev/null 2>&1 ||
    not_ok "ticket set 7 pending 1d (three days ago)" "exit $?"
md digest --agent agent2@example.com --dry-run > "$T/d2.txt" 2> "$T/err"
is "$(numbers "$T/d2.txt")" "7 8" \
    "agent2: pending 7 whose date has come, then unassigned 8"
like "$(grep -A3 '^#8 ' "$T/d2.txt")" "first-response due .*\(overdue\)" \
    "ticket 8: its first-response due time, overdue"
like "$(cat "$T/d2.txt")" "== Pending, their date has come \(1\) ==" \
    "under the heading of pending tickets whose date has come"
md escalate > /dev/null 2>&1
settle
md digest --agent agent2@example.com --dry-run > "$T/d2.txt" 2> "$T/err"
is "$(numbers "$T/d2.txt")" "8 7" \
    "after escalate: escalated 8 first, then 7, open again and unassigned"
like "$(cat "$T/d2.txt")" "== Escalated \(1\) ==" "8 under Escalated"
md digest --agent agent1@example.com --dry-run > "$T/d1.txt" 2> "$T/err"
is "$(numbers "$T/d1.txt")" "8 5 2 3 7" \
    "agent1: escalated 8, own 5 2 3, unassigned 7"

# [digest] max-tickets: the most urgent first, and how many more.
conf "[sla]" "first-response = 1h" "[digest]" "max-tickets = 2"
md digest --agent agent1@example.com --dry-run > "$T/d1.txt" 2> "$T/err"
is "$(numbers "$T/d1.txt")" "8 5" "max-tickets = 2: agent1's first two"
like "$(cat "$T/d1.txt")" "and 3 more" "and it says 3 more wait"

# A holiday of the calendar is no working day: nothing is queued.
conf "[sla]" "first-response = 1h" "[calendar]" "holidays = $(date +%F)"
before=$(md outbox --json | jq length)
md digest > "$T/out" 2> "$T/err"
is "$?" 0 "digest on a holiday exits 0"
like "$(cat "$T/out")" "holiday" "and says today is a holiday"
is "$(md outbox --json | jq length)" "$before" "and queues nothing"

finish
