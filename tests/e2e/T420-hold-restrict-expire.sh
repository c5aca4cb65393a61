#!/bin/sh
# SPDX-License-Identifier: MIT
# Legal holds (GDPR Art. 17(3)), restriction of processing (Art. 18, 21)
# and storage limitation (Art. 5(1)(e)):
# - a hold on a customer or on one of their tickets makes erase refuse with
#   exit 65 and a message naming the hold; lifting it lets erase run;
# - a restricted customer's new mail is stored and flagged "restricted",
#   with no acknowledgement and no notification; lifting the restriction
#   brings the acknowledgements back;
# - expire removes exactly the tickets closed before the cut-off of their
#   queue's retention, and the profiles left with nothing; it keeps open,
#   recent and held ones and says which it kept for a hold; lifting the
#   hold lets it remove them.  Tickets are aged with faketime(1), where it
#   is installed: maildesk has no clock override of its own.
. "$(dirname "$0")/lib.sh"

# cmail FROM MESSAGE-ID SUBJECT [TO]: a plain customer mail.
cmail() {
	cat <<EOM
From: $1
To: ${4:-support@example.com}
Subject: $3
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$2>

Hello, this is mail $2 about $3.
EOM
}

# dlv FROM-ADDRESS MESSAGE-ID SUBJECT [TO]: delivered, must exit 0.
dlv() {
	cmail "$1" "$2" "$3" "${4:-}" > "$T/mail.eml"
	md deliver --sender "$1" --recipient "${4:-support@example.com}" \
	    < "$T/mail.eml" > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || not_ok "deliver $2 exits 0" \
	    "exit $rc: $(cat "$T/err")"
}

# last_ticket: the highest ticket number.
last_ticket() {
	md ticket list --all --json | jq '[.[].number] | max'
}

fresh() {
	rm -rf "$T/store"
	setup_store "$@"
}

# ====================================================================
# Holds and erase
# ====================================================================
fresh "[smtp]" "host = 127.0.0.1" "port = 1" \
    "[outbox]" "deliver-flush-seconds = 0"
H=hanna.held@example.net
dlv "$H" h1@hold.test "First matter"
dlv "$H" h2@hold.test "Second matter"
is "$(md customer show "$H" --json | jq -c .tickets)" "[1,2]" \
    "Hanna has tickets 1 and 2"

# Usage errors.
md customer hold "$H" --until 2099-12-31 > /dev/null 2>&1
is "$?" 64 "hold without --reason: exit 64"
md customer hold "$H" --until someday --reason x > /dev/null 2>&1
is "$?" 64 "hold with a malformed date: exit 64"
md customer hold --ticket 99 --until 2099-12-31 --reason x > /dev/null 2>&1
is "$?" 1 "hold on a ticket that does not exist: exit 1"
md customer hold nobody@example.net --until 2099-12-31 --reason x \
    > /dev/null 2>&1
is "$?" 1 "hold on an unknown customer: exit 1"

# A hold on the customer.
md customer hold "$H" --until 2099-12-31 \
    --reason "Tax retention HGB 257" > "$T/out" 2> "$T/err"
is "$?" 0 "customer hold exits 0"
like "$(md customer list)" "$H.*held" "customer list marks her held"
store_dump > "$T/dump0"
md customer erase "$H" --yes > "$T/out" 2> "$T/err"
is "$?" 65 "erase of a held customer: exit 65"
like "$(cat "$T/err")" 'legal hold.*Tax retention HGB 257' \
    "the message names the hold and its reason"
is "$(cat "$T/out")" "" "and nothing is reported removed"
md customer erase "$H" --dry-run > "$T/out" 2> "$T/err"
is "$?" 65 "erase --dry-run of a held customer: exit 65 as well"
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "the refused erase changed nothing" ||
    not_ok "the refused erase changed nothing"
md customer show "$H" > /dev/null 2>&1
is "$?" 0 "she is still there"

# Lifted: the hold on one of her tickets still blocks.
md customer hold "$H" --lift > /dev/null
is "$?" 0 "hold --lift exits 0"
md customer hold --ticket 2 --until 2099-12-31 \
    --reason "Court case 4 O 123/25" > /dev/null
is "$?" 0 "a hold on ticket 2 exits 0"
md customer erase "$H" --yes > "$T/out" 2> "$T/err"
is "$?" 65 "erase while one of her tickets is held: exit 65"
like "$(cat "$T/err")" 'ticket 2 is on legal hold.*Court case 4 O 123/25' \
    "the message names the held ticket and the reason"
store_dump > "$T/dump2"
cmp -s "$T/dump0" "$T/dump2" && ok "nothing was removed" ||
    not_ok "nothing was removed"

# A hold cannot be set to end in the past: a typo in the year would
# protect nothing while looking like it did.
md customer hold --ticket 2 --until 2001-01-01 --reason "Old case" \
    > /dev/null 2> "$T/err"
is "$?" 64 "a hold until a date in the past is refused (exit 64)"
like "$(cat "$T/err")" '^maildesk: customer hold: --until: 2001-01-01 is in the past$' \
    "one line says so"

# A hold that has ended blocks nothing: set 30 days ago until 10 days ago.
past=$(date -d '-10 days' +%Y-%m-%d 2> /dev/null)
if command -v faketime > /dev/null 2>&1 && [ -n "$past" ] &&
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "-30d" \
    "$MAILDESK" -c "$T/maildesk.conf" customer hold --ticket 2 \
    --until "$past" --reason "Old case" > /dev/null 2>&1; then
	md customer erase "$H" --dry-run > "$T/out" 2> "$T/err"
	is "$?" 0 "a hold whose date has passed no longer blocks"
	ended=hold
else
	skip "a hold whose date has passed no longer blocks" \
	    "faketime(1) cannot set a hold in the past here"
	ended=
fi

md customer hold --ticket 2 --lift > /dev/null
is "$?" 0 "hold --ticket 2 --lift exits 0"
md customer erase "$H" --yes > "$T/out" 2> "$T/err"
is "$?" 0 "with every hold lifted, erase runs"
like "$(cat "$T/out")" '^removed: 2 tickets \(1 2\)' "and removes both tickets"
md customer show "$H" > /dev/null 2>&1
is "$?" 1 "she is gone"

md audit --json > "$T/audit.json"
is "$(jq -r '[.[].action] | join(" ")' "$T/audit.json")" \
    "hold hold-lift hold ${ended:+$ended }hold-lift erase" \
    "audit: every hold, lift and the erasure"
is "$(jq -r '[.[] | select(.action == "hold")][0].detail' "$T/audit.json")" \
    "until 2099-12-31" "a hold's entry says until when"
is "$(jq -c '[.[] | select(.action == "hold")][1].tickets' \
    "$T/audit.json")" "[2]" "a ticket hold's entry names the ticket"
is "$(grep -a -c -i -e hanna -e "$H" "$T/audit.json")" 0 \
    "the audit holds no address"

# ====================================================================
# Restriction
# ====================================================================
start_sink
fresh "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" "timeout-seconds = 10" \
    "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[queue support]" "agents = a1@example.com"
R=rita.restricted@example.net

dlv "$R" r1@restrict.test "Before"
is "$(sink_count)" 2 "before: an ack and a notification for her new ticket"
is "$(md outbox --json | jq length)" 0 "both sent at once"

md customer restrict "$R" > "$T/out" 2> "$T/err"
is "$?" 0 "customer restrict exits 0"
is "$(md customer show "$R" --json | jq .restricted)" true \
    "customer show --json: restricted true"
like "$(md customer show "$R")" 'Restricted: +yes' "customer show says so"
like "$(md customer list)" "$R.*restricted" "customer list marks her"

n0=$(sink_count)
dlv "$R" r2@restrict.test "While restricted"
t=$(last_ticket)
is "$t" 2 "her new mail is stored: ticket 2"
is "$(sink_count)" "$n0" "no acknowledgement, no notification reached the relay"
is "$(md outbox --json | jq length)" 0 "and nothing is queued"
is "$(md ticket show "$t" --json | jq -c '.messages[0].flags')" \
    '["restricted"]' "the message is flagged restricted"
is "$(md ticket show "$t" --json | jq '[.messages[] |
    select(.direction == "out")] | length')" 0 "the ticket holds no ack"
like "$(md ticket show "$t")" '\[restricted\]' "ticket show shows the flag"

# A reply into her old ticket: no notification either.
cat > "$T/r3.eml" <<EOM
From: $R
To: support@example.com
Subject: Re: [Ticket#1] Before
Message-ID: <r3@restrict.test>
In-Reply-To: <r1@restrict.test>

A reply while restricted.
EOM
md deliver --sender "$R" --recipient support@example.com < "$T/r3.eml" \
    > /dev/null 2>&1
is "$?" 0 "her reply is delivered"
is "$(md ticket show 1 --json | jq '.messages | length')" 3 \
    "into ticket 1"
is "$(sink_count)" "$n0" "no notification for her reply"
md flush > /dev/null 2>&1
is "$(sink_count)" "$n0" "a flush has nothing of hers to send"

md customer restrict "$R" --lift > /dev/null
is "$?" 0 "customer restrict --lift exits 0"
is "$(md customer show "$R" --json | jq .restricted)" false \
    "customer show --json: restricted false"
dlv "$R" r4@restrict.test "After"
t=$(last_ticket)
is "$(sink_count)" $((n0 + 2)) "after --lift: an ack and a notification again"
is "$(md ticket show "$t" --json | jq -c '.messages[0].flags')" '[]' \
    "the new message is not flagged"
is "$(jqr '[.[] | select(.action | startswith("restrict"))] |
    map(.action) | join(" ")' audit --json)" "restrict restrict-lift" \
    "audit: the restriction and its lifting"
stop_sink

# ====================================================================
# Expire
# ====================================================================
# Retention off (the default): expire removes nothing.
fresh "[smtp]" "host = 127.0.0.1" "port = 1" \
    "[outbox]" "deliver-flush-seconds = 0"
dlv old@example.net e1@expire.test "Closed one"
md ticket set 1 status closed > /dev/null
dlv open@example.net e2@expire.test "Open one"
store_dump > "$T/dump0"
md expire > "$T/out" 2> "$T/err"
is "$?" 0 "expire with retention off exits 0"
like "$(cat "$T/out")" '^removed: 0 tickets \(none\)' "it removes nothing"
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "every ticket is still there" ||
    not_ok "every ticket is still there"
is "$(jqr '[.[] | select(.action == "expire")] | length' audit --json)" 0 \
    "an expire that removed nothing writes no audit entry"

# Retention of 30 days: a ticket closed just now is recent.
setup_store "[smtp]" "host = 127.0.0.1" "port = 1" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[tickets]" "retention-days = 30"
md expire > "$T/out" 2> "$T/err"
is "$?" 0 "expire with a 30-day retention exits 0"
like "$(cat "$T/out")" '^removed: 0 tickets \(none\)' \
    "a ticket closed just now and an open one stay"
is "$(md ticket list --all --json | jq length)" 2 "both tickets are there"

# Config: a per-queue value must be a whole number of days.
{ cat "$T/maildesk.conf"; printf '[queue support]\nretention-days = soon\n'; } \
    > "$T/bad.conf"
"$MAILDESK" -c "$T/bad.conf" config check > /dev/null 2> "$T/err"
is "$?" 78 "[queue NAME] retention-days that is not a number: exit 78"
like "$(cat "$T/err")" 'retention-days' "the message names the key"

# The cut-off itself needs tickets closed days ago.
if ! command -v faketime > /dev/null 2>&1; then
	skip "expire cut-off, holds, per-queue retention" \
	    "faketime(1) not installed: no way to age a ticket"
	finish
fi

# aged FROM ID SUBJECT QUEUE-ADDRESS DAYS-SINCE-CLOSED: a ticket opened 60
# days ago and closed DAYS-SINCE-CLOSED days ago (never, if "open"); prints
# its number.
aged() {
	cmail "$1" "$2" "$3" "$4" > "$T/mail.eml"
	ago 60 deliver --sender "$1" --recipient "$4" < "$T/mail.eml" \
	    > /dev/null 2>&1 || not_ok "deliver $2 60 days ago"
	_n=$(last_ticket)
	if [ "$5" != open ]; then
		ago "$5" ticket set "$_n" status closed > /dev/null ||
		    not_ok "close ticket $_n $5 days ago"
	fi
	echo "$_n"
}

rm -rf "$T/store"
# support: the default 30 days; sales: 45 days of its own; the queue
# "archive" (no address of its own) keeps for ever: 0 is off.
setup_store "[smtp]" "host = 127.0.0.1" "port = 1" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[addresses]" "archive@example.com = archive" \
    "[tickets]" "retention-days = 30" \
    "[queue sales]" "retention-days = 45" \
    "[queue archive]" "retention-days = 0"
S=support@example.com
old1=$(aged olga.old@example.net x1@exp.test "Old one OldMarker-Ol91" $S 40)
recent=$(aged rex.recent@example.net x2@exp.test "Recent one" $S 29)
now_closed=$(aged nina.now@example.net x3@exp.test "Closed today" $S 0)
open=$(aged otto.open@example.net x4@exp.test "Still open" $S open)
held=$(aged hugo.held@example.net x5@exp.test "Held one" $S 40)
custheld=$(aged clara.held@example.net x6@exp.test "Customer held" $S 40)
old2=$(aged paul.partly@example.net x7@exp.test "Partly old" $S 50)
young2=$(aged paul.partly@example.net x8@exp.test "Partly young" $S 10)
sales_old=$(aged sam.sales@example.net x9@exp.test "Sales old" \
    sales@example.com 50)
sales_mid=$(aged sid.sales@example.net x10@exp.test "Sales mid" \
    sales@example.com 40)
arch=$(aged arne.archive@example.net x11@exp.test "Archive" \
    archive@example.com 400)
md customer hold --ticket "$held" --until 2099-12-31 --reason "Audit 2026" \
    > /dev/null
md customer hold clara.held@example.net --until 2099-12-31 \
    --reason "Warranty claim" > /dev/null
# faketime must reach maildesk (an LD_PRELOAD library): ticket 1 was
# opened 60 days ago.
age=$(md ticket show "$old1" --json |
    jq '(now - (.created | .[0:19] + "Z" | fromdate)) / 86400 | floor')
if [ "${age:-0}" -lt 59 ]; then
	skip "expire cut-off, holds, per-queue retention" \
	    "faketime(1) does not change maildesk's clock here"
	finish
fi
is "$(md ticket list --all --json | jq length)" 11 "11 tickets set up"

due="$old1 $old2 $sales_old"
keep="$recent $now_closed $open $held $custheld $young2 $sales_mid $arch"
store_dump > "$T/dump0"
md expire --dry-run > "$T/out" 2> "$T/err"
is "$?" 0 "expire --dry-run exits 0"
like "$(cat "$T/out")" "^would remove: 3 tickets \\($old1 $old2 $sales_old\\)" \
    "it names the tickets past their retention"
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "--dry-run removes nothing" ||
    not_ok "--dry-run removes nothing"

md expire > "$T/out" 2> "$T/err"
is "$?" 0 "expire exits 0"
like "$(cat "$T/out")" "^removed: 3 tickets \\($old1 $old2 $sales_old\\)" \
    "it removed the three tickets past their retention"
like "$(cat "$T/out")" ' 3 outbox entries' \
    "with the acknowledgements still queued for them"
like "$(cat "$T/out")" ' 2 customer profiles' \
    "and the two profiles left without a ticket"
like "$(cat "$T/out")" 'compacted' "and compacted the store"
is "$(md ticket list --all --json | jq -r '[.[].number] | sort | map(tostring) |
    join(" ")')" "$(echo $keep | tr ' ' '\n' | sort -n | tr '\n' ' ' |
    sed 's/ $//')" \
    "left: recent, closed today, open, held, customer-held, a younger one of the same customer, sales within 45 days, archive"
md customer show olga.old@example.net > /dev/null 2>&1
is "$?" 1 "a customer left with no ticket is removed"
md customer show sam.sales@example.net > /dev/null 2>&1
is "$?" 1 "so is the sales customer"
is "$(md customer show paul.partly@example.net --json | jq -c .tickets)" \
    "[$young2]" "a customer with a younger ticket stays, with it"
md customer show clara.held@example.net > /dev/null 2>&1
is "$?" 0 "the held customer stays"
is "$(grep -a -c OldMarker-Ol91 "$T/store/data.mdb")" 0 \
    "the expired ticket's bytes are gone from data.mdb"
md check > /dev/null 2>&1
is "$?" 0 "check: clean"
md audit --json > "$T/audit.json"
is "$(jq -c '[.[] | select(.action == "expire")] | .[-1] |
    [.subject, .tickets]' "$T/audit.json")" \
    "[null,[$old1,$old2,$sales_old]]" \
    "audit: an expire entry with the ticket numbers, no subject"
like "$(cat "$T/out")" "kept for a legal hold: ticket $held \\(held: Audit 2026\\)" \
    "expire names the held ticket it kept, and why"
like "$(cat "$T/out")" "kept for a legal hold: ticket $custheld \\(customer held: Warranty claim\\)" \
    "and the ticket of the held customer"

# Lifting the holds lets expire remove them.
md customer hold --ticket "$held" --lift > /dev/null
md customer hold clara.held@example.net --lift > /dev/null
md expire > "$T/out" 2> "$T/err"
is "$?" 0 "expire after the holds are lifted exits 0"
like "$(cat "$T/out")" "^removed: 2 tickets \\($held $custheld\\)" \
    "it removes the two formerly held tickets"
md customer show clara.held@example.net > /dev/null 2>&1
is "$?" 1 "and the formerly held customer"

# A second run finds nothing more.
md expire > "$T/out" 2> "$T/err"
like "$(cat "$T/out")" '^removed: 0 tickets \(none\)' \
    "a second run removes nothing"
md check > /dev/null 2>&1
is "$?" 0 "check: clean"
finish
