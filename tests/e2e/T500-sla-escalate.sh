#!/bin/sh
# SPDX-License-Identifier: MIT
# Service levels in business hours, with the clock set by faketime(1):
# Europe/Berlin, Monday to Friday 09:00-17:00, Monday 7 December 2026 a
# holiday; first response 4h, warning at 75%.  A mail on Friday at 15:00
# has two hours left on Friday, none on the weekend or the holiday, so
# the warning is due on Tuesday at 10:00 and the target at 11:00 (a
# wall clock would have warned on Friday at 18:00).  escalate warns once
# and escalates once, also when two run at once; the mails go to the
# queue's agent and the escalate-to address, with a reply address signed
# for the agent; ticket list --overdue and --due-within find the ticket
# through the due index; the agent's answer meets the target.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/time-lib.sh"

cmail() {
	printf 'From: %s\nTo: support@example.com\nSubject: %s\n' "$1" "$3"
	printf 'Date: Fri, 04 Dec 2026 15:00:00 +0100\n'
	printf 'Message-ID: <%s>\nMIME-Version: 1.0\n' "$2"
	printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n' "$4"
}

conf "[queue support]" "agents = agent1@example.com" \
    "escalate-to = lead@example.com" \
    "[sla]" "first-response = 4h" "warning-percent = 75" \
    "[calendar]" "time-zone = Europe/Berlin" "working-days = mon-fri" \
    "working-hours = 09:00-17:00" "holidays = 2026-12-07; 12-25"

# Friday 4 December, 15:00 in Berlin (14:00 UTC).
cmail 'Paula Probe <paula@example.net>' p1@example.net 'Printer on fire' \
    'It burns.' > "$T/p1.eml"
at "2026-12-04 14:00:00" deliver --sender paula@example.net \
    --recipient support@example.com < "$T/p1.eml" > "$T/out" 2> "$T/err"
is "$?" 0 "Friday 15:00: the mail opens ticket 1"
is "$(at "2026-12-04 14:00:00" ticket show 1 --json | jq -r .due)" \
    "2026-12-08T10:00:00+00:00" \
    "due Tuesday 11:00 Berlin: 2h on Friday, weekend and holiday off"
is "$(at "2026-12-04 14:00:00" ticket show 1 --json |
    jq -r .due_target)" first-response "the first response is what is due"

for when in "2026-12-04 15:59:00" "2026-12-05 12:00:00" \
    "2026-12-07 12:00:00" "2026-12-08 08:59:00"; do
	escalate_at "$when"
	is "$(sink_count)" 0 "escalate at $when UTC: nothing yet"
done

# Tuesday 10:00 Berlin: 3 of 4 business hours gone.
escalate_at "2026-12-08 09:00:30"
is "$(count_to agent1@example.com)" 1 "Tuesday 10:00: the agent is warned"
is "$(count_to lead@example.com)" 1 "and the escalate-to address"
W=$(one "$(sink_to agent1@example.com)")
like "$(mail_header "$W" Subject)" '^\[Ticket#1\] first-response due soon' \
    "the warning names the ticket and the target"
like "$(addr_of "$(mail_header "$W" Reply-To)")" \
    '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "its Reply-To is a signed reply address of ticket 1"
text_has "$W" "2026-12-08 11:00 CET" \
    "the text says when it falls due, in Berlin time"
text_has "$W" "Printer on fire" "and what the ticket is about"
is "$(mail_header "$W" Auto-Submitted)" auto-generated \
    "the warning is Auto-Submitted: auto-generated"

escalate_at "2026-12-08 09:05:00"
is "$(sink_count)" 0 "a second run warns nobody again"
is "$(at "2026-12-08 09:05:00" ticket list --overdue --json | jq length)" 0 \
    "not overdue yet"
is "$(at "2026-12-08 09:05:00" ticket list --due-within 1 --json |
    jq -r 'map(.number) | join(",")')" 1 "but due within the hour"

# Two escalates at once, after the target: one escalation each.
sink_reset
at "2026-12-08 10:00:30" escalate > "$T/e1" 2>&1 &
p1=$!
at "2026-12-08 10:00:30" escalate > "$T/e2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
is "$r1.$r2" "0.0" "two escalates at once both succeed"
md flush > /dev/null 2>&1
is "$(count_to agent1@example.com)" 1 "the agent gets one escalation"
is "$(count_to lead@example.com)" 1 "and so does the escalate-to address"
E=$(one "$(sink_to agent1@example.com)")
like "$(mail_header "$E" Subject)" '^\[Ticket#1\] first-response missed' \
    "the escalation says the target was missed"
ERT=$(addr_of "$(mail_header "$E" Reply-To)")
EID=$(mail_header "$E" Message-ID)
L=$(one "$(sink_to lead@example.com)")
LRT=$(addr_of "$(mail_header "$L" Reply-To)")
LID=$(mail_header "$L" Message-ID)
escalate_at "2026-12-08 12:00:00"
is "$(sink_count)" 0 "and escalate does not say it again"
is "$(at "2026-12-08 12:00:00" ticket show 1 --json |
    jq -c '.sla["first-response"] | [.warned, .escalated, .met]')" \
    '[true,true,null]' "ticket show: warned, escalated, not met"

# A second ticket, Tuesday 11:00 Berlin: due at 15:00, not overdue.
cmail 'Quinn <quinn@example.net>' q1@example.net 'Paper jam' 'Jammed.' \
    > "$T/q1.eml"
at "2026-12-08 10:00:00" deliver --sender quinn@example.net \
    --recipient support@example.com < "$T/q1.eml" > "$T/out" 2> "$T/err"
is "$(at "2026-12-08 12:00:00" ticket list --overdue --json |
    jq -r 'map(.number) | join(",")')" 1 "ticket list --overdue: ticket 1"
is "$(at "2026-12-08 12:00:00" ticket list --due-within 3 --json |
    jq -r 'map(.number) | join(",")')" 1,2 \
    "--due-within 3: ticket 2 as well (due 15:00 Berlin)"
like "$(at "2026-12-08 12:00:00" ticket list)" \
    ' 2026-12-08 14:00 ' "ticket list shows the due time"
like "$(at "2026-12-08 12:00:00" ticket show 1)" \
    'SLA first-response: due 2026-12-08 10:00 \(escalated\)' \
    "ticket show says it was escalated"

# The agent answers ticket 1: the target is met, nothing is overdue.
printf 'We are on it.\n' > "$T/answer.txt"
at "2026-12-08 12:30:00" ticket reply 1 --from agent1@example.com \
    < "$T/answer.txt" > /dev/null 2>&1
is "$(at "2026-12-08 12:31:00" ticket list --overdue --json | jq length)" 0 \
    "answered: ticket 1 is no longer overdue"
like "$(at "2026-12-08 12:31:00" ticket show 1 --json |
    jq -r '.sla["first-response"].met')" '^2026-12-08T12:30' \
    "the answer met the first response"

# Its next update counts from the customer's next mail, while the ticket
# waits for her (pending after the answer) nothing counts.
cmail 'Paula Probe <paula@example.net>' p2@example.net \
    'Re: [Ticket#1] Printer on fire' 'Still burning.' > "$T/p2.eml"
at "2026-12-08 15:00:00" deliver --sender paula@example.net \
    --recipient support@example.com < "$T/p2.eml" > "$T/out" 2> "$T/err"
is "$(at "2026-12-08 15:00:00" ticket show 1 --json | jq -r .status)" open \
    "her reply opens ticket 1 again"

# The records and the due index agree after all of that; a stray entry
# (as a crashed tool might leave) is found, and check --repair rebuilds
# the index from the records.
md check > "$T/out" 2>&1
is "$?" 0 "check: the store, its due index and the mails' Message-IDs agree"
if command -v mdb_load > /dev/null; then
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n \nDATA=END\n' \
	    0000000000000001000000000000000100 | mdb_load -s due "$T/store"
	md check > "$T/out" 2>&1
	is "$?" 1 "check finds a stray due index entry"
	like "$(cat "$T/out")" 'due index: ticket 1: an entry its record' \
	    "and names it"
	md check --repair > /dev/null 2>&1
	md check > "$T/out" 2>&1
	is "$?" 0 "check --repair rebuilds the due index"
	escalate_at "2026-12-08 12:01:00"
	is "$(sink_count)" 0 "and the rebuilt index sends nothing again"
else
	skip "a stray due index entry" "mdb_load (lmdb-utils) not installed"
fi

# The agent answers the escalation mail itself: the answer goes to the
# customer.
{
	printf 'From: Agent One <agent1@example.com>\nTo: %s\n' "$ERT"
	printf 'Subject: Re: [Ticket#1] first-response missed\n'
	printf 'Message-ID: <esc-answer@example.com>\n'
	printf 'In-Reply-To: %s\nMIME-Version: 1.0\n' "$EID"
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	printf 'The fire brigade is on its way.\n'
} > "$T/a1.eml"
sink_reset
at "2026-12-08 15:30:00" deliver --sender agent1@example.com \
    --recipient "$ERT" < "$T/a1.eml" > "$T/out" 2> "$T/err"
at "2026-12-08 15:30:00" flush > /dev/null 2>&1
is "$(count_to paula@example.net)" 1 \
    "an answer to the escalation mail reaches the customer"

# The escalate-to address is no agent: its answer is filed in the ticket,
# and the customer gets nothing.
sed -e "s/^From: .*/From: Lead <lead@example.com>/" -e "s/^To: .*/To: $LRT/" \
    -e "s/^In-Reply-To: .*/In-Reply-To: $LID/" \
    -e "s/esc-answer@/lead-answer@/" "$T/a1.eml" > "$T/l1.eml"
sink_reset
at "2026-12-08 15:40:00" deliver --sender lead@example.com \
    --recipient "$LRT" < "$T/l1.eml" > "$T/out" 2> "$T/err"
at "2026-12-08 15:40:00" flush > /dev/null 2>&1
is "$(count_to paula@example.net)" 0 \
    "the escalate-to address's answer does not reach the customer"
is "$(at "2026-12-08 15:40:00" ticket show 1 --json |
    jq -r '.messages[] | select(.message_id == "lead-answer@example.com")
    | .direction')" in "it is filed in ticket 1"

# Machine-readable errors: the flags check their input.
at "2026-12-08 15:00:00" ticket list --due-within soon > /dev/null 2>&1
is "$?" 64 "--due-within with no number: usage error"

finish
