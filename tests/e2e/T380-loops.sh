#!/bin/sh
# SPDX-License-Identifier: MIT
# Loops (issue 11, items 5 and 6), with an smtp-sink relay.
# - Two installations: A's agent answers a customer whose address is B's
#   support address.  B stores it as customer mail and notifies its agent:
#   each installation's X-Loop mark is its own (derived from its store's
#   secret), where all used to write "maildesk".
# - A knows its own mail coming back by its mark, and by the MAC in its
#   Message-ID when a forwarder removed the mark and wrote its own From:
#   flagged loop, nothing sent.
# - Out-of-office subjects in English, German, French, Spanish, Italian
#   and Dutch, with or without a colon, and the vacation headers, make a
#   mail an auto-reply: no acknowledgement, no notification.
# - An agent's out-of-office without Auto-Submitted ("Abwesend: ...") to
#   their signed address is never relayed: a note, and no word back.
# - [agents] relays-per-hour caps the answers relayed per ticket and hour:
#   the rest are kept as notes and the ticket says why.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf "[agents]" "relays-per-hour = 3"
support_agents

# Installation B: another company, its own store, the same relay.
B="$T/b"
mkdir -p "$B"
sed -e "s|^path = .*|path = $B/store|" \
    -e 's|^support@example.com = support$|support@b.example = support|' \
    -e '/^sales@example.com = /d' "$T/maildesk.conf" > "$B/maildesk.conf"
mdb() {
	"$MAILDESK" -c "$B/maildesk.conf" "$@"
}
mdb init > /dev/null || bail "init of B failed"
mdb agent add bob@b.example --queue support > /dev/null

# --- B writes to A: A's agent answers -------------------------------------
open_ticket support@b.example b1@b.example "Order from B"
mail_to "$T/a1.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Re: [Ticket#1] Order from B" a1@example.com "Shipped today.  Token-a1." \
    "In-Reply-To: $NMID1"
sink_reset
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
ANSWER=$(one "$(sink_to support@b.example)")
sink_message "$ANSWER" > "$T/answer.eml"
MARK_A=$(mail_header "$ANSWER" X-Loop)
like "$MARK_A" '^maildesk-[0-9a-f]{12}$' "A's answer carries A's loop mark"

sink_reset
mdb deliver --sender support@example.com --recipient support@b.example \
    < "$T/answer.eml" > /dev/null 2> "$T/err"
is "$?" 0 "B takes A's answer"
mdb flush > /dev/null 2>&1
is "$(mdb ticket show 1 --json | jq -r '.messages[0].flags | index("loop") != null')" \
    false "B does not take A's answer for its own loop"
is "$(count_to bob@b.example)" 1 "B notifies its agent of it"
MARK_B=$(mail_header "$(one "$(sink_to bob@b.example)")" X-Loop)
[ -n "$MARK_B" ] && [ "$MARK_B" != "$MARK_A" ] &&
    ok "B's mark is not A's" || not_ok "B's mark is not A's" "[$MARK_A] [$MARK_B]"

# --- A's own mail back at A -------------------------------------------------
n0=$(tickets)
sed 's/^Message-I[Dd]: .*/Message-ID: <fwd1@b.example>/' "$T/answer.eml" \
    > "$T/back1.eml"
sink_reset
dlv "$T/back1.eml" --sender support@b.example --recipient support@example.com
settle
n=$(last_ticket)
is "$(show "$n" '.messages[-1].flags | index("loop") != null')" true \
    "A's mark coming back: flagged loop"
# A forwarder that drops the mark and writes its own From.
grep -v -i '^X-Loop:' "$T/answer.eml" |
    sed 's/^From: .*/From: Forwarder <fwd@b.example>/' > "$T/back2.eml"
dlv "$T/back2.eml" --sender support@b.example --recipient support@example.com
settle
n=$(last_ticket)
is "$(show "$n" '.messages[-1].flags | index("loop") != null')" true \
    "A's mail without its mark, known by its signed Message-ID: flagged loop"
is "$(sink_count)" 0 "nothing answers A's own mail"

# --- Out-of-office subjects ---------------------------------------------------
i=0
bad=""
while read -r subject; do
	i=$((i + 1))
	mail_to "$T/o$i.eml" "Olga Out <olga$i@example.net>" support@example.com \
	    "$subject" "ooo$i@example.net" "I am away."
	dlv "$T/o$i.eml" --sender "olga$i@example.net" \
	    --recipient support@example.com
	t=$(md ticket list --customer "olga$i@example.net" --json |
	    jq '.[0].number')
	[ "$(show "$t" .messages[0].kind)" = auto-reply ] || bad="$bad [$subject]"
done <<'EOS'
Out of Office: Re: your order
Out of office Re: your order
Automatic reply: Re: your order
Abwesend: Re: Ihre Bestellung
Abwesend : Re: Ihre Bestellung
Abwesenheitsnotiz Re: Ihre Bestellung
Automatische Antwort: Re: Ihre Bestellung
Réponse automatique : Re: votre commande
Réponse automatique Re: votre commande
Absence : Re: votre commande
Respuesta automática: Re: su pedido
Fuera de la oficina Re: su pedido
Risposta automatica: Re: il suo ordine
Fuori ufficio Re: il suo ordine
Automatisch antwoord: Re: uw bestelling
Afwezig: Re: uw bestelling
Buiten kantoor Re: uw bestelling
EOS
is "$bad" "" "out-of-office subjects in six languages, with or without colon: auto-replies"
j=0
for h in "X-Autoreply: yes" "X-Autorespond: yes" "X-Autoresponder: on"; do
	j=$((j + 1))
	mail_to "$T/h$j.eml" "Hans Header <hans$j@example.net>" \
	    support@example.com "Re: your order" "hdr$j@example.net" "Away." "$h"
	dlv "$T/h$j.eml" --sender "hans$j@example.net" \
	    --recipient support@example.com
	t=$(md ticket list --customer "hans$j@example.net" --json |
	    jq '.[0].number')
	is "$(show "$t" .messages[0].kind)" auto-reply "$h: an auto-reply"
done
# A customer's own subject that begins with such a word is no machine's.
k=0
for subject in "Absence of a refund" "Im Urlaub krank geworden" \
    "Vacation rental invoice"; do
	k=$((k + 1))
	mail_to "$T/n$k.eml" "Nora Normal <nora$k@example.net>" \
	    support@example.com "$subject" "nora$k@example.net" "Please help."
	sink_reset
	dlv "$T/n$k.eml" --sender "nora$k@example.net" \
	    --recipient support@example.com
	settle
	is "$(count_to "nora$k@example.net")/$(count_to agent1@example.com)" 1/1 \
	    "\"$subject\" is a customer's mail: acknowledged, agents notified"
done

# --- An agent's out-of-office ------------------------------------------------
mail_to "$T/aw.eml" "Agent One <agent1@example.com>" "$RN1" \
    "Abwesend: Re: [Ticket#1] Order from B" aw@example.com \
    "Ich bin bis 12.3. abwesend, mobil 0170 1234567." \
    "In-Reply-To: $NMID1"
sink_reset
dlv "$T/aw.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to support@b.example)" 0 "an agent's out-of-office is never relayed"
is "$(msg 1 aw@example.com .kind)" note "it is kept as a note"
is "$(msg 1 aw@example.com '.flags | index("auto-reply") != null')" true \
    "flagged auto-reply"
is "$(sink_count)" 0 "and nothing answers it"

# The customer's out-of-office in answer to our relayed answer: no
# notification, so no agent's out-of-office can answer it.
mail_to "$T/cw.eml" "B Support <support@b.example>" "$RC" \
    "Automatische Antwort: [Ticket#1] Order from B" cw@b.example \
    "Wir sind im Urlaub."
sink_reset
dlv "$T/cw.eml" --sender support@b.example --recipient "$RC"
settle
is "$(sink_count)" 0 "the customer's out-of-office: no notification, no ack"

# --- The cap on relayed answers ------------------------------------------------
# a1 was relayed in this hour already; relays-per-hour = 3.
sink_reset
for i in 2 3 4 5; do
	mail_to "$T/r$i.eml" "Agent One <agent1@example.com>" "$RN1" \
	    "Re: [Ticket#1] Order from B" "r$i@example.com" "Answer $i." \
	    "In-Reply-To: $NMID1"
	dlv "$T/r$i.eml" --sender agent1@example.com --recipient "$RN1"
done
settle
is "$(count_to support@b.example)" 2 "relays-per-hour = 3: two more answers relayed"
is "$(show 1 '[.messages[] | select(.message_id | test("^r[45]@")) | .kind] |
    join(",")')" "note,note" "the answers over the cap are kept as notes"
like "$(show 1 '.events | map(.text) | join(" ")')" 'relays|answers relayed' \
    "the ticket says why"
finish
