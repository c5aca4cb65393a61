#!/bin/sh
# SPDX-License-Identifier: MIT
# Merge, with an smtp-sink relay: Paula's duplicate ticket 2 (with her
# colleague in Cc and an agent's answer) is merged into her ticket 1 by
# `ticket merge 2 1`.  Its messages, events and participants move; 2 stays
# a stub that says where it went; check stays clean; the audit records it.
# Everything that still names ticket 2 lands in 1: a reply by In-Reply-To
# to her own mail and to our acknowledgement, a mail to ticket 2's signed
# reply address, one with the subject tag [Ticket#2] alone, an agent's
# answer to ticket 2's notification; a retried copy of a moved mail is a
# duplicate; search finds the moved mail in 1.  Across customers the merge is refused unless --force;
# `#merge N` in agent mail does the same, and refuses across customers.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf "[agents]" "authserv-id = mx.example.com"
support_agents
P=paula@example.net
C=colin.q@example.org
Q=quentin@example.com

# Ticket 1, then her duplicate 2 with Colin in Cc, answered by agent1.
open_ticket "$P" p1@example.net "Printer on fire"
mail_to "$T/p2.eml" "Paula Probe <$P>" support@example.com \
    "Printer still on fire" p2@example.net "The same again, xylophone.  Token-p2." \
    "Cc: Colin Q <$C>"
sink_reset
dlv "$T/p2.eml" --sender "$P" --recipient support@example.com
settle
ACK2=$(one "$(sink_to "$P")")
RC2=$(addr_of "$(mail_header "$ACK2" Reply-To)")
ACK2MID=$(mail_header "$ACK2" Message-ID)
N2=$(one "$(sink_to agent1@example.com)")
RN2=$(addr_of "$(mail_header "$N2" Reply-To)")
mail_to "$T/a2.eml" "Agent One <agent1@example.com>" "$RN2" \
    "Re: [Ticket#2] Printer still on fire" a2@example.com \
    "Answer in two.  Token-a2." "In-Reply-To: $(mail_header "$N2" Message-ID)"
dlv "$T/a2.eml" --sender agent1@example.com --recipient "$RN2"
settle
md ticket set 2 status resolved > /dev/null
mail_to "$T/q1.eml" "Quentin <$Q>" support@example.com "My own thing" \
    q1@example.com "Quentin's question.  Token-q1."
dlv "$T/q1.eml" --sender "$Q" --recipient support@example.com
settle
is "$(tickets)" 3 "three tickets"
n1=$(show 1 '.messages | length')
n2=$(show 2 '.messages | length')
is "$n2" 3 "ticket 2: her mail, the ack and the answer"

found() {
	md search --json "$1" 2> /dev/null | jq -r '[.[].ticket] | unique |
	    map(tostring) | join(" ")'
}
is "$(found xylophone)" 2 "search finds her word in ticket 2"

# --- Refusals ---------------------------------------------------------------
store_dump > "$T/dump0"
md ticket merge 3 1 > "$T/out" 2> "$T/err"
is "$?" 64 "merge across customers: exit 64"
like "$(cat "$T/err")" 'different customers.*--force' "it says why and what would do it"
md ticket merge 1 1 > /dev/null 2>&1
is "$?" 64 "merge into itself: exit 64"
md ticket merge 2 99 > /dev/null 2>&1
is "$?" 1 "merge into no ticket: exit 1"
md ticket merge 2 > /dev/null 2>&1
is "$?" 64 "merge without INTO: exit 64"
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "the refusals change nothing" ||
    not_ok "the refusals change nothing"

# --- The merge --------------------------------------------------------------
md ticket merge 2 1 > "$T/out" 2> "$T/err"
is "$?" 0 "ticket merge 2 1: exit 0"
like "$(cat "$T/out")" 'ticket 2: merged into ticket 1 \(3 messages moved\)' "it says what it did"
is "$(show 1 '.messages | length')" $((n1 + n2)) "ticket 1 holds the messages of both"
is "$(show 1 '[.messages[].message_id] | index("p2@example.net") != null')" \
    true "her mail of ticket 2 among them"
is "$(show 1 '[.messages[] | select(.kind == "agent")] | length')" 1 \
    "and the agent's answer"
is "$(show 1 '.participants | join(" ")')" "$C" "Colin is a participant of 1 now"
like "$(show 1 '[.events[].text] | join("; ")')" 'ticket 2 was merged into this one' \
    "ticket 1's events say so"
is "$(show 2 '.messages | length')" 0 "ticket 2 is a stub"
is "$(found xylophone)" 1 "search finds her word in ticket 1 now, not in the stub"
is "$(show 2 .merged_into)" 1 "pointing to 1"
like "$(md ticket show 2)" 'Merged into: ticket 1' "ticket show 2 says merged into ticket 1"
is "$(show 2 .status)" closed "the stub is closed"
is "$(md audit --json | jq -c '.[-1] | [.action, .tickets]')" '["merge",[2,1]]' \
    "the audit records the merge"
md check > "$T/check" 2>&1
rc=$?
is "$rc" 0 "check: clean after the merge"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/check" | head -n 5
md ticket merge 2 1 > /dev/null 2> "$T/err"
is "$?" 64 "merging the stub again: exit 64"
like "$(cat "$T/err")" 'already' "it says it was merged already"

# --- Whatever names ticket 2 lands in 1 -------------------------------------
count1() { show 1 '.messages | length'; }
n=$(count1)
mail_to "$T/r1.eml" "Paula Probe <$P>" support@example.com "Re: Printer" \
    r1@example.net "By In-Reply-To to my own mail.  Token-r1." \
    "In-Reply-To: <p2@example.net>"
dlv "$T/r1.eml" --sender "$P" --recipient support@example.com
is "$(msg 1 r1@example.net .kind)" customer "a reply to her mail of ticket 2 lands in 1"
mail_to "$T/r2.eml" "Paula Probe <$P>" support@example.com "Re: Printer" \
    r2@example.net "By In-Reply-To to your ack.  Token-r2." \
    "In-Reply-To: $ACK2MID"
dlv "$T/r2.eml" --sender "$P" --recipient support@example.com
is "$(msg 1 r2@example.net .kind)" customer "a reply to ticket 2's acknowledgement lands in 1"
mail_to "$T/r3.eml" "Paula Probe <$P>" "$RC2" "Re: something" \
    r3@example.net "To the signed address.  Token-r3."
dlv "$T/r3.eml" --sender "$P" --recipient "$RC2"
is "$(msg 1 r3@example.net .kind)" customer "a mail to ticket 2's signed reply address lands in 1"
mail_to "$T/r4.eml" "Paula Probe <$P>" support@example.com \
    "Again [Ticket#2]" r4@example.net "By the tag.  Token-r4."
dlv "$T/r4.eml" --sender "$P" --recipient support@example.com
is "$(msg 1 r4@example.net .kind)" customer "a mail with the tag [Ticket#2] lands in 1"
mail_to "$T/r5.eml" "Colin Q <$C>" support@example.com \
    "Re: [Ticket#2] Printer still on fire" r5@example.org "Colin by the tag.  Token-r5."
dlv "$T/r5.eml" --sender "$C" --recipient support@example.com
is "$(msg 1 r5@example.org .kind)" customer "so does Colin's, the participant"
is "$(count1)" $((n + 5)) "five more messages in ticket 1"
is "$(show 2 '.messages | length')" 0 "none in the stub"
is "$(tickets)" 3 "no new ticket"
dlv "$T/p2.eml" --sender "$P" --recipient support@example.com
is "$(count1)" $((n + 5)) "a retried copy of a moved mail is a duplicate"

sink_reset
mail_to "$T/a3.eml" "Agent One <agent1@example.com>" "$RN2" \
    "Re: [Ticket#2] Printer still on fire" a3@example.com \
    "Answer to the old notification.  Token-a3."
dlv "$T/a3.eml" --sender agent1@example.com --recipient "$RN2"
settle
is "$(msg 1 a3@example.com .kind)" agent "an agent's answer by ticket 2's address lands in 1"
A=$(one "$(sink_to "$P")")
like "$(mail_header "$A" Subject)" '\[Ticket#1\]' "and goes out under ticket 1's tag"
like "$(mail_header "$A" Cc)" "$C" "with Colin in Cc"
like "$(printf 'By the command line.  Token-cli.\n' | md ticket reply 2 \
    --from agent1@example.com 2>&1)" '^ticket 1: answer stored' \
    "ticket reply 2 stores the answer in ticket 1 and says so"
is "$(show 2 '.messages | length')" 0 "the stub stays empty"

# --- Across customers with --force -----------------------------------------
md ticket merge 3 1 --force > "$T/out" 2> "$T/err"
is "$?" 0 "merge 3 1 --force: exit 0"
is "$(msg 1 q1@example.com .kind)" customer "Quentin's mail is in ticket 1"
is "$(show 1 .customer.email)" "$P" "ticket 1 is still Paula's"
like "$(show 1 '.participants | join(" ")')" "$Q" "Quentin is a participant now"
is "$(md audit --json | jq -c '.[-1] | [.action, .tickets, .detail]')" \
    '["merge",[3,1],"forced"]' "the audit says it was forced"
is "$(md customer show "$Q" --json | jq -c .tickets)" "[1,3]" \
    "Quentin's tickets: 1 and his stub"

# --- #merge in agent mail ---------------------------------------------------
open_ticket "$P" p4@example.net "Printer, third time"
T4=$(last_ticket)
mail_to "$T/m1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#$T4] Printer, third time" m1@example.com "#merge 1
#note

Same as ticket 1.  Token-m1." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/m1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show "$T4" .merged_into)" 1 "#merge 1: ticket $T4 is merged into 1"
is "$(msg 1 p4@example.net .kind)" customer "its mail is in ticket 1"
is "$(msg 1 m1@example.com .kind)" note "and so is the agent's note"
is "$(count_to "$P")" 0 "nothing goes to the customer"

mail_to "$T/q2.eml" "Quentin <$Q>" support@example.com "Another thing" \
    q2@example.com "Quentin again.  Token-q2."
sink_reset
dlv "$T/q2.eml" --sender "$Q" --recipient support@example.com
settle
T5=$(last_ticket)
N5=$(one "$(sink_to agent1@example.com)")
RN5=$(addr_of "$(mail_header "$N5" Reply-To)")
mail_to "$T/m2.eml" "Agent One <agent1@example.com>" "$RN5" \
    "Re: [Ticket#$T5] Another thing" m2@example.com "#merge 1

Token-m2." "$AR_PASS"
sink_reset
dlv "$T/m2.eml" --sender agent1@example.com --recipient "$RN5"
settle
is "$(show "$T5" .merged_into)" null "#merge across customers by mail: refused"
is "$(count_to "$Q")" 0 "nothing goes to Quentin"
text_has "$(one "$(sink_to agent1@example.com)")" "different customers" \
    "agent1 is told why"
md check > /dev/null 2>&1
is "$?" 0 "check: clean at the end"
finish
