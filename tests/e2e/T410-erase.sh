#!/bin/sh
# SPDX-License-Identifier: MIT
# The right to erasure (GDPR Art. 17): `customer erase` of a customer whose
# mail carries a unique marker in the Message-ID, the subject, the body and
# an attachment's file name.  Afterwards no ticket, index or outbox entry
# refers to them, and a byte search over every file of the store directory
# finds neither the marker nor their address nor their name, while another
# customer's data is intact.  --dry-run changes nothing; --no-compact
# leaves the bytes in the file until `compact`; the audit records the
# erasure under a keyed hash.  A customer who only wrote in someone else's
# ticket is erased too: their message becomes a tombstone.  So is what came
# from an address before `customer set ADDR email NEW` corrected it.
. "$(dirname "$0")/lib.sh"

setup_store "[smtp]" "host = 127.0.0.1" "port = 1" "timeout-seconds = 2" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"
S="$T/store"

X=xavier.erasable@example.net
XMARK=Zq7Marker-X-93017
XNAME=Erasable
Y=yvonne.keeper@example.org
YMARK=Yk4Marker-Y-20481

dlv() {
	md deliver --sender "$2" --recipient "${3:-support@example.com}" \
	    < "$1" > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || not_ok "deliver $(basename "$1") exits 0" \
	    "exit $rc: $(cat "$T/err")"
}

# count_in_store STRING: occurrences (lines, as grep -c counts them) of
# STRING in all files of the store directory, case-insensitive.
count_in_store() {
	find "$S" -type f -exec cat {} + | grep -a -c -i -F -- "$1"
}

# files_with STRING: the store files that hold STRING.
files_with() {
	find "$S" -type f -exec grep -a -l -i -F -- "$1" {} + |
	    sed "s|$S/||" | tr '\n' ' '
}

md agent add a1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add failed"

# Ticket 1: marker in Message-ID, subject, body and attachment name.
PDF64=$(printf '%%PDF-1.4\n%% %s statement\n%%%%EOF\n' "$XMARK" | base64)
cat > "$T/x1.eml" <<EOM
From: Xavier $XNAME <$X>
To: support@example.com
Subject: Statement $XMARK
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <x1.$XMARK@mail.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Please look at my statement, reference $XMARK.
--b1
Content-Type: application/pdf; name="statement-$XMARK.pdf"
Content-Disposition: attachment; filename="statement-$XMARK.pdf"
Content-Transfer-Encoding: base64

$PDF64
--b1--
EOM
dlv "$T/x1.eml" "$X"

# Ticket 2: the other customer, whose data must survive.
cat > "$T/y1.eml" <<EOM
From: Yvonne Keeper <$Y>
To: support@example.com
Subject: My own question $YMARK
Date: Mon, 02 Mar 2026 10:10:00 +0100
Message-ID: <y1.$YMARK@mail.example.org>

Please keep this: $YMARK
EOM
dlv "$T/y1.eml" "$Y"

# A follow-up by Xavier, and a second ticket of his (3).
cat > "$T/x2.eml" <<EOM
From: Xavier $XNAME <$X>
To: support@example.com
Subject: Re: [Ticket#1] Statement $XMARK
Date: Mon, 02 Mar 2026 10:20:00 +0100
Message-ID: <x2.$XMARK@mail.example.net>
In-Reply-To: <x1.$XMARK@mail.example.net>

Any news on $XMARK?
EOM
dlv "$T/x2.eml" "$X"
cat > "$T/x3.eml" <<EOM
From: Xavier $XNAME <$X>
To: support@example.com
Subject: Another thing $XMARK
Date: Mon, 02 Mar 2026 10:30:00 +0100
Message-ID: <x3.$XMARK@mail.example.net>

Second request, $XMARK.
EOM
dlv "$T/x3.eml" "$X"

# The agent answers ticket 1, quoting the marker, and notes on ticket 3.
printf 'About %s: we found the error.\n' "$XMARK" |
    md ticket reply 1 --from a1@example.com > /dev/null 2>&1 ||
    not_ok "ticket reply 1"
printf 'Called Mr %s about %s.\n' "$XNAME" "$XMARK" |
    md ticket note 3 --from a1@example.com > /dev/null 2>&1 ||
    not_ok "ticket note 3"

is "$(md customer show "$X" --json | jq -c .tickets)" "[1,3]" \
    "Xavier has tickets 1 and 3"
[ "$(count_in_store "$XMARK")" -gt 0 ] &&
    ok "the marker is in the store before the erasure" ||
    not_ok "the marker is in the store before the erasure"
is "$(md outbox --json | jq --arg x "$X" '[.[] | select(.to | index($x))] |
    length')" 3 "three mails to him wait in the outbox (2 acks, a reply)"

# Everything queued for him or about his tickets: 2 acks and the reply to
# him, and the agent's notifications of his 3 mails.
is "$(md outbox --json | jq --arg x "$X" '[.[] | select((.to | index($x)) or
    .ticket == 1 or .ticket == 3)] | length')" 6 \
    "six outbox entries are his or about his tickets"

# Xavier's export, taken before: its audit subject is his keyed hash.
md customer export "$X" -o "$T/x-export" > /dev/null ||
    not_ok "export before the erasure"
XHASH=$(jqr '.[-1].subject' audit --json)

# The other customer's ticket as it is now.
md ticket show 2 --json | jq -S . > "$T/y-before.json"
md ticket raw 2 1 > "$T/y-raw-before.eml"
md outbox --json | jq -c '[.[] | select(.ticket == 2) | .id]' \
    > "$T/y-outbox-before"

# --- Refusals ---------------------------------------------------------------
store_dump > "$T/dump0"
sum0=$(sha256sum < "$S/data.mdb")
audit0=$(jqr length audit --json)

md customer erase "$X" > "$T/out" 2> "$T/err"
is "$?" 64 "erase without --yes or --dry-run: exit 64"
like "$(cat "$T/err")" 'dry-run.*yes' "it points to --dry-run and --yes"
md customer erase nobody@example.com --yes > /dev/null 2> "$T/err"
is "$?" 1 "erase of an unknown address: exit 1"

# --- --dry-run ------------------------------------------------------------
md customer erase "$X" --dry-run > "$T/out" 2> "$T/err"
is "$?" 0 "erase --dry-run exits 0"
like "$(cat "$T/out")" '^would remove: 2 tickets \(1 3\), [0-9]+ messages' \
    "it says what would be removed: tickets 1 and 3"
like "$(cat "$T/out")" ' 6 outbox entries' "and the outbox entries"
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "--dry-run changes no ticket" ||
    not_ok "--dry-run changes no ticket" "$(diff "$T/dump0" "$T/dump1" |
    head -n 5)"
is "$(sha256sum < "$S/data.mdb")" "$sum0" "--dry-run leaves data.mdb as it was"
is "$(jqr length audit --json)" "$audit0" "--dry-run writes no audit entry"
md customer show "$X" > /dev/null 2>&1
is "$?" 0 "the customer is still there"

# --- The erasure ----------------------------------------------------------
md customer erase "$X" --yes > "$T/out" 2> "$T/err"
is "$?" 0 "customer erase --yes exits 0"
like "$(head -n 1 "$T/out")" '^removed: 2 tickets \(1 3\), [0-9]+ messages, 0 of their messages in other tickets, [0-9]+ index entries, 6 outbox entries, [0-9]+ rate counters, 1 customer profiles$' \
    "it says what it removed"
like "$(cat "$T/out")" '^compacted' "it compacted the store"
is "$(cat "$T/err")" "" "nothing on stderr"

md customer show "$X" > /dev/null 2>&1
is "$?" 1 "customer show: no such customer (exit 1)"
is "$(md customer list --json | jq -r '.[].email')" "$Y" \
    "customer list: only the other customer"
is "$(md ticket list --json | jq -c '[.[].number]')" "[2]" \
    "ticket list: only the other customer's ticket"
is "$(md ticket list --customer "$X" --json | jq length)" 0 \
    "ticket list --customer: none of his"
for n in 1 3; do
	md ticket show "$n" > /dev/null 2>&1
	is "$?" 1 "ticket show $n: gone (exit 1)"
	md ticket raw "$n" 1 > /dev/null 2>&1
	is "$?" 1 "ticket raw $n 1: gone (exit 1)"
done
is "$(md outbox --json | jq --arg x "$X" '[.[] | select((.to |
    index($x)) or .ticket == 1 or .ticket == 3)] | length')" 0 \
    "the outbox holds nothing for him or his tickets"
is "$(md outbox --json | jq -c '[.[] | select(.ticket == 2) | .id]')" \
    "$(cat "$T/y-outbox-before")" "the other customer's outbox entries stay"
md check > "$T/check" 2>&1
is "$?" 0 "check: clean"

# The byte search over every file of the store directory.
is "$(ls "$S" | sed 's/^search-[0-9][0-9]*\.sqlite/search-N.sqlite/' | sort | tr '\n' ' ')" \
    "data.mdb lock.mdb maildesk.gate maildesk.lock search-N.sqlite search.current search.lock " \
    "the store directory holds its four files and the search index, nothing else"
for s in "$XMARK" "$X" "xavier" "$XNAME"; do
	is "$(count_in_store "$s")" 0 "no file of the store holds \"$s\""
	[ "$(count_in_store "$s")" -eq 0 ] ||
	    printf '#   found in: %s\n' "$(files_with "$s")"
done
[ "$(grep -a -c -F "$YMARK" "$S/data.mdb")" -gt 0 ] &&
    ok "the other customer's marker is still found in data.mdb" ||
    not_ok "the other customer's marker is still found in data.mdb"
is "$(md ticket show 2 --json | jq -S . | cmp -s - "$T/y-before.json" &&
    echo same)" same "the other customer's ticket is unchanged"
md ticket raw 2 1 | cmp -s - "$T/y-raw-before.eml" &&
    ok "and its raw mail byte for byte" ||
    not_ok "and its raw mail byte for byte"
is "$(md customer show "$Y" --json | jq -c .tickets)" "[2]" \
    "the other customer keeps their profile and ticket"

# The audit: an erase entry under his keyed hash, without the address.
md audit --json > "$T/audit.json"
is "$(jq -r '.[-1].action' "$T/audit.json")" erase "audit: an erase entry"
is "$(jq -r '.[-1].subject' "$T/audit.json")" "$XHASH" \
    "under the same keyed hash as his earlier export"
is "$(jq -c '.[-1].tickets' "$T/audit.json")" "[1,3]" \
    "naming the tickets removed"
is "$( { md audit; cat "$T/audit.json"; } | grep -a -c -i -e "$X" -e xavier \
    -e "$XMARK")" 0 "the audit shows neither his address nor the marker"

# His mail again (the MTA retries an old message): nothing remembers it,
# so it is stored as new, in a new ticket.
dlv "$T/x3.eml" "$X"
is "$(md ticket list --customer "$X" --json | jq -c '[.[].number]')" \
    "[4]" "a mail from him after the erasure opens a new ticket (4)"
md customer erase "$X" --yes > /dev/null 2>&1 || not_ok "erase again"

# --- --no-compact, then compact -------------------------------------------
V=vera.later@example.com
VMARK=Vv2Marker-V-66113
cat > "$T/v1.eml" <<EOM
From: Vera Later <$V>
To: support@example.com
Subject: Question $VMARK
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <v1.$VMARK@example.com>

Text with $VMARK in it.
EOM
dlv "$T/v1.eml" "$V"
md customer erase "$V" --yes --no-compact > "$T/out" 2> "$T/err"
is "$?" 0 "erase --no-compact exits 0"
like "$(cat "$T/out")" '^removed: 1 tickets' "it removed her ticket"
like "$(cat "$T/out")" 'maildesk compact' \
    "it says that maildesk compact must run"
md customer show "$V" > /dev/null 2>&1
is "$?" 1 "she is gone from every table at once"
n=$(count_in_store "$VMARK")
ok "before compact, data.mdb still holds the marker $n time(s) (freed pages)"
md compact > "$T/out" 2> "$T/err"
is "$?" 0 "compact exits 0"
like "$(cat "$T/out")" '^compacted' "it says so"
is "$(count_in_store "$VMARK")" 0 "after compact, no file holds her marker"
is "$(count_in_store "$V")" 0 "nor her address"
[ "$(grep -a -c -F "$YMARK" "$S/data.mdb")" -gt 0 ] &&
    ok "the other customer's marker is still there" ||
    not_ok "the other customer's marker is still there"
md check > /dev/null 2>&1
is "$?" 0 "check: clean after compact"
[ ! -e "$S/compact.tmp" ] && ok "compact leaves no temporary copy behind" ||
    not_ok "compact leaves no temporary copy behind"

# --- A participant in somebody else's ticket ------------------------------
# Walter answers in Yvonne's ticket (she forwarded him our acknowledgement
# and he replied to its signed reply address): his message is his data,
# the ticket is hers.  Erasing him leaves a tombstone in her ticket and
# nothing of him anywhere, the agent's notification about his message
# included.
W=walter.guest@example.com
WMARK=Ww5Marker-W-31337
YRT=$(md ticket show 2 --json | jq -r '[.messages[] | select(.kind == "ack")
    | .reply_to.email][0] // "support@example.com"')
cat > "$T/w1.eml" <<EOM
From: Walter Guest <$W>
To: $YRT
Subject: Re: My own question
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <w1.$WMARK@example.com>
In-Reply-To: <y1.$YMARK@mail.example.org>

I can confirm what Yvonne wrote.  $WMARK
EOM
dlv "$T/w1.eml" "$W" "$YRT"
is "$(md ticket show 2 --json | jq '.messages | length')" \
    $(($(jq '.messages | length' "$T/y-before.json") + 1)) \
    "his message is filed in her ticket 2"
is "$(md customer show "$W" --json | jq -c .tickets)" "[2]" \
    "he is linked to ticket 2"
md customer erase "$W" --yes > "$T/out" 2> "$T/err"
is "$?" 0 "erase of the participant exits 0"
like "$(cat "$T/out")" '^removed: 0 tickets \(none\), 0 messages, 1 of their messages in other tickets' \
    "it removed no ticket, and one message in another ticket"
md customer show "$W" > /dev/null 2>&1
is "$?" 1 "he is gone"
is "$(md ticket show 2 --json | jq -c '.messages[-1] | [.flags, .from,
    .text, .raw_size]')" '[["erased"],null,null,0]' \
    "his message is a tombstone flagged erased"
jq -S '.messages' "$T/y-before.json" > "$T/y-msgs-before.json"
md ticket show 2 --json | jq -S '.messages[:-1]' > "$T/y-msgs-after.json"
cmp -s "$T/y-msgs-before.json" "$T/y-msgs-after.json" &&
    ok "her own messages in ticket 2 are unchanged" ||
    not_ok "her own messages in ticket 2 are unchanged"
is "$(md outbox --json | jq --arg w "$W" \
    '[.[] | select(.to | index($w))] | length')" 0 \
    "nothing in the outbox is addressed to him"
for s in "$WMARK" "$W"; do
	is "$(count_in_store "$s")" 0 "no file of the store holds \"$s\""
	[ "$(count_in_store "$s")" -eq 0 ] ||
	    printf '#   found in: %s\n' "$(files_with "$s")"
done
md check > /dev/null 2>&1
is "$?" 0 "check: clean"

# --- After a correction of the address ------------------------------------
# Olaf wrote from his old address (his own ticket, which got an
# acknowledgement, and a message in Yvonne's ticket); the officer then
# corrected his address.  Erasing him by the new address erases what came
# from the old one too.
O=olaf.before@example.com
O2=olaf.after@example.com
OMARK=Oo3Marker-O-80808
cat > "$T/o1.eml" <<EOM
From: Olaf Moved <$O>
To: support@example.com
Subject: My request $OMARK
Date: Mon, 02 Mar 2026 13:00:00 +0100
Message-ID: <o1.$OMARK@example.com>

Own request, $OMARK.
EOM
dlv "$T/o1.eml" "$O"
cat > "$T/o2.eml" <<EOM
From: Olaf Moved <$O>
To: $YRT
Subject: Re: My own question
Date: Mon, 02 Mar 2026 13:10:00 +0100
Message-ID: <o2.$OMARK@example.com>
In-Reply-To: <y1.$YMARK@mail.example.org>

Same here, $OMARK.
EOM
dlv "$T/o2.eml" "$O" "$YRT"
nmsg=$(md ticket show 2 --json | jq '.messages | length')
md customer set "$O" email "$O2" > /dev/null
is "$?" 0 "customer set email: the address is corrected"
md customer erase "$O2" --yes > "$T/out" 2> "$T/err"
is "$?" 0 "erase by the new address exits 0"
like "$(cat "$T/out")" '^removed: 1 tickets \([0-9]+\), [0-9]+ messages, 1 of their messages in other tickets' \
    "it removed his ticket and his message in Yvonne's ticket"
is "$(md ticket show 2 --json | jq -c ".messages[$((nmsg - 1))] | .flags")" \
    '["erased"]' "his message in her ticket is a tombstone"
for s in "$OMARK" "$O" "$O2" Moved; do
	is "$(count_in_store "$s")" 0 "no file of the store holds \"$s\""
	[ "$(count_in_store "$s")" -eq 0 ] ||
	    printf '#   found in: %s\n' "$(files_with "$s")"
done
md check > /dev/null 2>&1
is "$?" 0 "check: clean"
finish
