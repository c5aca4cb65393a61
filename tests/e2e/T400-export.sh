#!/bin/sh
# SPDX-License-Identifier: MIT
# The right of access and to data portability (GDPR Art. 15, 20): `customer
# export` of a customer with several tickets, an attachment, follow-ups and
# agents' answers writes every message of their tickets, parsed as `ticket
# show --json` shows it and raw byte for byte as `ticket raw` gives it, an
# mboxrd file that unquotes to the same raw mails, their outbox entries and
# the audit entries about them, and nothing of another customer.  The
# export is audited under a keyed hash, never the address.  Then the right
# to rectification (Art. 16): `customer set`.  A participant in somebody
# else's ticket gets their own messages, not the other customer's.
. "$(dirname "$0")/lib.sh"

# No relay listens on port 1: what is queued stays in the outbox, so the
# export has outbox entries to show.
setup_store "[smtp]" "host = 127.0.0.1" "port = 1" "timeout-seconds = 2" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"

P=paula.probe@example.net
Q=quentin.other@example.org
QMARK=Quux-Other-7718

# dlv FILE FROM: deliver to support@, must exit 0.
dlv() {
	md deliver --sender "$2" --recipient "${3:-support@example.com}" \
	    < "$1" > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || not_ok "deliver $(basename "$1") exits 0" \
	    "exit $rc: $(cat "$T/err")"
}

md agent add a1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add failed"

# Ticket 1: plain text whose body has lines an mbox must quote.
cat > "$T/p1.eml" <<'EOM'
From: Paula Probe <paula.probe@example.net>
To: support@example.com
Subject: Printer on fire
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <p1@export.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

My printer is on fire.

From the start it smelled odd.
>From the quoted line, too.
>>From even deeper.
EOM
dlv "$T/p1.eml" "$P"

# Quentin, another customer, before Paula's second ticket: his ticket sits
# between hers.
cat > "$T/q1.eml" <<EOM
From: Quentin Other <$Q>
To: support@example.com
Subject: Other matter $QMARK
Date: Mon, 02 Mar 2026 10:05:00 +0100
Message-ID: <q1@export.test>

A question of my own.  $QMARK, account QACC-55102.
EOM
dlv "$T/q1.eml" "$Q"

# Ticket 3: with a PDF attachment, then a follow-up.
PDF64=$(printf '%%PDF-1.4\n%% export test invoice 4711\n%%%%EOF\n' | base64)
cat > "$T/p2.eml" <<EOM
From: Paula Probe <$P>
To: support@example.com
Subject: Invoice wrong
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <p2@export.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The invoice is wrong, see attached.
--b1
Content-Type: application/pdf; name="invoice-4711.pdf"
Content-Disposition: attachment; filename="invoice-4711.pdf"
Content-Transfer-Encoding: base64

$PDF64
--b1--
EOM
dlv "$T/p2.eml" "$P"
cat > "$T/p3.eml" <<EOM
From: Paula Probe <$P>
To: support@example.com
Subject: Re: [Ticket#3] Invoice wrong
Date: Mon, 02 Mar 2026 11:30:00 +0100
Message-ID: <p3@export.test>
In-Reply-To: <p2@export.test>
References: <p2@export.test>

One more thing about the invoice.
EOM
dlv "$T/p3.eml" "$P"

# Ticket 4: a third request, in German.
cat > "$T/p4.eml" <<'EOM'
From: Paula Probe <paula.probe@example.net>
To: support@example.com
Subject: =?UTF-8?Q?R=C3=BCckfrage?=
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <p4@export.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.
EOM
dlv "$T/p4.eml" "$P"

# The agent answers tickets 1 and 3 on the command line.
echo "We sent the fire brigade." |
    md ticket reply 1 --from a1@example.com > /dev/null 2>&1
is "$?" 0 "the agent's reply to ticket 1 is stored"
echo "A corrected invoice follows." |
    md ticket reply 3 --from a1@example.com > /dev/null 2>&1
is "$?" 0 "the agent's reply to ticket 3 is stored"

tickets=$(md customer show "$P" --json | jq -c '.tickets')
is "$tickets" "[1,3,4]" "Paula has tickets 1, 3 and 4"
is "$(md customer show "$Q" --json | jq -c '.tickets')" "[2]" \
    "Quentin has ticket 2"

# --- The export -----------------------------------------------------------
E="$T/export-paula"
md customer export "$P" -o "$E" > "$T/out" 2> "$T/err"
is "$?" 0 "customer export exits 0"
like "$(cat "$T/out")" "3 tickets" "it says how many tickets it exported"
[ -f "$E/export.json" ] && [ -f "$E/mail.mbox" ] && [ -d "$E/raw" ] &&
    ok "it writes export.json, mail.mbox and raw/" ||
    not_ok "it writes export.json, mail.mbox and raw/" "$(ls -R "$E")"
J="$E/export.json"
jq -e . "$J" > /dev/null 2>&1 && ok "export.json is JSON" ||
    not_ok "export.json is JSON"

ej() {
	jq -r "$1" "$J"
}

is "$(ej '.schema')" maildesk-export "schema: maildesk-export"
is "$(ej '.version')" 2 "version: 2"
is "$(ej 'keys_unsorted | join(",")')" \
    "schema,version,exported,customer,tickets,outbox,audit" \
    "the members of schema version 2, in order"
like "$(ej '.exported')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9:]{5}$' \
    "exported: an ISO 8601 time"
is "$(jq -S -c . "$J" | jq -S -c '.customer')" \
    "$(md customer show "$P" --json | jq -S -c .)" \
    "customer: the profile as customer show --json prints it"
is "$(ej '[.tickets[].number] | tostring')" "$tickets" \
    "tickets: exactly the customer's, in order"

# Every ticket as ticket show --json prints it, messages and all; but an
# agent's answer is the mail as the customer received it (T345 shows why).
noagent='.messages |= map(select(.kind != "agent"))'
total=0
for n in 1 3 4; do
	is "$(ej ".tickets[] | select(.number == $n) | $noagent" | jq -S -c .)" \
	    "$(md ticket show "$n" --json | jq -S -c "$noagent")" \
	    "ticket $n: the same as ticket show --json (but for agent answers)"
	total=$((total + $(md ticket show "$n" --json | jq '.messages | length')))
done
is "$(ej '[.tickets[].messages[] | select(.kind == "agent") |
    [.from.email, .to[0].email, (.text | rtrimstr("\n"))] | join(" ")] |
    join(",")')" \
    "support@example.com $P We sent the fire brigade.,support@example.com $P A corrected invoice follows." \
    "the agent's answers: as relayed, from us to her, the agent's text"
is "$(ej '[.tickets[].messages[]] | length')" "$total" \
    "every message of the three tickets ($total)"
is "$(ej '[.tickets[].messages[] | select(.kind == "agent")] | length')" 2 \
    "the agent's two answers are in it"
is "$(ej '[.tickets[].messages[] | select(.kind == "ack")] | length')" 3 \
    "the three acknowledgements are in it"
is "$(ej '.tickets[].messages[].attachments[] | .filename')" \
    invoice-4711.pdf "the attachment is listed"
is "$(ej '.tickets[].messages[].attachments[] | .sha256')" \
    "$(printf '%s\n' "$PDF64" | base64 -d | sha256sum | cut -d' ' -f1)" \
    "with the SHA-256 of its bytes"
like "$(ej '.tickets[] | select(.number == 4) | .messages[0].text')" \
    'Grüße aus München' "decoded text, UTF-8"

# raw/<ticket>-<seq>.eml: each byte for byte what ticket raw gives.
is "$(find "$E/raw" -type f | wc -l | tr -d ' ')" "$total" \
    "raw/ holds one file per message"
bad=""
for n in 1 3 4; do
	c=$(md ticket show "$n" --json | jq '.messages | length')
	i=1
	while [ "$i" -le "$c" ]; do
		md ticket raw "$n" "$i" > "$T/raw.eml"
		if [ "$(md ticket show "$n" --json |
		    jq -r ".messages[$((i - 1))].kind")" = agent ]; then
			# The relayed mail: from us, to her.
			grep -Eq '^From: (.* <)?support@example\.com' \
			    "$E/raw/$n-$i.eml" &&
			    grep -q "^To: .*<$P>" "$E/raw/$n-$i.eml" ||
			    bad="$bad $n-$i"
		else
			cmp -s "$T/raw.eml" "$E/raw/$n-$i.eml" ||
			    bad="$bad $n-$i"
		fi
		i=$((i + 1))
	done
done
is "$bad" "" "every raw/N-I.eml equals ticket raw N I byte for byte (an answer: as relayed)"
cmp -s "$T/p2.eml" "$E/raw/3-1.eml" &&
    ok "the mail with the attachment is exported as it was received" ||
    not_ok "the mail with the attachment is exported as it was received"

# --- The mbox (mboxrd) ----------------------------------------------------
M="$E/mail.mbox"
is "$(grep -c '^From ' "$M")" "$total" \
    "mail.mbox: one From separator line per message"
is "$(grep -c '^>From the start it smelled odd\.$' "$M")" 1 \
    "a body line 'From ' is quoted '>From '"
is "$(grep -c '^>>From the quoted line, too\.$' "$M")" 1 \
    "a body line '>From ' is quoted '>>From ' (mboxrd)"
is "$(grep -c '^>>>From even deeper\.$' "$M")" 1 \
    "a body line '>>From ' is quoted '>>>From '"
# Unquote: split at the separators, drop the blank line that ends each
# mail, take one '>' off every '>+From ' line.
mkdir "$T/unq"
awk -v dir="$T/unq" '
	/^From / {
		n++; f = sprintf("%s/%03d.eml", dir, n); held = 0; next
	}
	{
		if (held) { print "" > f; held = 0 }
		if ($0 == "") { held = 1; next }
		if ($0 ~ /^>+From /) $0 = substr($0, 2)
		print > f
	}' "$M"
ej '.tickets[] | .number as $n | range(1; (.messages | length) + 1) |
    "\($n)-\(.)"' > "$T/order"
bad=""
k=1
while read -r name; do
	cmp -s "$(printf '%s/%03d.eml' "$T/unq" "$k")" "$E/raw/$name.eml" ||
	    bad="$bad $name"
	k=$((k + 1))
done < "$T/order"
is "$bad" "" "unquoting the mbox gives back every raw mail, in order"
is "$(ls "$T/unq" | wc -l | tr -d ' ')" "$total" \
    "and nothing more"

# --- The outbox -----------------------------------------------------------
# Everything queued for her (acks, the agents' relayed answers) is in it;
# nothing of Quentin's ticket.
want=$(md outbox --json | jq -c --arg p "$P" \
    '[.[] | select(.to | index($p)) | .id]')
is "$(ej '[.outbox[] | .id] | tostring' | jq -c --argjson w "$want" \
    '. as $got | $w - $got')" "[]" \
    "outbox: every entry addressed to her ($want)"
is "$(ej '[.outbox[] | select(.kind == "reply")] | length')" 2 \
    "the two relayed answers wait in the outbox"
is "$(ej '[.outbox[] | select(.ticket == 2)] | length')" 0 \
    "no outbox entry of Quentin's ticket"
is "$(ej '[.outbox[] | keys_unsorted | join(",")] | unique | .[]')" \
    "id,kind,ticket,state,message_id,last_error,message" \
    "outbox entries: id, kind, ticket, state, message_id, last_error, message"
like "$(ej '.outbox[] | select(.kind == "reply") | .message' | head -c 2000)" \
    'We sent the fire brigade' "an entry holds the mail as it will be sent"

# --- Nothing of another customer ------------------------------------------
for f in "$J" "$M"; do
	is "$(grep -a -c -i -e "$Q" -e "$QMARK" -e quentin "$f")" 0 \
	    "$(basename "$f"): nothing of Quentin (address, name, marker)"
done
is "$(grep -a -r -l -i -e "$Q" -e "$QMARK" -e quentin "$E" | wc -l |
    tr -d ' ')" 0 "no file of the export mentions Quentin"

# --- The audit ------------------------------------------------------------
md audit --json > "$T/audit.json"
is "$(jq -r '.[-1].action' "$T/audit.json")" export \
    "audit: an export entry"
like "$(jq -r '.[-1].subject' "$T/audit.json")" '^hmac-sha256:[0-9a-f]{64}$' \
    "its subject is a keyed hash"
is "$(jq -c '.[-1].tickets' "$T/audit.json")" "$tickets" \
    "it names the tickets exported"
like "$(jq -r '.[-1].actor' "$T/audit.json")" '.' "it names who ran it"
like "$(jq -r '.[-1].time' "$T/audit.json")" '^[0-9]{4}-' "and when"
is "$( { md audit; cat "$T/audit.json"; } | grep -a -c -i -e paula -e probe)" 0 \
    "neither audit nor audit --json shows her address or name"
is "$(ej '[.audit[] | select(.action == "export")] | length')" 1 \
    "the export's own audit entry is part of the export"
HASH=$(jq -r '.[-1].subject' "$T/audit.json")
md customer export "$P" -o "$T/export-again" > /dev/null 2>&1
is "$(jqr '.[-1].subject' audit --json)" "$HASH" \
    "a second export is recorded under the same hash"
md customer export "$Q" -o "$T/export-quentin" > /dev/null 2>&1
H2=$(jqr '.[-1].subject' audit --json)
[ -n "$H2" ] && [ "$H2" != "$HASH" ] &&
    ok "another customer's export has another hash" ||
    not_ok "another customer's export has another hash" "$H2"
is "$(jq '.audit | length' "$T/export-quentin/export.json")" 1 \
    "Quentin's export holds only the audit entry about him"
is "$(grep -a -r -c -i -e paula -e "Printer on fire" \
    "$T/export-quentin" | grep -vc ':0$')" 0 \
    "nothing of Paula in Quentin's export"

# An export into a directory that holds an earlier export of someone else
# must not hand over the other person's files: it refuses, or replaces them.
md customer export "$P" -o "$T/export-quentin" > "$T/out" 2> "$T/err"
rc=$?
left=$(grep -a -r -l -e "$Q" -e "$QMARK" "$T/export-quentin" | sed "s|$T/||")
if [ "$rc" -ne 0 ]; then
	ok "an export into another person's export directory is refused"
elif [ -z "$left" ]; then
	ok "an export into another person's export directory keeps nothing of theirs"
else
	not_ok "an export into another person's export directory keeps nothing of theirs" \
	    "still there: $(echo $left)"
fi

# The default directory: maildesk-export-ADDR in the working directory.
(cd "$T" && "$MAILDESK" -c "$T/maildesk.conf" customer export "$P") \
    > /dev/null 2>&1
[ -f "$T/maildesk-export-$P/export.json" ] &&
    ok "without -o: ./maildesk-export-ADDR/" ||
    not_ok "without -o: ./maildesk-export-ADDR/" "$(ls "$T")"

# An unknown address: exit 1, nothing written.
md customer export nobody@example.com -o "$T/nobody" > /dev/null 2>&1
is "$?" 1 "export of an unknown address exits 1"
[ ! -e "$T/nobody" ] && ok "and writes nothing" || not_ok "and writes nothing"

# --- Rectification (Art. 16): customer set --------------------------------
n0=$(jqr 'length' audit --json)
md customer set "$P" first_name Paulina > /dev/null
is "$?" 0 "customer set first_name exits 0"
md customer set "$P" last_name Probe-Smith > /dev/null
md customer set "$P" phone "+49 30 1234567" > /dev/null
is "$(md customer show "$P" --json | jq -c '[.first_name, .last_name,
    .fields.phone]')" '["Paulina","Probe-Smith","+49 30 1234567"]' \
    "the names and a free field are set"
cat > "$T/p5.eml" <<EOM
From: Paula Probe <$P>
To: support@example.com
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 13:00:00 +0100
Message-ID: <p5@export.test>
In-Reply-To: <p1@export.test>

Still burning.
EOM
dlv "$T/p5.eml" "$P"
is "$(md customer show "$P" --json | jq -c '[.first_name, .last_name]')" \
    '["Paulina","Probe-Smith"]' "later mail does not overwrite a hand-set name"
md customer set "$P" phone "" > /dev/null
is "$(md customer show "$P" --json | jq -c '.fields')" '{}' \
    "an empty value removes a free field"
md customer set "$P" email paula@example.com > /dev/null
is "$?" 0 "customer set email exits 0"
md customer show "$P" > /dev/null 2>&1
is "$?" 1 "the old address is no longer found"
is "$(md customer show paula@example.com --json | jq -c '.tickets')" \
    "[1,3,4]" "the new address finds her tickets"
is "$(md ticket list --customer paula@example.com --json | jq length)" 3 \
    "ticket list --customer finds them under the new address"
md customer set paula@example.com email "$Q" > /dev/null 2>&1
is "$?" 64 "another customer's address is refused (exit 64)"
md customer set paula@example.com first_name "$(printf '\377')" \
    > /dev/null 2>&1
is "$?" 64 "a value that is not UTF-8 is refused (exit 64)"
md audit --json > "$T/audit.json"
is "$(jq "[.[$n0:][] | select(.action == \"correct\")] | length" \
    "$T/audit.json")" 5 "each correction is audited"
is "$(jq -r ".[$n0:][] | select(.action == \"correct\") | .detail" \
    "$T/audit.json" | sort -u | tr '\n' ' ')" \
    "field email field first_name field last_name field phone " \
    "the audit names the field"
is "$(grep -a -c -e Paulina -e Probe-Smith -e 1234567 -e paula "$T/audit.json")" \
    0 "but never the value"

# --- A participant in somebody else's ticket -----------------------------
# Walter answers in Quentin's ticket 2, to the signed reply address of
# Quentin's acknowledgement (forwarded to him).  His export holds his own
# message; Quentin's mail in that ticket is Quentin's data, not his.
W=walter.guest@example.com
QRT=$(md ticket show 2 --json | jq -r '[.messages[] | select(.kind == "ack")
    | .reply_to.email][0] // "support@example.com"')
cat > "$T/w1.eml" <<EOM
From: Walter Guest <$W>
To: $QRT
Subject: Re: Other matter
Date: Mon, 02 Mar 2026 14:00:00 +0100
Message-ID: <w1@export.test>
In-Reply-To: <q1@export.test>

I can confirm it.  Walter-Own-4402
EOM
dlv "$T/w1.eml" "$W" "$QRT"
is "$(md customer show "$W" --json | jq -c .tickets)" "[2]" \
    "Walter is linked to Quentin's ticket 2"
md customer export "$W" -o "$T/export-walter" > /dev/null 2>&1
is "$?" 0 "the participant's export exits 0"
WJ="$T/export-walter/export.json"
is "$(jq '[.tickets[].messages[] | select(.message_id == "w1@export.test")] |
    length' "$WJ")" 1 "it holds his message"
cmp -s "$T/w1.eml" "$(grep -l -r -F Walter-Own-4402 "$T/export-walter/raw" |
    head -n 1)" && ok "and his raw mail, byte for byte" ||
    not_ok "and his raw mail, byte for byte"
is "$(grep -a -r -l -i -e "$Q" -e QACC-55102 -e quentin "$T/export-walter" |
    sed "s|$T/||" | tr '\n' ' ')" "" \
    "nothing of Quentin: not his address, name or text"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
