#!/bin/sh
# SPDX-License-Identifier: MIT
# CC participants, with an smtp-sink relay: Paula writes to support@ with
# her colleague Colin in Cc.  The acknowledgement goes to her alone; Colin
# is a participant of the ticket; the agent's answer reaches her with
# Colin in Cc, in one mail; Colin's reply-all, his reply to our answer and
# his mail with the subject tag alone all thread into her ticket, while a
# stranger's mail with the tag does not.  `#cc add` needs our MX's DKIM
# word (a signed address alone is refused), `#cc remove` and `ticket set N
# cc add|remove` work; our addresses and agents are refused; a restricted
# participant gets nothing.  Colin's
# export holds the ticket he took part in; erasing him takes him off the
# list, drops his queued copy of an answer, keeps hers, and leaves no byte
# of his address or name in the store.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

# Short retries: an answer deferred while the relay is down goes soon after.
CONF_OUTBOX="retry-base-seconds = 1"
conf "[agents]" "authserv-id = mx.example.com" "[outbox]" "$CONF_OUTBOX" \
    "retry-max-seconds = 2"
support_agents
S="$T/store"
P=paula@example.net
C=colin.q@example.org
CNAME="Colin Quartermain"

count_in_store() {
	find "$S" -type f -exec cat {} + | grep -a -c -i -F -- "$1"
}

# --- The customer writes with her colleague in Cc ---------------------------
mail_to "$T/p1.eml" "Paula Probe <$P>" support@example.com "Printer on fire" \
    p1@example.net "Please help, Colin is in Cc." "Cc: $CNAME <$C>"
sink_reset
dlv "$T/p1.eml" --sender "$P" --recipient support@example.com
settle
is "$(show 1 '.participants | join(" ")')" "$C" "Colin is a participant of ticket 1"
is "$(show 1 .customer.email)" "$P" "the ticket is still Paula's"
is "$(count_to "$P")" 1 "the acknowledgement goes to Paula"
is "$(count_to "$C")" 0 "and not to Colin"
like "$(md ticket show 1)" "Participant: $CNAME <$C> \\(in Cc\\)" \
    "ticket show names him as a participant in Cc"
N1=$(one "$(sink_to agent1@example.com)")
RN1=$(addr_of "$(mail_header "$N1" Reply-To)")
NMID1=$(mail_header "$N1" Message-ID)

# --- The agent's answer: to Paula, Colin in Cc --------------------------------
mail_to "$T/a1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a1@example.com \
    "Please unplug it.  Token-a1." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
A=$(one "$(sink_to "$P")")
is "$(count_to "$P")" 1 "the answer reaches Paula once"
is "$(count_to "$C")" 1 "and Colin once"
is "$(mail_header "$(one "$(sink_to "$C")")" Message-ID)" \
    "$(mail_header "$A" Message-ID)" "the same mail (one envelope each)"
like "$(mail_header "$A" Cc)" "$C" "Colin is in its Cc"
like "$(mail_header "$A" To)" "$P" "Paula is its To"
text_has "$A" "Please unplug it." "the agent's text"
AMID=$(mail_header "$A" Message-ID)
RC=$(addr_of "$(mail_header "$A" Reply-To)")

# --- Colin's replies thread in ----------------------------------------------
mail_to "$T/c1.eml" "$CNAME <$C>" "$RC" "Re: [Ticket#1] Printer on fire" \
    c1@example.org "Unplugged, thanks.  Token-c1." "Cc: Paula Probe <$P>" \
    "In-Reply-To: $AMID"
sink_reset
dlv "$T/c1.eml" --sender "$C" --recipient "$RC"
settle
is "$(msg 1 c1@example.org .kind)" customer "his reply-all to our answer is in ticket 1"
is "$(tickets)" 1 "no new ticket"
is "$(count_to "$C")" 0 "he gets no acknowledgement"
is "$(count_to "$P")" 0 "nor does Paula"

mail_to "$T/c2.eml" "$CNAME <$C>" support@example.com \
    "Re: [Ticket#1] Printer on fire" c2@example.org \
    "A reply to your answer, to support@.  Token-c2." "In-Reply-To: $AMID"
dlv "$T/c2.eml" --sender "$C" --recipient support@example.com
is "$(msg 1 c2@example.org .kind)" customer "his reply by In-Reply-To to support@ is in ticket 1"

mail_to "$T/c3.eml" "$CNAME <$C>" support@example.com \
    "Still smoking [Ticket#1]" c3@example.org "By the tag alone.  Token-c3."
dlv "$T/c3.eml" --sender "$C" --recipient support@example.com
is "$(msg 1 c3@example.org .kind)" customer "his mail with the subject tag alone is in ticket 1"

mail_to "$T/s1.eml" "Sam Stranger <sam@example.com>" support@example.com \
    "Still smoking [Ticket#1]" s1@example.com "A guess.  Token-s1."
dlv "$T/s1.eml" --sender sam@example.com --recipient support@example.com
is "$(tickets)" 2 "a stranger with the tag opens a ticket of his own"
is "$(show 2 .cited)" 1 "which cites ticket 1"

# --- #cc add needs more than a signed address --------------------------------
D=dora@example.org
mail_to "$T/a2.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a2@example.com "#cc add $D

Dora from purchasing joins.  Token-a2." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a2.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show 1 '.participants | join(" ")')" "$C" "#cc add by a signed address alone: refused"
is "$(msg 1 a2@example.com '.flags | index("refused") != null')" true \
    "the mail is a note flagged refused"
is "$(count_to "$D")" 0 "nothing goes to Dora"
is "$(count_to "$P")" 0 "nor to Paula"
text_has "$(one "$(sink_to agent1@example.com)")" "#cc add $D" \
    "agent1 is told which command needed more"

mail_to "$T/a3.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a3@example.com "#cc add $D

Dora from purchasing joins.  Token-a3." "In-Reply-To: $NMID1" "$AR_PASS"
sink_reset
dlv "$T/a3.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show 1 '.participants | join(" ")')" "$C $D" "#cc add with DKIM pass: Dora is a participant"
is "$(count_to "$D")" 1 "and gets this answer in Cc"
is "$(mail_header "$(one "$(sink_to "$D")")" Message-ID)" \
    "$(mail_header "$(one "$(sink_to "$P")")" Message-ID)" "the same mail as Paula's"

mail_to "$T/a4.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a4@example.com "#cc add agent2@example.com

Token-a4." "In-Reply-To: $NMID1" "$AR_PASS"
sink_reset
dlv "$T/a4.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show 1 '.participants | length')" 2 "#cc add of an agent: refused"
text_has "$(one "$(sink_to agent1@example.com)")" "an agent" \
    "agent1 is told why"

mail_to "$T/a5.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a5@example.com "#cc remove $D

Token-a5." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a5.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show 1 '.participants | join(" ")')" "$C" "#cc remove by a signed address: Dora is off the list"
is "$(count_to "$D")" 0 "and gets this answer no more"
is "$(count_to "$C")" 1 "Colin does"

# --- The command line -------------------------------------------------------
md ticket set 1 cc add "$D" > "$T/out" 2> "$T/err"
is "$?" 0 "ticket set 1 cc add: exit 0"
is "$(show 1 '.participants | join(" ")')" "$C $D" "Dora is back"
# Restricted (Art. 18): still on the list, but no mail goes to her.
md customer restrict "$D" > /dev/null 2>&1 || not_ok "customer restrict"
sink_reset
printf 'For everyone but the restricted.\n' | md ticket reply 1 \
    --from agent1@example.com > /dev/null 2>&1
settle
is "$(count_to "$D")" 0 "a restricted participant gets no answer in Cc"
is "$(count_to "$C")" 1 "the others do"
md ticket set 1 cc remove "$D" > /dev/null 2>&1
is "$(show 1 '.participants | join(" ")')" "$C" "ticket set 1 cc remove: off again"
md ticket set 1 cc add support@example.com > /dev/null 2> "$T/err"
is "$?" 64 "ticket set 1 cc add <our address>: exit 64"
like "$(cat "$T/err")" 'our own addresses' "it says why"
md ticket set 1 cc add agent2@example.com > /dev/null 2> "$T/err"
is "$?" 64 "ticket set 1 cc add <an agent>: exit 64"
md ticket set 1 cc remove nobody@example.org > /dev/null 2> "$T/err"
is "$?" 1 "ticket set 1 cc remove <no participant>: exit 1"
md ticket set 1 cc frob "$D" > /dev/null 2> "$T/err"
is "$?" 64 "ticket set 1 cc frob: exit 64"

# --- Privacy: Colin's export and erasure ------------------------------------
md customer export "$C" -o "$T/c-export" > /dev/null 2>&1
is "$?" 0 "customer export of the participant: exit 0"
is "$(jq -c '[.tickets[].number]' "$T/c-export/export.json")" "[1]" \
    "it holds the ticket he took part in"
is "$(jq '[.tickets[0].messages[] | select(.kind == "agent")] | length' \
    "$T/c-export/export.json")" 4 "with the four answers he received in Cc"
is "$(jq '[.tickets[0].messages[] | select(.from.email == "'"$C"'")] |
    length' "$T/c-export/export.json")" 3 "and his own three mails"
[ "$(count_in_store "$C")" -gt 0 ] && ok "his address is in the store before" ||
    not_ok "his address is in the store before"
# An answer waits in the outbox (the relay is down): his copy, and hers
# that names him in Cc.
stop_sink
printf 'Waiting answer.\n' | md ticket reply 1 --from agent1@example.com \
    > /dev/null 2>&1
is "$(md outbox --json | jq '[.[] | select(.kind == "reply")] | length')" 2 \
    "an answer waits for Paula and for Colin"
md customer erase "$C" --yes > "$T/out" 2> "$T/err"
is "$?" 0 "customer erase of the participant: exit 0"
like "$(head -n 1 "$T/out")" '^removed: 0 tickets \(none\), 0 messages, 3 of their messages in other tickets, [0-9]+ index entries, 1 outbox entries' \
    "no ticket removed, his three mails tombstoned, his queued copy dropped"
is "$(md outbox --json | jq -r '[.[] | select(.kind == "reply") | .to[]] | join(" ")')" \
    "$P" "Paula's copy still waits"
is "$(show 1 '.participants | length')" 0 "he is off the participant list"
is "$(show 1 .customer.email)" "$P" "the ticket is still Paula's"
is "$(show 1 '.messages[0].cc | length')" 0 "her mail's parsed Cc no longer names him"
for s in "$C" "$CNAME"; do
	is "$(count_in_store "$s")" 0 "no file of the store holds \"$s\""
done
like "$(md ticket raw 1 1)" 'Please help, Colin is in Cc.' "her mail is otherwise kept"
md check > "$T/check" 2>&1
rc=$?
is "$rc" 0 "check: clean"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/check" | head -n 5

# After the erasure answers go to Paula alone.
start_sink
conf "[agents]" "authserv-id = mx.example.com" "[outbox]" "$CONF_OUTBOX" \
    "retry-max-seconds = 2"
sink_reset
sleep 2
settle
W=$(one "$(sink_to "$P")")
text_has "$W" "Waiting answer." "the waiting answer reaches Paula"
is "$(mail_header "$W" Cc | grep -c -i -F "$C")" 0 "without his address"
printf 'One more thing.\n' | md ticket reply 1 --from agent1@example.com \
    > /dev/null 2>&1
settle
is "$(count_to "$P")" 2 "the next answer reaches Paula"
is "$(sink_rcpts_all | grep -c -i -F "$C")" 0 "and nobody else from the list"
finish
