#!/bin/sh
# SPDX-License-Identifier: MIT
# What the commands show a person:
# - customer list lines up its columns by what a terminal shows (an
#   umlaut is one column, a CJK character two), not by bytes;
# - the acknowledgement names the subject tag [tickets] tag makes;
# - ticket show says who owns the ticket, who else is in it, and which
#   ticket continues it;
# - ticket list puts open work first, then what waits for the customer,
#   and leaves closed tickets out unless asked (--status closed, --all);
# - outbox shows an entry a flush has taken as "leased", with when the
#   lease ends, and flush says why it sent nothing.
. "$(dirname "$0")/lib.sh"

start_sink
DOWN=$SINK_PORT
stop_sink

conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $1" \
	    "timeout-seconds = 20" \
	    "[outbox]" "deliver-flush-seconds = 0" "lease-seconds = 300" \
	    "retry-base-seconds = 1" "retry-max-seconds = 2" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" \
	    "[tickets]" "tag = Case#" "reopen-days = 0"
}

# dlv FROM-HEADER ADDRESS MESSAGE-ID SUBJECT: a customer mail, delivered.
dlv() {
	cat > "$T/mail.eml" <<EOM
From: $1
To: support@example.com
Subject: $4
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$3>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello, this is mail $3.
EOM
	md deliver --sender "$2" --recipient support@example.com \
	    < "$T/mail.eml" > "$T/out" 2> "$T/err" ||
	    not_ok "deliver $3 exits 0" "$(cat "$T/err")"
}

conf "$DOWN"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add failed"
dlv 'Carl Berger <carl@example.net>' carl@example.net c1@display.test \
    "Printer on fire"
dlv 'Jürgen Müller <juergen@example.net>' juergen@example.net \
    j1@display.test "Rechnung"
dlv '山田 太郎 <yamada@example.jp>' yamada@example.jp y1@display.test \
    "Question"

# --- customer list: display columns -----------------------------------
md customer list > "$T/list"
if have_python; then
	widths=$(python3 -c '
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)
for line in open(sys.argv[1], encoding="utf-8"):
    print(width(line.rstrip("\n")))
' "$T/list" | sort -u | tr '\n' ' ')
	is "$widths" "$(python3 -c 'print(36 + 2 + 16 + 2 + 16 + 2 + 4)') " \
	    "customer list: every line is as wide on screen (umlauts, CJK)"
else
	skip "customer list: every line is as wide on screen" "no python3"
fi
grep -q 'Jürgen' "$T/list" && ok "the name is shown whole" ||
    not_ok "the name is shown whole" "$(cat "$T/list")"

# --- The acknowledgement names our tag --------------------------------
ack=$(md ticket show 1 --json | jq -r '.messages[] | select(.kind == "ack") |
    .text')
like "$ack" '"\[Case#1\]"' "the ack asks to keep [Case#1] in the subject"
case $ack in
*Ticket#*) not_ok "the ack does not name [Ticket#" ;;
*) ok "the ack does not name [Ticket#" ;;
esac

# --- ticket list: open work first, closed only when asked -------------
echo "We are on it." | md ticket reply 1 --from agent1@example.com \
    > /dev/null || not_ok "ticket reply 1"
md ticket set 2 status closed > /dev/null
dlv 'Dora Late <dora@example.net>' dora@example.net d1@display.test \
    "Came last"
# Ticket 1 waits for the customer (pending); 3 and 4 are new; 2 is closed.
is "$(md ticket list --json | jq -r 'map(.number) | join(",")')" "3,4,1" \
    "ticket list: new before pending, closed left out"
md ticket list > "$T/tl"
is "$(awk 'NR > 1 { print $1 }' "$T/tl" | tr '\n' ',')" "3,4,1," \
    "the text list too"
is "$(md ticket list --all --json | jq -r 'map(.number) | join(",")')" \
    "3,4,1,2" "ticket list --all: closed last"
is "$(md ticket list --status closed --json | jq -r 'map(.number) |
    join(",")')" "2" "ticket list --status closed: the closed one"

# --- ticket show: owner, participants, continuation -------------------
printf '#customer carla@example.net\nThe invoice goes to Carla.\n' |
    md ticket note 1 --from agent1@example.com > /dev/null ||
    not_ok "ticket note 1 with #customer"
md ticket show 1 > "$T/show1"
like "$(cat "$T/show1")" '^Owner: agent1@example.com$' \
    "ticket show: the owner"
like "$(cat "$T/show1")" '^Customer: carla@example.net$' \
    "ticket show: the new customer"
like "$(cat "$T/show1")" '^Participant: Carl Berger <carl@example.net>$' \
    "ticket show: the former customer is a participant"
md ticket show 4 > "$T/show4"
like "$(cat "$T/show4")" '^Owner: none$' "ticket show: no owner said so"
grep -q '^Participant:' "$T/show4" &&
    not_ok "ticket show: no participants, no line" ||
    ok "ticket show: no participants, no line"
# Ticket 2 was closed; with reopen-days = 0 Jürgen's reply opens ticket 5.
sleep 1
cat > "$T/mail.eml" <<EOM
From: Jürgen Müller <juergen@example.net>
To: support@example.com
Subject: Re: [Case#2] Rechnung
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <j2@display.test>
In-Reply-To: <j1@display.test>

Noch eine Frage.
EOM
md deliver --sender juergen@example.net --recipient support@example.com \
    < "$T/mail.eml" > /dev/null 2>&1
is "$(md ticket show 5 --json | jq -r .linked_to)" 2 \
    "the reply opened ticket 5, linked to 2"
like "$(md ticket show 2)" '^Continued in: ticket 5$' \
    "ticket show 2: continued in ticket 5"
like "$(md ticket show 5)" '^Continues: ticket 2$' \
    "ticket show 5: continues ticket 2"

# --- flush: why nothing was sent --------------------------------------
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" "^flush: nothing sent: the relay 127.0.0.1:$DOWN did not take [0-9]+ \\(" \
    "flush with the relay down: says the relay did not take them"
like "$(cat "$T/flush")" 'wait for a retry, the first at [0-9-]+ [0-9:]+' \
    "and when the next try is"

# --- outbox: leased entries -------------------------------------------
# A relay that holds DATA for 30 s: the flush that talks to it has leased
# what it sends (for lease-seconds, 300) and is then killed.
start_sink -w 30
conf "$SINK_PORT"
sleep 2	# past every entry's next attempt (retry-base-seconds = 1)
"$MAILDESK" -c "$T/maildesk.conf" flush > /dev/null 2>&1 &
fpid=$!
n=$(md outbox --json | jq length)
i=0
while [ "$i" -lt 150 ]; do
	l=$(md outbox --json | jq '[.[] | select(.lease_until != null)] |
	    length')
	[ "${l:-0}" -gt 0 ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$fpid" 2> /dev/null
wait "$fpid" 2> /dev/null
md outbox --json > "$T/ob.json"
like "$(jq -r '[.[].state] | unique | join(",")' "$T/ob.json")" 'leased' \
    "outbox --json: the entries the flush took are leased"
is "$(jq -r '[.[] | select(.state == "leased")] |
    length > 0 and all(.lease_until != null)' "$T/ob.json")" true \
    "each with the end of its lease"
md outbox > "$T/ob.txt"
like "$(cat "$T/ob.txt")" '^ +[0-9]+ +[a-z]+ +[0-9]+ +leased ' \
    "outbox: the STATE column says leased"
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" '^flush: 0 sent, 0 deferred, 0 failed$' \
    "a second flush sends nothing"
like "$(cat "$T/flush")" \
    '^flush: nothing sent: .*[0-9]+ being sent by another flush or delivery' \
    "and says they are being sent by another flush"

# --- flush with an empty outbox ---------------------------------------
rm -rf "$T/store"
conf "$DOWN"
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" '^flush: nothing sent: the outbox is empty$' \
    "flush of an empty outbox says so"

finish
