#!/bin/sh
# SPDX-License-Identifier: MIT
# An agent's answer never vanishes without a word (issue 11, item 4).
# Agent mail that cannot be verified (sent to plain support@, without our
# MX's DKIM/DMARC pass) is kept as an internal note, and the agent gets one
# mail for it: what was kept, why, and which address to reply to (a fresh
# signed reply address of theirs, also the mail's Reply-To).  Replying to
# it reaches the customer.  Once per mail (the same mail again is a
# duplicate), at most [agents] reports-per-hour per agent, never in answer
# to an out-of-office.  An answer after #queue moved the ticket to a queue
# the agent is not in still reaches the customer: the signed address is the
# agent's for the ticket, whatever its queue.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf "[agents]" "reports-per-hour = 3"
support_agents
P=paula@example.net
open_ticket "$P" c1@example.net "Lost parcel"

mail_to "$T/u1.eml" "Agent One <agent1@example.com>" support@example.com \
    "Re: [Ticket#1] Lost parcel" u1@example.com \
    "We resent it today.  Token-u1." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/u1.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(count_to "$P")" 0 "to plain support@: nothing reaches the customer"
is "$(msg 1 u1@example.com .kind)" note "it is kept as a note"
is "$(count_to agent1@example.com)" 1 "the agent gets one mail about it"
R=$(one "$(sink_to agent1@example.com)")
like "$(mail_header "$R" Subject)" '^\[Ticket#1\] kept as an internal note' \
    "its subject says the mail was kept as an internal note"
is "$(mail_header "$R" Auto-Submitted)" auto-replied "Auto-Submitted: auto-replied"
is "$(mail_header "$R" In-Reply-To)" "<u1@example.com>" "In-Reply-To: the agent's mail"
text_has "$R" "nothing was sent to the customer" "it says what happened"
text_has "$R" "signed reply address" "and why"
RT=$(addr_of "$(mail_header "$R" Reply-To)")
like "$RT" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "its Reply-To is a signed reply address"
text_has "$R" "$RT" "the text names the address to reply to"
is "$(count_to agent2@example.com)" 0 "agent2 hears nothing of it"

# The same mail again (a second copy, a retry): no second word.
sink_reset
dlv "$T/u1.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(sink_count)" 0 "the same mail again: no second mail"

# The address given works.
mail_to "$T/u2.eml" "Agent One <agent1@example.com>" "${RT:-x@example.com}" \
    "Re: [Ticket#1] kept as an internal note" u2@example.com \
    "We resent it today.  Token-u2."
sink_reset
dlv "$T/u2.eml" --sender agent1@example.com --recipient "${RT:-x@example.com}"
settle
is "$(count_to "$P")" 1 "a reply to the address given reaches the customer"
text_has "$(one "$(sink_to "$P")")" "Token-u2" "with the agent's text"

# At most reports-per-hour (3) words per agent: 4 more mails, 2 words.
sink_reset
for i in 3 4 5 6; do
	mail_to "$T/u$i.eml" "Agent One <agent1@example.com>" \
	    support@example.com "Re: [Ticket#1] Lost parcel" "u$i@example.com" \
	    "Try $i." "In-Reply-To: $NMID1"
	dlv "$T/u$i.eml" --sender agent1@example.com \
	    --recipient support@example.com
done
settle
is "$(count_to agent1@example.com)" 2 "reports-per-hour = 3: the 4th to 6th get 2 words"
is "$(show 1 '[.messages[] | select(.message_id | test("^u[3-6]@")) |
    .kind] | unique | join(",")')" note "all four are kept as notes"

# An out-of-office from the agent gets no word (and is not relayed).
mail_to "$T/ooo.eml" "Agent Two <agent2@example.com>" support@example.com \
    "Out of Office: Re: [Ticket#1] Lost parcel" ooo@example.com \
    "I am away until Monday." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/ooo.eml" --sender agent2@example.com --recipient support@example.com
settle
is "$(sink_count)" 0 "an agent's out-of-office: no word back, nothing relayed"
is "$(msg 1 ooo@example.com .kind)" note "it is kept as a note"

# #queue moves the ticket to sales, where agent1 is not; agent1 answers
# the old notification: the answer reaches the customer.
mail_to "$T/q1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Lost parcel" q1@example.com "#queue sales
#note"
dlv "$T/q1.eml" --sender agent1@example.com --recipient "$RN1"
is "$(show 1 .queue)" sales "#queue sales moves ticket 1"
mail_to "$T/q2.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Lost parcel" q2@example.com "It is on its way.  Token-q2." \
    "In-Reply-To: $NMID1"
sink_reset
dlv "$T/q2.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to "$P")" 1 "after #queue: agent1's answer reaches the customer"
is "$(msg 1 q2@example.com .kind)" agent "and is stored as an answer"
finish
