#!/bin/sh
# SPDX-License-Identifier: MIT
# One mail that reaches several of our addresses (issue 11, High 2).
# Postfix hands over one copy per recipient.  Shown with an smtp-sink
# relay, each case with the copies in both orders:
# - a new mail To support@, Cc sales@: one ticket, one acknowledgement,
#   one notification per agent; the ticket's queue is the first of
#   [tickets] queue-order (else of [addresses]) whichever copy comes first,
#   and the acknowledgement comes from that queue's address;
# - an agent's reply-all to their signed address and support@: stored
#   once, relayed to the customer once, copied to the other agent once,
#   also when the plain copy comes first;
# - a customer's reply-all to their signed address and sales@: stored
#   once, one notification per agent;
# - later copies add their address to the stored mail and exit 0; the
#   same copy again (an MTA retry) changes nothing;
# - copies delivered at the same time: the same.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf
support_agents
md agent add agent3@example.com --queue sales > /dev/null

# copies FILE SENDER RCPT...: one delivery per recipient, in that order.
copies() {
	_f=$1 _s=$2
	shift 2
	sink_reset
	for _r in "$@"; do
		dlv "$_f" --sender "$_s" --recipient "$_r"
	done
	settle
}

# --- A new mail to two queues --------------------------------------------
for order in "support@example.com sales@example.com" \
    "sales@example.com support@example.com"; do
	first=${order%% *}
	n0=$(tickets)
	mail_to "$T/new.eml" "Nina New <nina@example.net>" support@example.com \
	    "Two departments ($first first)" "new.$first@example.net" \
	    "Hello both.  Token-new." "Cc: sales@example.com"
	# shellcheck disable=SC2086
	copies "$T/new.eml" nina@example.net $order
	is "$(tickets)" $((n0 + 1)) "To support@, Cc sales@ ($first first): one ticket"
	n=$(last_ticket)
	is "$(show "$n" .queue)" support "($first first) in queue support, listed first"
	is "$(count_to nina@example.net)" 1 "($first first) one acknowledgement"
	is "$(count_to agent1@example.com)/$(count_to agent2@example.com)/$(count_to agent3@example.com)" \
	    1/1/0 "($first first) one notification per agent of support"
	is "$(show "$n" '.messages | map(select(.kind == "customer")) | length')" 1 \
	    "($first first) the mail is stored once"
	is "$(show "$n" '[.messages[0].recipient] + .messages[0].also_to |
	    sort | join(" ")')" "sales@example.com support@example.com" \
	    "($first first) it names both addresses it reached"
done
# The same copy again: nothing new.
n=$(last_ticket)
before=$(md ticket show "$n" --json | jq -S 'del(.updated)')
copies "$T/new.eml" nina@example.net sales@example.com
is "$rc" 0 "the same copy again exits 0"
is "$(md ticket show "$n" --json | jq -S 'del(.updated)')" "$before" \
    "and changes nothing"
is "$(sink_count)" 0 "and sends nothing"

# [tickets] queue-order decides, whichever copy comes first.
conf "[tickets]" "queue-order = sales"
for order in "support@example.com sales@example.com" \
    "sales@example.com support@example.com"; do
	first=${order%% *}
	mail_to "$T/ord.eml" "Otto Order <otto@example.net>" support@example.com \
	    "Order ($first first)" "ord.$first@example.net" "Hello." \
	    "Cc: sales@example.com"
	# shellcheck disable=SC2086
	copies "$T/ord.eml" otto@example.net $order
	n=$(last_ticket)
	is "$(show "$n" .queue)" sales "queue-order = sales ($first first): queue sales"
	A=$(one "$(sink_to otto@example.net)")
	is "$(addr_of "$(mail_header "$A" From)")" sales@example.com \
	    "queue-order = sales ($first first): the ack comes from sales@"
	is "$(count_to agent3@example.com)/$(count_to agent1@example.com)" 1/0 \
	    "queue-order = sales ($first first): sales' agent is notified"
done
conf

# --- An agent's reply-all ---------------------------------------------------
for first in plain signed; do
	open_ticket "paula.$first@example.net" "p.$first@example.net" \
	    "Printer ($first first)"
	n=$(last_ticket)
	mail_to "$T/ra.eml" "Agent One <agent1@example.com>" "$RN1" \
	    "Re: [Ticket#$n] Printer" "ra.$first@example.com" \
	    "Unplug it.  Token-ra-$first." "Cc: support@example.com" \
	    "In-Reply-To: $NMID1"
	if [ "$first" = plain ]; then
		copies "$T/ra.eml" agent1@example.com support@example.com "$RN1"
	else
		copies "$T/ra.eml" agent1@example.com "$RN1" support@example.com
	fi
	is "$(count_to "paula.$first@example.net")" 1 \
	    "agent reply-all ($first copy first): relayed once"
	is "$(count_to agent2@example.com)" 1 \
	    "agent reply-all ($first copy first): one copy to agent2"
	is "$(count_to agent1@example.com)" 0 \
	    "agent reply-all ($first copy first): no word back to agent1"
	is "$(show "$n" '.messages | map(select(.message_id ==
	    "ra.'"$first"'@example.com")) | map(.kind) | join(",")')" agent \
	    "agent reply-all ($first copy first): stored once, as an answer"
done

# --- A customer's reply-all --------------------------------------------------
n=$(last_ticket)
mail_to "$T/cr.eml" "Paula Probe <paula.signed@example.net>" "$RC" \
    "Re: [Ticket#$n] Printer" cr@example.net "Thanks!  Token-cr." \
    "Cc: sales@example.com, support@example.com"
copies "$T/cr.eml" paula.signed@example.net sales@example.com "$RC" \
    support@example.com
is "$(tickets)" "$n" "customer reply-all to three of ours: no new ticket"
is "$(show "$n" '.messages | map(select(.message_id == "cr@example.net")) |
    length')" 1 "customer reply-all: stored once"
is "$(count_to agent1@example.com)/$(count_to agent2@example.com)/$(count_to agent3@example.com)" \
    1/1/0 "customer reply-all: one notification per agent of the ticket"
is "$(count_to paula.signed@example.net)" 0 "customer reply-all: no ack"

# --- Copies at the same time -------------------------------------------------
sink_reset
i=1
while [ "$i" -le 6 ]; do
	mail_to "$T/par$i.eml" "Pia Par <pia$i@example.net>" support@example.com \
	    "Parallel $i" "par$i@example.net" "Hello $i." "Cc: sales@example.com"
	for r in support@example.com sales@example.com; do
		md deliver --sender "pia$i@example.net" --recipient "$r" \
		    < "$T/par$i.eml" > /dev/null 2>&1 &
		pids="${pids:-} $!"
	done
	i=$((i + 1))
done
# Only these: a bare wait would wait for the relay too.
for p in $pids; do
	wait "$p"
done
settle
bad=""
i=1
while [ "$i" -le 6 ]; do
	[ "$(md ticket list --customer "pia$i@example.net" --json |
	    jq length)" = 1 ] && [ "$(count_to "pia$i@example.net")" = 1 ] ||
	    bad="$bad $i"
	i=$((i + 1))
done
is "$bad" "" "two copies delivered at once: one ticket and one ack each"
md check > /dev/null 2>&1
is "$?" 0 "check is clean"
finish
