#!/bin/sh
# SPDX-License-Identifier: MIT
# Search by mail, checked on the wire against an smtp-sink(1) relay.  An
# agent whose mail is verified (Authentication-Results of our authserv-id
# with dkim=pass for the agent's domain) and whose first line is
# "#search QUERY" gets the result list back, without a ticket being made
# and without anybody else hearing of it: the ticket, its customer and
# subject, a snippet and a signed reply link, which threads the agent's
# answer into that ticket.  deliver answers through a flush it starts
# after its commit.  A redelivery is answered once; a restricted
# customer's ticket is never listed; a forged agent gets no answer; an
# erasure drops an answer still waiting in the outbox.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"

conf "[agents]" "authserv-id = mx.example.com"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add failed"

customer_mail() {	# FILE FROM SUBJECT TEXT
	cat > "$1" <<EOM
From: $2
To: support@example.com
Subject: $3
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$(basename "$1" .eml)@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

$4
EOM
}
customer_mail "$T/c1.eml" "Paula Probe <paula@example.net>" \
    "Printer on fire" "My printer in Hamburg caught fire.  Serial Qx71Flame."
customer_mail "$T/c2.eml" "Rita Restricted <rita@example.net>" \
    "Another printer" "Rita's printer Qx71Flame smokes too."
dlv "$T/c1.eml" --sender paula@example.net --recipient support@example.com
dlv "$T/c2.eml" --sender rita@example.net --recipient support@example.com
md customer restrict rita@example.net > /dev/null ||
    bail "customer restrict failed"
settle
is "$(tickets)" 2 "two customer mails, two tickets"

# search_mail ID [HEADER]: agent1's "#search Qx71Flame" to support@.
search_mail() {
	{
		printf 'From: Agent One <agent1@example.com>\n'
		printf 'To: support@example.com\n'
		if [ $# -gt 1 ]; then printf '%s\n' "$2"; fi
		printf 'Subject: where was that fire\n'
		printf 'Date: Mon, 02 Mar 2026 12:00:00 +0100\n'
		printf 'Message-ID: <%s@example.com>\n' "$1"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		printf '#search Qx71Flame\n\nThanks\n'
	} > "$T/$1.eml"
}

# answers: the mails to agent1 whose subject names the search.
answers() {
	for _f in $(sink_to agent1@example.com); do
		if mail_header "$_f" Subject | grep -q 'Search: Qx71Flame'; then
			echo "$_f"
		fi
	done
}

# wait_answers N: until N answers arrived (the flush deliver starts is
# detached), at most 20 s.
wait_answers() {
	_i=0
	while [ "$(answers | wc -l)" -lt "$1" ] && [ "$_i" -lt 100 ]; do
		sleep 0.2
		_i=$((_i + 1))
	done
}

# --- Verified: answered, no ticket --------------------------------------
AR="Authentication-Results: mx.example.com; dkim=pass header.d=example.com"
search_mail s1 "$AR"
sink_reset
dlv "$T/s1.eml" --sender agent1@example.com --recipient support@example.com
wait_answers 1
A=$(one "$(answers)")
is "$(answers | wc -l | tr -d ' ')" 1 \
    "the verified agent's #search is answered, without a flush by hand"
is "$(tickets)" 2 "no ticket is made of it"
is "$(sink_count)" 1 "nothing else is sent: no ack, no notification"
is "$(sink_mail_from "$A")" support@example.com \
    "the answer comes from the queue's address"
is "$(mail_header "$A" In-Reply-To)" "<s1@example.com>" \
    "it answers the search mail (In-Reply-To)"
like "$(mail_header "$A" Auto-Submitted)" '^auto-replied' \
    "it is Auto-Submitted: auto-replied"
text_has "$A" "[Ticket#1] Printer on fire" "it lists ticket 1 and its subject"
text_has "$A" "Paula Probe <paula@example.net>" "with its customer"
text_has "$A" "Serial Qx71Flame" "with a snippet of the matching text"
text_lacks "$A" "Ticket#2" "the restricted customer's ticket is not listed"
text_lacks "$A" "rita@example.net" "nor is the restricted customer"
if have_python; then
	LINK=$(mail_decoded "$A" text |
	    sed -n 's/^ *<mailto:\(support+1\.[^>]*\)>$/\1/p' | head -n 1)
else
	LINK=""
fi
like "$LINK" '^support\+1\.[A-Za-z0-9_.-]+@example\.com$' \
    "with a signed reply link for ticket 1"

# The link is agent1's own signed address: an answer to it is the
# agent's verified answer in ticket 1, relayed to the customer.
if [ -n "$LINK" ]; then
	cat > "$T/r1.eml" <<EOM
From: Agent One <agent1@example.com>
To: $LINK
Subject: Re: your printer
Date: Mon, 02 Mar 2026 12:30:00 +0100
Message-ID: <r1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

A technician is on the way.
EOM
	sink_reset
	dlv "$T/r1.eml" --sender agent1@example.com --recipient "$LINK"
	settle
	is "$(show 1 '.messages[-1] | [.kind, .message_id] | join(" ")')" \
	    "agent r1@example.com" "an answer to the link is agent1's in ticket 1"
	is "$(count_to paula@example.net)" 1 "and reaches the customer"
else
	skip "an answer to the link is agent1's in ticket 1" "no link"
	skip "and reaches the customer" "no link"
fi

# --- The same mail again: a duplicate, answered once ---------------------
sink_reset
dlv "$T/s1.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(answers | wc -l | tr -d ' ')" 0 "a redelivery is not answered again"

# --- Forged: no answer ---------------------------------------------------
search_mail f1
sink_reset
dlv "$T/f1.eml" --sender agent1@example.com --recipient support@example.com
settle
sleep 1
settle
is "$(answers | wc -l | tr -d ' ')" 0 \
    "a #search without proof gets no answer"
search_mail f2 "Authentication-Results: evil.example.net; dkim=pass header.d=example.com"
sink_reset
dlv "$T/f2.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(answers | wc -l | tr -d ' ')" 0 \
    "a #search with a foreign authserv-id gets no answer"
if [ -n "${LINK:-}" ]; then
	# A signed address may have leaked: a search reads every customer's
	# tickets, so it needs the MX's verification, as #customer does.
	search_mail f3
	sink_reset
	dlv "$T/f3.eml" --sender agent1@example.com --recipient "$LINK"
	settle
	is "$(answers | wc -l | tr -d ' ')" 0 \
	    "a #search to agent1's signed address alone gets no answer"
else
	skip "a #search to agent1's signed address alone gets no answer" \
	    "no link"
fi
# What goes out is the report to agent1 that the mails were kept as notes.
is "$(sink_count)" "$(sink_to agent1@example.com | wc -l | tr -d ' ')" \
    "nothing is sent for the forged ones but the notes' reports to agent1"

# --- A stranger's "#search" is a customer's mail -------------------------
sed -e 's/^From: .*/From: Mallory <mallory@example.org>/' \
    -e 's/^Message-ID: .*/Message-ID: <m1@example.org>/' "$T/s1.eml" \
    > "$T/m1.eml"
sink_reset
dlv "$T/m1.eml" --sender mallory@example.org --recipient support@example.com
settle
is "$(answers | wc -l | tr -d ' ')" 0 "a stranger's #search gets no results"

# --- An erasure drops answers still waiting: they may quote the person --
stop_sink
search_mail s2 "$AR"
dlv "$T/s2.eml" --sender agent1@example.com --recipient support@example.com
settle
sleep 1
settle
is "$(md outbox --json | jq '[.[] | select(.kind == "search")] | length')" 1 \
    "with the relay down, the answer waits in the outbox"
md customer erase paula@example.net --yes > /dev/null 2>&1 ||
    not_ok "customer erase paula"
is "$(md outbox --json | jq '[.[] | select(.kind == "search")] | length')" 0 \
    "erasing the customer it names drops the waiting answer"
for w in Hamburg paula@example.net; do
	is "$(find "$T/store" -type f -exec cat {} + | grep -a -c -F "$w")" 0 \
	    "no file of the store holds \"$w\" any more"
done

md check > /dev/null 2>&1
is "$?" 0 "the store and the search index check clean"
finish
