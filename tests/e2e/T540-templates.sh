#!/bin/sh
# SPDX-License-Identifier: MIT
# Text modules and signatures, with an smtp-sink relay.  The site keeps
# text modules in <templates dir>/modules: `#template NAME` in an agent's
# mail and `ticket reply --template NAME` put one, with the ticket's
# variables filled in, above what the agent wrote; a module the site has
# not written (even one named like a template compiled into the binary)
# is refused and the agent told; a name that could leave the directory is
# no command.  Every relayed answer ends with the queue's signature
# (modules/signature-<queue>.txt, else modules/signature.txt).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

TPL="$T/tpl"
mkdir -p "$TPL/modules"
cp "$SRCDIR"/contrib/templates/*.txt "$TPL"/
printf 'Hello {{name}},\n\nyour password for ticket {{ticket}} is reset: Module-{{queue}}.\n' \
    > "$TPL/modules/reset-password.txt"
printf -- '-- \nThe support team of Example Ltd (ticket {{ticket}})\n' \
    > "$TPL/modules/signature-support.txt"
printf -- '-- \nExample Ltd, everyone\n' > "$TPL/modules/signature.txt"
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "timeout-seconds = 10" "[templates]" "dir = $TPL" \
    "[ack]" "per-hour = 1000" "per-day = 1000"
support_agents
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > /dev/null || bail "agent add agent3 failed"
P=paula@example.net

open_ticket "$P" p1@example.net "Cannot log in"

# --- #template alone --------------------------------------------------------
mail_to "$T/a1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Cannot log in" a1@example.com "#template reset-password" \
    "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
A=$(one "$(sink_to "$P")")
is "$(count_to "$P")" 1 "#template alone: an answer goes to the customer"
text_has "$A" "Hello Paula Probe," "the module, with her name filled in"
text_has "$A" "your password for ticket 1 is reset: Module-support." \
    "and the ticket's number and queue"
text_has "$A" "The support team of Example Ltd (ticket 1)" \
    "the support queue's signature under it"
text_lacks "$A" "#template" "no command line in it"
like "$(msg 1 a1@example.com .text)" 'your password for ticket 1 is reset' \
    "the ticket keeps the answer with the module"

# --- #template with the agent's own text -------------------------------------
mail_to "$T/a2.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Cannot log in" a2@example.com "#template reset-password

PS: Own-Text-a2." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a2.eml" --sender agent1@example.com --recipient "$RN1"
settle
A=$(one "$(sink_to "$P")")
text_has "$A" "Own-Text-a2." "the agent's own text is in it"
if have_python; then
	body=$(mail_decoded "$A" text)
	mod=$(printf '%s\n' "$body" | grep -n 'is reset' | cut -d: -f1)
	own=$(printf '%s\n' "$body" | grep -n 'Own-Text-a2' | cut -d: -f1)
	sig=$(printf '%s\n' "$body" | grep -n 'Example Ltd' | cut -d: -f1)
	[ -n "$mod" ] && [ -n "$own" ] && [ -n "$sig" ] &&
	    [ "$mod" -lt "$own" ] && [ "$own" -lt "$sig" ] &&
	    ok "module, then the agent's text, then the signature" ||
	    not_ok "module, then the agent's text, then the signature" \
	    "lines $mod $own $sig"
else
	skip "module, then the agent's text, then the signature" "python3"
fi

# --- Modules the site has not written -----------------------------------------
for name in nosuch ack; do
	mail_to "$T/b-$name.eml" "Agent One <agent1@example.com>" "$RN1" \
	    "Re: [Ticket#1] Cannot log in" "b-$name@example.com" \
	    "#template $name

Token-b-$name." "In-Reply-To: $NMID1"
	sink_reset
	dlv "$T/b-$name.eml" --sender agent1@example.com --recipient "$RN1"
	settle
	is "$(count_to "$P")" 0 "#template $name: nothing goes to the customer"
	is "$(msg 1 "b-$name@example.com" .kind)" note "the mail is kept as a note"
	text_has "$(one "$(sink_to agent1@example.com)")" "no text module" \
	    "agent1 is told there is no text module $name"
done
mail_to "$T/b3.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Cannot log in" b3@example.com "#template ../ack.en

Token-b3." "In-Reply-To: $NMID1"
sink_reset
dlv "$T/b3.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to "$P")" 0 "#template with a path: nothing goes to the customer"
like "$(mail_header "$(one "$(sink_to agent1@example.com)")" Subject)" \
    'command not understood' "it is no command"

# --- ticket reply --template -------------------------------------------------
sink_reset
md ticket reply 1 --from agent1@example.com --template reset-password \
    < /dev/null > "$T/out" 2> "$T/err"
is "$?" 0 "ticket reply --template: exit 0"
settle
A=$(one "$(sink_to "$P")")
text_has "$A" "your password for ticket 1 is reset" "the customer gets the module"
text_has "$A" "Example Ltd (ticket 1)" "and the signature"
printf 'Own-Text-cli.\n' | md ticket reply 1 --from agent1@example.com \
    --template nosuch > "$T/out" 2> "$T/err"
is "$?" 64 "ticket reply --template nosuch: exit 64"
like "$(cat "$T/err")" 'no text module' "it says there is no such module"
is "$(show 1 '[.messages[] | select(.text != null) |
    select(.text | contains("Own-Text-cli"))] | length')" 0 "nothing stored"

# --- The signature of another queue, and answers without a module --------------
mail_to "$T/s1.eml" "Paula Probe <$P>" sales@example.com "Prices" \
    s1@example.net "What does it cost?"
sink_reset
dlv "$T/s1.eml" --sender "$P" --recipient sales@example.com
settle
TS=$(last_ticket)
sink_reset
printf 'It costs little.\n' | md ticket reply "$TS" --from agent3@example.com \
    > /dev/null 2>&1
settle
A=$(one "$(sink_to "$P")")
text_has "$A" "It costs little." "an answer from sales"
text_has "$A" "Example Ltd, everyone" "ends with the general signature"
text_lacks "$A" "The support team" "not support's"
finish
