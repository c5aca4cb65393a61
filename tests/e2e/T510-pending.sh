#!/bin/sh
# SPDX-License-Identifier: MIT
# Pending with a date, the clock set by faketime(1): "#pending 2d" in an
# agent's mail (here through ticket reply, which files it as agent mail)
# and "ticket set N pending DATE" make the ticket pending until then;
# escalate opens it again at that time and reminds the queue's agents,
# once.  A customer's reply before the date opens it at once and clears
# the reminder.  "#pending-close DATE" closes the ticket at the date
# unless the customer writes first.  A date that is none, or past, is
# refused.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/time-lib.sh"

# customer_at TIME FROM ID SUBJECT: a customer's mail at TIME.
customer_at() {
	{
		printf 'From: %s\nTo: support@example.com\nSubject: %s\n' \
		    "$2" "$4"
		printf 'Message-ID: <%s>\nMIME-Version: 1.0\n' "$3"
		printf 'Content-Type: text/plain; charset=utf-8\n\nHello.\n'
	} > "$T/$3.eml"
	at "$1" deliver --sender "$2" --recipient support@example.com \
	    < "$T/$3.eml" > "$T/out" 2> "$T/err" ||
	    not_ok "deliver $3 exits 0" "$(cat "$T/err")"
}

# agent_at TIME N TEXT: agent1 writes TEXT in ticket N at TIME.
agent_at() {
	printf '%s\n' "$3" > "$T/agent.txt"
	at "$1" ticket reply "$2" --from agent1@example.com \
	    < "$T/agent.txt" > "$T/out" 2> "$T/err" ||
	    not_ok "agent mail in ticket $2 is stored" "$(cat "$T/err")"
}

status_at() {
	at "$1" ticket show "$2" --json | jq -r .status
}

conf "[queue support]" "agents = agent1@example.com" \
    "[calendar]" "time-zone = Europe/Berlin"

# --- #pending 2d: a reminder, and the ticket open again -------------------
customer_at "2026-12-01 09:00:00" paula@example.net p1@example.net Toner
agent_at "2026-12-01 10:00:00" 1 "#pending 2d"
is "$(status_at "2026-12-01 10:00:00" 1)" pending "#pending 2d: pending"
is "$(at "2026-12-01 10:00:00" ticket show 1 --json | jq -r .pending_until)" \
    "2026-12-03T10:00:00+00:00" "until two days later"
like "$(at "2026-12-01 10:00:00" ticket show 1)" \
    'Pending until: 2026-12-03 10:00 \(then a reminder\)' \
    "ticket show says until when"
escalate_at "2026-12-03 09:59:00"
is "$(sink_count).$(status_at "2026-12-03 09:59:00" 1)" 0.pending \
    "a minute before: no reminder, still pending"
escalate_at "2026-12-03 10:01:00"
is "$(status_at "2026-12-03 10:01:00" 1)" open "at the date: open again"
is "$(count_to agent1@example.com)" 1 "the queue's agent is reminded"
R=$(one "$(sink_to agent1@example.com)")
like "$(mail_header "$R" Subject)" '^\[Ticket#1\] pending date reached' \
    "the reminder names the ticket"
like "$(addr_of "$(mail_header "$R" Reply-To)")" \
    '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "with a signed reply address of ticket 1"
text_has "$R" "Toner" "and the ticket's subject in its text"
escalate_at "2026-12-04 10:00:00"
is "$(sink_count)" 0 "one reminder only"

# --- ticket set N pending DATE, then the customer writes ------------------
customer_at "2026-12-01 09:00:00" quinn@example.net q1@example.net Paper
at "2026-12-01 11:00:00" ticket set 2 pending 2026-12-10 > /dev/null ||
    not_ok "ticket set 2 pending 2026-12-10 exits 0"
is "$(at "2026-12-01 11:00:00" ticket show 2 --json | jq -r .pending_until)" \
    "2026-12-09T23:00:00+00:00" \
    "ticket set pending DATE: the start of that day in Berlin"
customer_at "2026-12-05 09:00:00" quinn@example.net q2@example.net \
    "Re: [Ticket#2] Paper"
is "$(status_at "2026-12-05 09:00:00" 2)" open \
    "the customer's reply opens the pending ticket"
is "$(at "2026-12-05 09:00:00" ticket show 2 --json | jq -r .pending_until)" \
    null "and clears its date"
escalate_at "2026-12-11 09:00:00"
is "$(count_to agent1@example.com)" 0 "so no reminder comes at the date"

# --- #pending-close -------------------------------------------------------
customer_at "2026-12-01 09:00:00" rita@example.net r1@example.net Ink
agent_at "2026-12-01 12:00:00" 3 "#pending-close 2026-12-04T12:00

Please tell us whether this helps."
is "$(status_at "2026-12-01 12:00:00" 3)" pending "#pending-close: pending"
escalate_at "2026-12-04 10:59:00"
is "$(status_at "2026-12-04 10:59:00" 3)" pending "before the date: pending"
escalate_at "2026-12-04 11:01:00"
is "$(status_at "2026-12-04 11:01:00" 3)" closed \
    "at 12:00 Berlin: closed by itself"
is "$(count_to agent1@example.com)" 0 "closing sends no reminder"

customer_at "2026-12-01 09:00:00" sam@example.net s1@example.net Fax
agent_at "2026-12-01 12:00:00" 4 "#pending-close 3d"
customer_at "2026-12-02 12:00:00" sam@example.net s2@example.net \
    "Re: [Ticket#4] Fax"
escalate_at "2026-12-05 12:00:00"
is "$(status_at "2026-12-05 12:00:00" 4)" open \
    "the customer wrote first: ticket 4 stays open"

# --- What is no date ------------------------------------------------------
at "2026-12-01 12:00:00" ticket set 4 pending 2026-11-30 > /dev/null \
    2> "$T/err"
is "$?" 64 "ticket set pending with a past date: usage error"
like "$(cat "$T/err")" 'is not a date to come' "and it says why"
at "2026-12-01 12:00:00" ticket set 4 pending soon > /dev/null 2>&1
is "$?" 64 "ticket set pending soon: usage error"
sink_reset
agent_at "2026-12-06 12:00:00" 4 "#pending someday"
at "2026-12-06 12:00:00" flush > /dev/null 2>&1
is "$(status_at "2026-12-06 12:00:00" 4)" open \
    "#pending someday changes nothing"
like "$(mail_header "$(one "$(sink_to agent1@example.com)")" Subject)" \
    'command not understood: #pending someday' "and the agent is told"

finish
