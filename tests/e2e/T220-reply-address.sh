#!/bin/sh
# SPDX-License-Identifier: MIT
# What a customer controls cannot shape our mail (issue 3): a Subject with
# an encoded CR LF "Bcc:" and a 2 KB display name give an ack and a
# notification without a Bcc, with one Subject, lines of at most 998
# characters and a clean header block.  And the signed reply address: a
# forged MAC (or the MAC of another ticket) threads nowhere, while a valid
# address brings a stranger's mail into the ticket.
. "$(dirname "$0")/lib.sh"

start_sink
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "timeout-seconds = 10" \
    "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[queue support]" "agents = agent1@example.com"

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

addr_of() {
	printf '%s\n' "$1" | sed -n '1{s/.*<\([^>]*\)>.*/\1/;p;}'
}

# wellformed FILE WHAT: the checks every mail we send must pass.
wellformed() {
	f=$1
	w=$2
	sink_message "$f" > "$T/msg"
	awk '/^$/ { exit } { print }' "$T/msg" > "$T/hdr"
	grep -q '^$' "$T/msg" && [ -s "$T/hdr" ] &&
	    ok "$w: a header block, then a blank line" ||
	    not_ok "$w: a header block, then a blank line"
	bad=$(LC_ALL=C grep -Ev '^([!-9;-~]+:|[ 	])' "$T/hdr" | head -n 3)
	is "$bad" "" "$w: every header line is a field or a continuation"
	is "$(head -n 1 "$T/hdr" | grep -c '^[ 	]')" 0 \
	    "$w: the first line is no continuation"
	long=$(awk 'length($0) > 998 { n++ } END { print n + 0 }' "$T/hdr")
	is "$long" 0 "$w: no header line longer than 998 characters"
	# RFC 5322 2.1.1 holds for the body too (the name is in the text).
	long=$(awk 'b && length($0) > 998 { n++ } /^$/ { b = 1 }
	    END { print n + 0 }' "$T/msg")
	is "$long" 0 "$w: no body line longer than 998 characters"
	is "$(LC_ALL=C grep -ci '^bcc[ 	]*:' "$T/hdr")" 0 "$w: no Bcc header"
	is "$(LC_ALL=C grep -ci '^subject[ 	]*:' "$T/hdr")" 1 \
	    "$w: exactly one Subject header"
	for h in From To Date Message-ID; do
		is "$(mail_header "$f" "$h" | wc -l | tr -d ' ')" 1 \
		    "$w: exactly one $h header"
	done
	is "$(sink_rcpts "$f" | grep -ci victim)" 0 \
	    "$w: the victim is no envelope recipient"
	is "$({ mail_header "$f" To; mail_header "$f" Cc; } | grep -ci victim)" \
	    0 "$w: the victim is in no To or Cc"
	if have_python; then
		mail_decoded "$f" subject > "$T/subj"
		is "$(wc -l < "$T/subj" | tr -d ' ')" 1 \
		    "$w: the decoded Subject is one line"
		is "$(tr -dc '\r' < "$T/subj" | wc -c | tr -d ' ')" 0 \
		    "$w: the decoded Subject holds no CR"
		like "$(cat "$T/subj")" '^\[Ticket#2\] Hello' \
		    "$w: the decoded Subject keeps the customer's words"
	else
		skip "$w: the decoded Subject is one line" "no python3"
	fi
}

# Ticket 1: an ordinary customer, for the reply address tests below.
cat > "$T/p1.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Printer on fire
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <p1@example.net>

My printer is on fire.
EOM
dlv "$T/p1.eml" --sender paula@example.net --recipient support@example.com
is "$(tickets)" 1 "paula's mail opens ticket 1"
A=$(sink_find Auto-Submitted '^auto-replied$')
R1=$(addr_of "$(mail_header "${A:-/dev/null}" Reply-To)")
like "$R1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "ticket 1's ack has a signed Reply-To"
MAC1=$(printf '%s' "$R1" |
    sed -n 's/^support+1\.[0-9]*\.\([0-9a-f]*\)@.*/\1/p')
DAY1=$(printf '%s' "$R1" | sed -n 's/^support+1\.\([0-9]*\)\..*/\1/p')

# --- Header injection ----------------------------------------------------
# A display name of about 2 KB with a word too long for one line.
NAME=$(awk 'BEGIN {
	s = "Ivan "
	for (i = 0; i < 1100; i++) s = s "x"
	for (i = 0; i < 60; i++) s = s " Injector"
	s = s " "
	for (i = 0; i < 400; i++) s = s "y"
	print s
}')
like "${#NAME}" '^(19|2[0-9])[0-9][0-9]$' "the display name is about 2 KB"
cat > "$T/inject.eml" <<EOM
From: "$NAME" <ivan@example.net>
To: support@example.com
Subject: =?UTF-8?Q?Hello=0D=0ABcc:_victim@example.org?=
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <inject1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Please answer.
EOM
sink_reset
dlv "$T/inject.eml" --sender ivan@example.net --recipient support@example.com
is "$(tickets)" 2 "the injection mail opens ticket 2"
is "$(sink_count)" 2 "an ack and a notification reached the relay"
A2=$(sink_find Auto-Submitted '^auto-replied$')
N2=$(sink_find Auto-Submitted '^auto-generated$')
[ -n "$A2" ] || A2=/dev/null
[ -n "$N2" ] || N2=/dev/null
is "$(sink_rcpts "$A2")" ivan@example.net "the ack goes to ivan only"
is "$(sink_rcpts "$N2")" agent1@example.com "the notification to the agent only"
wellformed "$A2" ack
wellformed "$N2" notification

# --- Forged and misplaced reply addresses --------------------------------
# A stranger guesses a MAC: not ticket 1, a ticket of its own.
FORGED=support+1.${DAY1:-1}.000000000000@example.com
[ "$MAC1" = 000000000000 ] && bail "ticket 1's MAC happens to be all zeros"
cat > "$T/forged.eml" <<EOM
From: Mallory <mallory@example.net>
To: $FORGED
Subject: Let me in
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <forged1@example.net>

Please send me the files.
EOM
n1=$(show 1 '.messages | length')
dlv "$T/forged.eml" --sender mallory@example.net --recipient "$FORGED"
is "$(tickets)" 3 "a forged reply address opens a new ticket (3)"
is "$(show 1 '.messages | length')" "$n1" "ticket 1 did not get the mail"
is "$(show 3 .customer.email)" mallory@example.net "ticket 3 is mallory's"
is "$(show 1 '[.messages[] | .from.email] | map(select(. ==
    "mallory@example.net")) | length')" 0 "mallory is nowhere in ticket 1"

# Ticket 1's MAC with ticket 2's number: no thread either.
CROSS="support+2.${DAY1:-1}.${MAC1:-000000000000}@example.com"
cat > "$T/cross.eml" <<EOM
From: Oscar Other <oscar@example.org>
To: $CROSS
Subject: Cross
Date: Mon, 02 Mar 2026 12:30:00 +0100
Message-ID: <cross1@example.org>

Another ticket's MAC.
EOM
n2=$(show 2 '.messages | length')
dlv "$T/cross.eml" --sender oscar@example.org --recipient "$CROSS"
is "$(tickets)" 4 "ticket 1's MAC on ticket 2's number opens a new ticket"
is "$(show 2 '.messages | length')" "$n2" "ticket 2 did not get the mail"

# A valid reply address reaches the ticket, whoever writes.
cat > "$T/stranger.eml" <<EOM
From: Trent Third <trent@example.org>
To: ${R1:-support+1.1.000000000000@example.com}
Subject: About the printer
Date: Mon, 02 Mar 2026 13:00:00 +0100
Message-ID: <trent1@example.org>

Paula forwarded your mail to me.
EOM
dlv "$T/stranger.eml" --sender trent@example.org \
    --recipient "${R1:-support+1.1.000000000000@example.com}"
is "$(tickets)" 4 "a stranger writing to the signed address opens no ticket"
is "$(show 1 '.messages | map(select(.message_id == "trent1@example.org")) |
    length')" 1 "the stranger's mail is in ticket 1"
is "$(show 1 .customer.email)" paula@example.net "ticket 1 is still paula's"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
