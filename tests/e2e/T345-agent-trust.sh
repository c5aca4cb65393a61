#!/bin/sh
# SPDX-License-Identifier: MIT
# A leaked agent reply address (issue 11, High 1).  When an agent replies
# to all, the customer's copy shows the agent's signed reply address; so
# does anything else that leaks.  Shown here, with an smtp-sink relay:
# - whoever sends "From: agent1" to agent1's signed address cannot rebind
#   the ticket (#customer), hand it to a stranger (#assign), or have us
#   mail anyone new: nothing is changed or sent, the mail is a note
#   flagged refused, and agent1 is told; with our MX's DKIM pass the same
#   commands are obeyed;
# - #assign and `ticket set N owner` take agents only;
# - agent1's address does not speak for agent2;
# - a signed address counts [deliver] token-days (faketime: one issued 40
#   days ago is refused, and the agent is given a fresh one that works);
# - the export of the customer holds no agent's signed address, the
#   agent's answer as the customer received it, and internal notes only in
#   export.json, marked internal, never in the mbox.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf "[agents]" "authserv-id = mx.example.com"
support_agents
P=paula@example.net
open_ticket "$P" c1@example.net "Printer on fire"
like "$RN1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "agent1's notification carries a dated signed reply address"

# --- The attack: From agent1, to agent1's leaked address ------------------
mail_to "$T/x1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" x1@evil.example \
    "#customer victim@bank.example

Dear customer, please wire the money to IBAN XX00 0000.  Token-x1."
sink_reset
dlv "$T/x1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(show 1 .customer.email)" "$P" "#customer by a signed address alone: ticket 1 still paula's"
md customer show victim@bank.example > /dev/null 2>&1
is "$?" 1 "no profile is made for the address it named"
is "$(count_to victim@bank.example)" 0 "nothing is mailed to that address"
is "$(count_to "$P")" 0 "nor to the customer"
is "$(msg 1 x1@evil.example .kind)" note "the mail is kept as a note"
is "$(msg 1 x1@evil.example '.flags | index("refused") != null')" true \
    "flagged refused"
R=$(one "$(sink_to agent1@example.com)")
like "$(mail_header "$R" Subject)" 'kept as an internal note' \
    "agent1 is told"
text_has "$R" "#customer victim@bank.example" "the mail names the refused command"
text_has "$R" "DKIM" "and what would have made it count"

mail_to "$T/x2.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" x2@evil.example \
    "#assign mallory@evil.example

Mallory takes over.  Token-x2."
sink_reset
dlv "$T/x2.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(owner 1)" none "#assign of a non-agent: no owner"
is "$(count_to "$P")" 0 "#assign of a non-agent: nothing relayed"
text_has "$(one "$(sink_to agent1@example.com)")" "no agent" \
    "#assign of a non-agent: agent1 is told it is no agent"

mail_to "$T/x3.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" x3@evil.example \
    "#assign agent2@example.com

Agent Two takes over.  Token-x3."
sink_reset
dlv "$T/x3.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(owner 1)" none "#assign agent2 by a signed address alone: refused"
is "$(count_to "$P")" 0 "#assign refused: nothing relayed"

# A plain answer to the ticket's own customer: the signed address is enough.
mail_to "$T/a1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" a1@example.com \
    "Please unplug it.  Token-a1." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to "$P")" 1 "an answer to the ticket's customer is relayed"
is "$(owner 1)" agent1@example.com "and the answering agent owns the ticket"

# With our MX's DKIM pass for the agent's domain the commands count.
mail_to "$T/s1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" s1@example.com \
    "#assign agent2@example.com
#note

Agent Two takes over.  Token-s1." "$AR_PASS"
sink_reset
dlv "$T/s1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(owner 1)" agent2@example.com "#assign agent2 with DKIM pass: obeyed"

# --- One agent's address is not another's -------------------------------
mail_to "$T/b1.eml" "Agent Two <agent2@example.com>" "$RN1" \
    "Re: [Ticket#1] Printer on fire" b1@example.com \
    "#status closed

Closing with agent1's address.  Token-b1."
sink_reset
dlv "$T/b1.eml" --sender agent2@example.com --recipient "$RN1"
settle
is "$(count_to "$P")" 0 "agent1's address from agent2: nothing relayed"
is "$(msg 1 b1@example.com '.flags | index("unverified") != null')" true \
    "agent1's address from agent2: an unverified note"
is "$(show 1 .status)" pending "agent1's address from agent2: #status not obeyed"

# --- ticket set N owner: agents only ----------------------------------------
md ticket set 1 owner mallory@evil.example > "$T/out" 2> "$T/err"
is "$?" 64 "ticket set 1 owner <no agent>: exit 64"
like "$(cat "$T/err")" 'no agent' "it says the address is no agent"
is "$(owner 1)" agent2@example.com "and the owner is unchanged"
md ticket set 1 owner agent1@example.com > /dev/null 2>&1
is "$?" 0 "ticket set 1 owner <an agent>: exit 0"
is "$(owner 1)" agent1@example.com "the agent owns it"

# --- The export -------------------------------------------------------------
# A ticket of its own: agent1 answers (a reply-all, Cc the customer, so
# her copy shows agent1's signed address), she replies to all of it,
# naming that address, and an agent writes a note.
RN1_T1=$RN1 RN2_T1=$RN2
open_ticket "$P" e1@example.net "Export me"
TE=$(last_ticket)
mail_to "$T/e2.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#$TE] Export me" e2@example.com "Here you are.  Token-e2." \
    "Cc: $P" "In-Reply-To: $NMID1"
sink_reset
dlv "$T/e2.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to "$P")" 1 "the agent's answer is relayed"
mail_to "$T/e3.eml" "Paula Probe <$P>" agent1@example.com \
    "Re: [Ticket#$TE] Export me" e3@example.net "Thanks.  Token-e3." \
    "Cc: $RN1" "In-Reply-To: <e2@example.com>"
dlv "$T/e3.eml" --sender "$P" --recipient "$RN1"
is "$(msg "$TE" e3@example.net .kind)" customer "her reply-all is in the ticket"
md ticket note "$TE" --from agent1@example.com > /dev/null 2>&1 <<'EON'
Internal: she sounds upset.  Note-Token-n1.
EON
is "$?" 0 "an internal note on the command line"
E="$T/export"
md customer export "$P" -o "$E" > /dev/null 2> "$T/err"
is "$?" 0 "customer export exits 0"
ET=".tickets[] | select(.number == $TE)"
found=""
for a in "$RN1" "$RN2" "$RN1_T1" "$RN2_T1"; do
	[ -n "$a" ] && grep -r -q -F -- "$a" "$E" && found="$found $a"
done
is "$found" "" "no agent's signed reply address anywhere in the export"
is "$(jq -r "[$ET | .messages[] | select(.kind == \"note\")] |
    map(.internal) | tostring" "$E/export.json")" '[true]' \
    "the note is in export.json, marked internal"
like "$(jq -r "[$ET | .messages[] | select(.kind == \"note\") | .text] |
    join(\" \")" "$E/export.json")" 'Note-Token-n1' "with its text"
is "$(grep -c 'Note-Token-n1' "$E/mail.mbox")" 0 "no note in the mbox"
is "$(grep -r -l 'Note-Token-n1' "$E/raw" | wc -l | tr -d ' ')" 0 \
    "no note in raw/"
is "$(jq -r "[$ET | .messages[] | select(.kind == \"agent\")][0] |
    [.from.email, .to[0].email] | join(\" \")" "$E/export.json")" \
    "support@example.com $P" "the agent's answer: as the customer received it"
like "$(grep -l 'Token-e2' "$E"/raw/* | head -n 1 | xargs cat)" \
    'From: (.* <)?support@example\.com' "its raw copy is the relayed mail"

# --- An old signed address -------------------------------------------------
if ! command -v faketime > /dev/null 2>&1; then
	skip "reply addresses expire" "faketime(1) not installed"
	finish
fi
mail_to "$T/o1.eml" "Paula Probe <$P>" support@example.com "Old matter" \
    o1@example.net "An old question."
sink_reset
ago 40 deliver --sender "$P" --recipient support@example.com \
    < "$T/o1.eml" > /dev/null 2>&1
settle
OLD=$(addr_of "$(mail_header "$(one "$(sink_to agent1@example.com)")" \
    Reply-To)")
TO=$(last_ticket)
if [ "$(show "$TO" '.created | .[0:10]')" = "$(date -u +%F)" ]; then
	skip "reply addresses expire" "faketime does not change maildesk's clock"
	finish
fi
mail_to "$T/o2.eml" "Agent One <agent1@example.com>" "$OLD" \
    "Re: [Ticket#$TO] Old matter" o2@example.com "Late answer.  Token-o2."
sink_reset
dlv "$T/o2.eml" --sender agent1@example.com --recipient "$OLD"
settle
is "$(count_to "$P")" 0 "a signed address 40 days old: nothing relayed"
is "$(msg "$TO" o2@example.com .kind)" note "it is kept as a note"
R=$(one "$(sink_to agent1@example.com)")
text_has "$R" "too old" "the agent is told the address is too old"
NEW=$(addr_of "$(mail_header "$R" Reply-To)")
[ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && ok "and given a fresh one" ||
    not_ok "and given a fresh one" "[$NEW] [$OLD]"
mail_to "$T/o3.eml" "Agent One <agent1@example.com>" "${NEW:-x@example.com}" \
    "Re: [Ticket#$TO] Old matter" o3@example.com "Answer again.  Token-o3."
sink_reset
dlv "$T/o3.eml" --sender agent1@example.com --recipient "${NEW:-x@example.com}"
settle
is "$(count_to "$P")" 1 "an answer to the fresh address is relayed"
finish
