#!/bin/sh
# SPDX-License-Identifier: MIT
# Acknowledgements and agent notifications (issue 3), checked on the wire:
# an smtp-sink(1) plays the relay and every mail it receives is read back
# from its dump file.  A new ticket gets exactly one acknowledgement with
# the right headers and envelope; replies to it thread by References or by
# the signed Reply-To address alone; agents get a notification with the
# customer's text and attachments; a queue can speak German; machine mail
# (the shared corpus' bounces, auto-replies and list mail, and the null
# sender) gets nothing; the per-address rate limit holds.
. "$(dirname "$0")/lib.sh"

start_sink

# conf [LINES...]: the config for this sink, plus LINES; keeps the store.
conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
	    "timeout-seconds = 10" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" "$@"
}

# cmail FROM MESSAGE-ID SUBJECT [TEXT]: a plain customer mail.
cmail() {
	cat <<EOM
From: $1
To: support@example.com
Subject: $3
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$2>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

${4:-Hello, this is mail $2.}
EOM
}

# dlv FILE ARGS...: deliver, which must exit 0 and print nothing on stdout.
dlv() {
	deliver "$@"
	if [ "$rc" -ne 0 ] || [ -s "$T/out" ]; then
		not_ok "deliver $(basename "$1") exits 0 silently" \
		    "exit $rc: $(cat "$T/out" "$T/err")"
	fi
}

show() {
	jqr "$2" ticket show "$1" --json
}

tickets() {
	jqr 'length' ticket list --json
}

# addr_of VALUE: the address in a header value ("Name <a@b>" or "a@b").
addr_of() {
	printf '%s\n' "$1" | sed -n '1{s/.*<\([^>]*\)>.*/\1/;p;}'
}

# one LIST: the single file in LIST, or /dev/null (so that the checks that
# follow fail instead of reading nothing).
one() {
	if [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; then
		echo "$1"
	else
		echo /dev/null
	fi
}

# text_has FILE FIXED NAME: the decoded text of a dumped mail contains FIXED.
text_has() {
	if ! have_python; then
		skip "$3" "python3 needed to decode the body"
	elif mail_decoded "$1" text | grep -Fq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "no [$2] in: $(mail_decoded "$1" text | head -c 600)"
	fi
}

# text_like FILE ERE NAME: a line of the decoded text matches ERE.
text_like() {
	if ! have_python; then
		skip "$3" "python3 needed to decode the body"
	elif mail_decoded "$1" text | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "no /$2/ in: $(mail_decoded "$1" text | head -c 600)"
	fi
}

conf

# --- A new ticket: one acknowledgement -----------------------------------
cmail 'Paula Probe <paula@example.net>' p1@example.net 'Printer on fire' \
    'My printer is on fire.  Token-p1-7431.' > "$T/p1.eml"
dlv "$T/p1.eml" --sender paula@example.net --recipient support@example.com
is "$rc" 0 "a new mail is delivered"
is "$(tickets)" 1 "it opens ticket 1"
is "$(sink_count)" 1 "exactly one mail reached the relay"
A=$(one "$(sink_mails)")

is "$(sink_mail_from "$A")" support@example.com \
    "envelope sender: our address support@example.com"
is "$(sink_rcpts "$A")" paula@example.net \
    "envelope recipient: only the customer"
is "$(mail_header "$A" From | wc -l | tr -d ' ')" 1 "one From header"
is "$(addr_of "$(mail_header "$A" From)")" support@example.com \
    "From: support@example.com"
is "$(mail_header "$A" To | wc -l | tr -d ' ')" 1 "one To header"
is "$(addr_of "$(mail_header "$A" To)")" paula@example.net \
    "To: the customer"
is "$(mail_header "$A" Cc)$(mail_header "$A" Bcc)" "" "no Cc, no Bcc"
is "$(mail_header "$A" Subject)" "[Ticket#1] Printer on fire" \
    "Subject: [Ticket#1] and the ticket subject"
is "$(mail_header "$A" In-Reply-To)" "<p1@example.net>" \
    "In-Reply-To: the customer's Message-ID"
is "$(mail_header "$A" References)" "<p1@example.net>" \
    "References: the customer's Message-ID"
is "$(mail_header "$A" Auto-Submitted)" auto-replied \
    "Auto-Submitted: auto-replied"
like "$(mail_header "$A" X-Loop)" '^maildesk-[0-9a-f]{12}$' \
    "X-Loop: this installation's mark, maildesk-<hex>"
R1=$(addr_of "$(mail_header "$A" Reply-To)")
like "$R1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "Reply-To: support+1.<day>.<mac>@example.com"
MID=$(mail_header "$A" Message-ID)
is "$(mail_header "$A" Message-ID | wc -l | tr -d ' ')" 1 "one Message-ID"
like "$MID" '^<[^<>@ ]+@[^<>@ ]+>$' "the Message-ID is well-formed"
[ -n "$MID" ] && [ "$MID" != "<p1@example.net>" ] &&
    ok "the Message-ID is our own" ||
    not_ok "the Message-ID is our own" "[$MID]"
MID=$(printf '%s' "$MID" | tr -d '<>')
is "$(mail_header "$A" Date | wc -l | tr -d ' ')" 1 "one Date header"
text_has "$A" "[Ticket#1]" "the text names the ticket tag"
if ! have_python; then
	skip "no placeholder left in the text" "no python3"
elif [ "$A" = /dev/null ]; then
	not_ok "no placeholder left in the text" "no ack"
else
	is "$(mail_decoded "$A" text | grep -c '{{')" 0 \
	    "no placeholder left in the text"
fi

# The ack is part of the ticket.
is "$(show 1 '[.messages[] | select(.direction == "out" and
    .kind == "ack")] | length')" 1 "ticket 1 holds one outgoing ack"
is "$(show 1 '.messages[] | select(.kind == "ack") | .message_id')" \
    "${MID:-(no ack sent)}" \
    "with the Message-ID that was sent"
like "$(show 1 '.messages[] | select(.kind == "ack") | .text')" \
    'received your request' "its text is the English template"

# Nothing else to send, nothing sent twice.
md flush > "$T/flush" 2>&1
is "$?" 0 "flush exits 0"
like "$(cat "$T/flush")" '^flush: 0 sent, 0 deferred, 0 failed$' \
    "flush finds nothing to send"
is "$(sink_count)" 1 "the ack was sent once"
is "$(jqr 'length' outbox --json)" 0 "the outbox is empty"

# --- Replies to the ack thread into ticket 1 ---------------------------
# By References alone: no tag, no In-Reply-To, to the plain address.
cat > "$T/p2.eml" <<EOM
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Re: Printer on fire
Date: Mon, 02 Mar 2026 10:30:00 +0100
Message-ID: <p2@example.net>
References: <$MID>

Thanks.  It is still burning.
EOM
dlv "$T/p2.eml" --sender paula@example.net --recipient support@example.com
is "$(tickets)" 1 "a reply citing the ack in References opens no ticket"
is "$(show 1 '[.messages[] | select(.direction == "in")] | length')" 2 \
    "it is the second customer message of ticket 1"

# By the signed Reply-To address alone: no threading headers, no tag.
cat > "$T/p3.eml" <<EOM
From: Paula Probe <paula@example.net>
To: ${R1:-support+1.1.000000000000@example.com}
Subject: Still burning
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <p3@example.net>

The fire brigade is here now.
EOM
dlv "$T/p3.eml" --sender paula@example.net \
    --recipient "${R1:-support+1.1.000000000000@example.com}"
is "$(tickets)" 1 "a mail to the Reply-To address alone opens no ticket"
is "$(show 1 '[.messages[] | select(.direction == "in")] | length')" 3 \
    "it is the third customer message of ticket 1"
is "$(sink_count)" 1 "replies to a ticket get no ack"

# --- Agents: a notification per customer message -----------------------
conf "[queue support]" "agents = agent1@example.com"
sink_reset
PDF64=$(printf '%%PDF-1.4\n%% maildesk test invoice 4711\n%%%%EOF\n' | base64)
cat > "$T/q1.eml" <<EOM
From: Quentin Query <quentin@example.net>
To: support@example.com
Subject: Invoice wrong
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <q1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The invoice is wrong.  Token-q1-5309.
--b1
Content-Type: application/pdf; name="invoice-4711.pdf"
Content-Disposition: attachment; filename="invoice-4711.pdf"
Content-Transfer-Encoding: base64

$PDF64
--b1--
EOM
dlv "$T/q1.eml" --sender quentin@example.net --recipient support@example.com
is "$(tickets)" 2 "quentin's mail opens ticket 2"
is "$(sink_count)" 2 "an ack and one notification reached the relay"
A2=$(one "$(sink_find Auto-Submitted '^auto-replied$')")
N=$(one "$(sink_find Auto-Submitted '^auto-generated$')")
is "$(sink_rcpts "$A2")" quentin@example.net "the ack goes to the customer"
is "$(sink_rcpts "$N")" agent1@example.com \
    "the notification goes to the agent only"
is "$(sink_mail_from "$N")" support@example.com \
    "notification envelope sender: support@example.com"
is "$(addr_of "$(mail_header "$N" To)")" agent1@example.com \
    "notification To: the agent"
is "$(addr_of "$(mail_header "$N" From)")" support@example.com \
    "notification From: support@example.com"
is "$(mail_header "$N" Subject)" "[Ticket#2] Invoice wrong" \
    "notification Subject: [Ticket#2] Invoice wrong"
like "$(mail_header "$N" X-Loop)" '^maildesk-[0-9a-f]{12}$' \
    "notification X-Loop: the installation's mark"
RN=$(addr_of "$(mail_header "$N" Reply-To)")
RC=$(addr_of "$(mail_header "$A2" Reply-To)")
like "$RN" '^support\+2\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "notification Reply-To: support+2.<day>.<mac>@example.com"
like "$RC" '^support\+2\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "ack of ticket 2 Reply-To: support+2.<day>.<mac>@example.com"
[ -n "$RN" ] && [ "$RN" != "$RC" ] &&
    ok "the agent's Reply-To differs from the customer's" ||
    not_ok "the agent's Reply-To differs from the customer's" "[$RN] [$RC]"
like "$(mail_header "$N" Message-ID)" '^<[^<>@ ]+@[^<>@ ]+>$' \
    "the notification has a Message-ID"
text_has "$N" "Token-q1-5309" "the notification holds the customer's text"
text_has "$N" "Quentin Query" "it names the customer"
text_has "$N" "quentin@example.net" "it gives the customer's address"
text_like "$N" '^Queue:[[:space:]]+support$' "it names the queue"
# Folded lines joined (the headers of every MIME part), then look for the
# attachment's Content-Disposition.
sink_message "$N" | awk '/^[ \t]/ { l = l $0; next }
    { if (NR > 1) print l; l = $0 } END { print l }' > "$T/unfolded"
if grep -Eiq '^Content-Disposition:[[:space:]]*attachment[[:space:]]*;.*filename\*?=[^;]*invoice-4711\.pdf' \
    "$T/unfolded"; then
	ok "the customer's attachment is attached (Content-Disposition filename)"
else
	not_ok "the customer's attachment is attached" \
	    "$(grep -i 'content-disposition' "$T/unfolded" | head -n 4)"
fi
if have_python; then
	is "$(mail_decoded "$N" attachment invoice-4711.pdf | sha256sum)" \
	    "$(printf '%s\n' "$PDF64" | base64 -d | sha256sum)" \
	    "the attachment's bytes are the customer's"
else
	skip "the attachment's bytes are the customer's" "no python3"
fi

# A customer reply: a notification, no ack.
sink_reset
cat > "$T/q2.eml" <<EOM
From: Quentin Query <quentin@example.net>
To: support@example.com
Subject: Re: [Ticket#2] Invoice wrong
Date: Mon, 02 Mar 2026 12:30:00 +0100
Message-ID: <q2@example.net>
In-Reply-To: <q1@example.net>

One more thing.  Token-q2-8812.
EOM
dlv "$T/q2.eml" --sender quentin@example.net --recipient support@example.com
is "$(tickets)" 2 "quentin's reply opens no ticket"
is "$(sink_count)" 1 "a customer reply: one mail"
N2=$(one "$(sink_find Auto-Submitted '^auto-generated$')")
is "$(sink_rcpts "$N2")" agent1@example.com "it is the agent's notification"
text_has "$N2" "Token-q2-8812" "with the reply's text"

# The agent answers the notification: the mail lands in ticket 2.
sink_reset
cat > "$T/agent.eml" <<EOM
From: Agent One <agent1@example.com>
To: ${RN:-support+2.1.000000000000@example.com}
Subject: Re: your invoice
Date: Mon, 02 Mar 2026 13:00:00 +0100
Message-ID: <a1@example.com>

We are looking into it.
EOM
dlv "$T/agent.eml" --sender agent1@example.com \
    --recipient "${RN:-support+2.1.000000000000@example.com}"
is "$(tickets)" 2 "the agent's answer to the notification opens no ticket"
is "$(show 2 '.messages | map(select(.message_id == "a1@example.com")) |
    length')" 1 "it is filed in ticket 2"

# --- German -------------------------------------------------------------
conf "[queue support]" "agents = agent1@example.com" "language = de"
sink_reset
cat > "$T/de.eml" <<'EOM'
From: =?UTF-8?Q?J=C3=BCrgen_Gr=C3=B6=C3=9Fmann?= <j.groessmann@beispiel.de>
To: support@example.com
Subject: =?UTF-8?Q?R=C3=BCckfrage_zur_Lieferung?=
Date: Tue, 05 Mar 2024 14:35:12 +0100
Message-ID: <de1@beispiel.de>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Wo bleibt meine Lieferung? Token-de1-2024, Gr=C3=BC=C3=9Fe
EOM
dlv "$T/de.eml" --sender j.groessmann@beispiel.de \
    --recipient support@example.com
is "$(tickets)" 3 "the German mail opens ticket 3"
is "$(sink_count)" 2 "an ack and a notification"
A3=$(one "$(sink_find Auto-Submitted '^auto-replied$')")
N3=$(one "$(sink_find Auto-Submitted '^auto-generated$')")
like "$(show 3 '.messages[] | select(.kind == "ack") | .text')" \
    'Wir haben Ihre Anfrage erhalten' "the stored ack is the German template"
like "$(show 3 '.messages[] | select(.kind == "ack") | .text')" \
    'Mit freundlichen Grüßen' "its umlauts are intact"
text_has "$A3" "Wir haben Ihre Anfrage erhalten" "the ack sent is German"
text_has "$A3" "[Ticket#3]" "the German ack names the ticket tag"
if have_python; then
	is "$(mail_decoded "$A3" subject)" "[Ticket#3] Rückfrage zur Lieferung" \
	    "the German ack's Subject decodes to UTF-8"
	is "$(mail_decoded "$A3" text | grep -c 'thank you')" 0 \
	    "no English in the German ack"
fi
text_has "$N3" "Wenn Sie auf diese E-Mail antworten" \
    "the notification is German"
text_has "$N3" "Token-de1-2024, Grüße" \
    "the German notification holds the customer's text"
text_has "$N3" "Jürgen Größmann" "and the customer's name, decoded"

# --- Rate limit: 50 new tickets from one address, 3 acks ---------------
conf "[ack]" "per-hour = 3" "per-day = 5"
sink_reset
before=$(tickets)
i=1
while [ "$i" -le 50 ]; do
	cmail 'Flo Flood <flood@example.net>' "flood-$i@example.net" \
	    "Question number $i" "Question $i, please answer." > "$T/flood.eml"
	dlv "$T/flood.eml" --sender flood@example.net \
	    --recipient support@example.com
	i=$((i + 1))
done
is "$(tickets)" $((before + 50)) "50 mails from one address: 50 new tickets"
is "$(sink_count)" 3 "but only per-hour = 3 acknowledgements"
is "$(for f in $(sink_mails); do sink_rcpts "$f"; done | sort -u)" \
    flood@example.net "all three to the flooding address"
is "$(jqr 'length' outbox --json)" 0 "the suppressed acks are not queued"

# --- The null sender gets nothing ---------------------------------------
sink_reset
cmail 'Nora Null <nora@example.net>' null-1@example.net 'Null sender' \
    > "$T/null.eml"
dlv "$T/null.eml" --sender '' --recipient support@example.com
is "$(tickets)" $((before + 51)) "a customer-like mail from <> opens a ticket"
is "$(sink_count)" 0 "but gets no ack"

# --- Machine mail of the shared corpus gets nothing --------------------
# Rows flagged multipart/report or auto-reply headers, the Sisimai bounces
# (lhost-*), DSNs (rfc3464-*), auto-replies (rfc3834-*) and feedback
# reports (arf-*), and mail with list headers.  No rate limit to hide
# behind.  Each file goes into two fresh stores: without --sender and
# with the null sender.
: "${SHARED_CORPUS:?SHARED_CORPUS must point to tests/corpus/real-world}"
manifest="$SHARED_CORPUS/MANIFEST.tsv"
[ -r "$manifest" ] || bail "no $manifest"
conf "[ack]" "per-hour = 1000000" "per-day = 1000000"
awk -F '\t' 'NR > 1 {
	n = split($1, p, "/")
	if ($7 != "" || $9 != "" || ($1 ~ /^sisimai-set-of-emails\// &&
	    p[n] ~ /^(lhost|rfc3464|rfc3834|arf)-/))
		print $1
	else
		print $1 > "/dev/stderr"
}' "$manifest" > "$T/machine" 2> "$T/others"
while read -r path; do
	tr -d '\r' < "$SHARED_CORPUS/$path" | awk '/^$/ { exit } { print }' |
	    grep -Eiq '^(List-(Id|Post|Unsubscribe):|Precedence:[[:space:]]*(bulk|list|junk))' &&
	    echo "$path"
done < "$T/others" >> "$T/machine"
total=$(wc -l < "$T/machine" | tr -d ' ')
[ "$total" -ge 150 ] && ok "$total machine mails in the shared corpus" ||
    not_ok "only $total machine mails found in $manifest"
sink_reset
for run in plain null; do
	store="$T/corpus-$run"
	md --store "$store" init > /dev/null || bail "init $store failed"
	acked=""
	failed=""
	while read -r path; do
		n0=$(sink_count)
		if [ "$run" = null ]; then
			md --store "$store" deliver --sender '' \
			    --recipient support@example.com \
			    < "$SHARED_CORPUS/$path" > /dev/null 2>&1
		else
			md --store "$store" deliver \
			    --recipient support@example.com \
			    < "$SHARED_CORPUS/$path" > /dev/null 2>&1
		fi
		[ "$?" -eq 0 ] || failed="$failed $path"
		[ "$(sink_count)" -eq "$n0" ] || acked="$acked $path"
	done < "$T/machine"
	is "$failed" "" "corpus ($run sender): every machine mail delivered"
	is "$acked" "" "corpus ($run sender): no machine mail got a mail back"
	is "$(md --store "$store" outbox --json | jq length)" 0 \
	    "corpus ($run sender): nothing queued either"
	n0=$(sink_count)
	md --store "$store" flush > /dev/null 2>&1
	is "$(sink_count)" "$n0" "corpus ($run sender): a flush sends nothing"
done

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
