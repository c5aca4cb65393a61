#!/bin/sh
# SPDX-License-Identifier: MIT
# Agents (issue 4), checked on the wire against an smtp-sink(1) relay.
# `agent add/list/remove` keep the agents in the store.  A customer mail
# gives each agent of the queue a notification; the agent's answer to it
# (from the agent, to the notification's signed Reply-To address, quoting
# the notification) reaches the customer exactly once, from our address,
# threaded on the customer's mail, with the quote cut off and the
# customer's own signed Reply-To; the ticket becomes pending and the
# agent's.  The customer's answer to that mail reopens the ticket.  The
# other agent of the queue gets a copy.  A mail from an agent's address
# that proves nothing (plain address, no token, no Authentication-Results,
# or one from a foreign authserv-id, or the wrong domain) is an unverified
# note and goes nowhere; Authentication-Results from our own authserv-id
# with dkim=pass (or dmarc=pass) for the agent's domain verifies it.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"

conf

# --- agent add / list / remove ------------------------------------------
md agent add agent1@example.com --name "Agent One" --queue support \
    > "$T/out" 2> "$T/err"
is "$?" 0 "agent add agent1 (queue support) exits 0"
md agent add agent2@example.com --name "Agent Two" --queue support \
    > "$T/out" 2> "$T/err"
is "$?" 0 "agent add agent2 (queue support) exits 0"
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > "$T/out" 2> "$T/err"
is "$?" 0 "agent add agent3 (queue sales) exits 0"
md agent list --json > "$T/agents.json" 2> "$T/err"
is "$?" 0 "agent list --json exits 0"
is "$(jq -r 'map(.email) | sort | join(",")' "$T/agents.json")" \
    "agent1@example.com,agent2@example.com,agent3@example.com" \
    "agent list --json: the three agents"
is "$(jq -r '.[] | select(.email == "agent1@example.com") |
    [.name, (.queues | join(","))] | join("|")' "$T/agents.json")" \
    "Agent One|support" "agent1: its name and queue support"
is "$(jq -r '.[] | select(.email == "agent3@example.com") |
    [.name, (.queues | join(","))] | join("|")' "$T/agents.json")" \
    "Agent Three|sales" "agent3: its name and queue sales"
like "$(md agent list 2>&1)" 'agent2@example\.com' \
    "agent list (text) names agent2"

# Re-adding updates name and queues.
md agent add agent3@example.com --name "Agent Drei" --queue sales \
    --queue support > /dev/null 2>&1
is "$?" 0 "agent add agent3 again exits 0"
is "$(jqr '.[] | select(.email == "agent3@example.com") |
    [.name, (.queues | sort | join(","))] | join("|")' agent list --json)" \
    "Agent Drei|sales,support" "re-adding agent3 updates name and queues"
is "$(jqr 'length' agent list --json)" 3 "and adds no second agent3"

md agent remove agent3@example.com > /dev/null 2>&1
is "$?" 0 "agent remove agent3 exits 0"
is "$(jqr 'map(.email) | sort | join(",")' agent list --json)" \
    "agent1@example.com,agent2@example.com" "agent3 is gone from the list"
md agent remove nobody@example.com > /dev/null 2>&1
is "$?" 1 "agent remove of an unknown address exits 1 (not found)"

# --- A customer mail: ack and one notification per agent ------------------
cat > "$T/c1.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Printer on fire
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <c1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

My printer is on fire.  Token-c1-1111.
EOM
sink_reset
dlv "$T/c1.eml" --sender paula@example.net --recipient support@example.com
settle
is "$(tickets)" 1 "paula's mail opens ticket 1"
is "$(show 1 .status)" new "ticket 1 is new"
is "$(owner 1)" none "ticket 1 has no owner yet"
is "$(sink_count)" 3 "an ack and two notifications reached the relay"
is "$(count_to agent3@example.com)" 0 "the removed agent3 gets nothing"
ACK=$(one "$(sink_to paula@example.net)")
N1=$(one "$(sink_to agent1@example.com)")
N2=$(one "$(sink_to agent2@example.com)")
is "$(mail_header "$N1" Auto-Submitted)" auto-generated \
    "agent1 got a notification"
is "$(mail_header "$N2" Auto-Submitted)" auto-generated \
    "agent2 got a notification"
RC=$(addr_of "$(mail_header "$ACK" Reply-To)")
RN1=$(addr_of "$(mail_header "$N1" Reply-To)")
RN2=$(addr_of "$(mail_header "$N2" Reply-To)")
like "$RN1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "agent1's notification: Reply-To support+1.<day>.<mac>@example.com"
[ -n "$RN1" ] && [ "$RN1" != "$RN2" ] && [ "$RN1" != "$RC" ] &&
    ok "agent1's reply address is its own" ||
    not_ok "agent1's reply address is its own" "[$RN1] [$RN2] [$RC]"
NMID=$(mail_header "$N1" Message-ID)
like "$NMID" '^<[^<>@ ]+@[^<>@ ]+>$' "the notification has a Message-ID"
[ -n "$RN1" ] || RN1=support+1.1.000000000000@example.com
[ -n "$NMID" ] || NMID="<none@example.com>"

# The quoted notification, as a mail client writes it below the answer.
if have_python && [ "$N1" != /dev/null ]; then
	mail_decoded "$N1" text | sed 's/^/> /; s/ $//' > "$T/quote"
else
	printf '> New message from a customer in ticket 1.\n>\n> %s\n' \
	    'My printer is on fire.  Token-c1-1111.' > "$T/quote"
fi
grep -q 'Token-c1-1111' "$T/quote" &&
    ok "the notification quoted holds the customer's text" ||
    not_ok "the notification quoted holds the customer's text" \
    "$(head -c 400 "$T/quote")"

# --- The agent's answer reaches the customer --------------------------------
{
	cat <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <a1@example.com>
In-Reply-To: $NMID
References: $NMID
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello Paula,

please unplug the printer.  Token-a1-4242.

Agent One

On Mon, 2 Mar 2026 at 10:00, Support <support@example.com> wrote:
EOM
	cat "$T/quote"
} > "$T/a1.eml"
sink_reset
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(tickets)" 1 "the agent's answer opens no ticket"
is "$(count_to paula@example.net)" 1 "exactly one mail to the customer"
R=$(one "$(sink_to paula@example.net)")
is "$(sink_rcpts "$R")" paula@example.net \
    "its envelope recipient is only the customer"
is "$(sink_mail_from "$R")" support@example.com \
    "envelope sender: support@example.com"
is "$(addr_of "$(mail_header "$R" From)")" support@example.com \
    "From: support@example.com"
is "$(mail_header "$R" To | wc -l | tr -d ' ')" 1 "one To header"
is "$(addr_of "$(mail_header "$R" To)")" paula@example.net "To: the customer"
is "$(mail_header "$R" Cc)$(mail_header "$R" Bcc)" "" "no Cc, no Bcc"
like "$(mail_header "$R" Subject)" '\[Ticket#1\]' "Subject has [Ticket#1]"
like "$(mail_header "$R" Subject)" 'Printer on fire' \
    "Subject has the ticket subject"
is "$(mail_header "$R" In-Reply-To)" "<c1@example.net>" \
    "In-Reply-To: the customer's Message-ID"
like "$(mail_header "$R" References)" '<c1@example\.net>' \
    "References name the customer's Message-ID"
is "$(mail_header "$R" Auto-Submitted)" "" "no Auto-Submitted (a human answer)"
like "$(mail_header "$R" X-Loop)" '^maildesk-[0-9a-f]{12}$' \
    "X-Loop: this installation's mark"
RR=$(addr_of "$(mail_header "$R" Reply-To)")
like "$RR" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "Reply-To: support+1.<day>.<mac>@example.com"
is "$RR" "$RC" "Reply-To is the customer's signed address (as in the ack)"
[ -n "$RR" ] && [ "$RR" != "$RN1" ] &&
    ok "not the agent's reply address" ||
    not_ok "not the agent's reply address" "[$RR] [$RN1]"
RMID=$(mail_header "$R" Message-ID)
like "$RMID" '^<[^<>@ ]+@[^<>@ ]+>$' "the relayed mail has a Message-ID"
[ -n "$RMID" ] && [ "$RMID" != "<a1@example.com>" ] &&
    ok "the relayed mail's Message-ID is our own" ||
    not_ok "the relayed mail's Message-ID is our own" "[$RMID]"
text_has "$R" "Token-a1-4242" "the agent's text is relayed"
text_has "$R" "please unplug the printer" "word for word"
text_lacks "$R" "Token-c1-1111" "the quoted customer text is cut off"
text_lacks "$R" "wrote:" "the \"On ... wrote:\" line is cut off"
text_lacks "$R" "New message from a customer" "the quoted notification is cut off"
if have_python && [ "$R" != /dev/null ]; then
	is "$(mail_decoded "$R" text | grep -c '^>')" 0 "no \"> \" line relayed"
else
	skip "no \"> \" line relayed" "python3 needed or no mail"
fi

# The ticket: pending, the agent's, the answer stored as out/agent.
is "$(show 1 .status)" pending "ticket 1 is pending after the agent's answer"
is "$(owner 1)" agent1@example.com "the agent owns ticket 1"
is "$(msg 1 a1@example.com .direction)" out "the answer is stored direction out"
is "$(msg 1 a1@example.com .kind)" agent "the answer is stored kind agent"
like "$(msg 1 a1@example.com .text)" 'Token-a1-4242' \
    "the stored answer keeps the agent's text"
is "$(msg 1 a1@example.com '.flags | index("unverified") != null')" false \
    "the answer is not flagged unverified"

# The other agent of the queue gets a copy, the author does not.
is "$(count_to agent2@example.com)" 1 "agent2 gets a copy of the answer"
text_has "$(one "$(sink_to agent2@example.com)")" "Token-a1-4242" \
    "the copy holds the agent's text"
is "$(count_to agent1@example.com)" 0 "the author gets no copy"
is "$(sink_count)" 2 "two mails in all: the answer and the copy"

# Exactly once: a flush and the same mail again send nothing more.
settle
dlv "$T/a1.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to paula@example.net)" 1 \
    "a flush and a duplicate delivery send the customer nothing more"
is "$(show 1 '.messages | map(select(.message_id == "a1@example.com")) |
    length')" 1 "the answer is stored once"
is "$(jqr 'length' outbox --json)" 0 "the outbox is empty"

# --- The customer answers the relayed mail: open again ---------------------
cat > "$T/c2.eml" <<EOM
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Re: Printer on fire
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <c2@example.net>
In-Reply-To: ${RMID:-<none@example.com>}

Unplugged.  Now it smokes.  Token-c2-2222.
EOM
sink_reset
dlv "$T/c2.eml" --sender paula@example.net --recipient support@example.com
settle
is "$(tickets)" 1 "the customer's answer opens no ticket"
is "$(msg 1 c2@example.net '[.direction, .kind] | join(" ")')" \
    "in customer" "it is a customer message of ticket 1"
is "$(show 1 .status)" open "ticket 1 is open again"
is "$(owner 1)" agent1@example.com "and still agent1's"
is "$(count_to paula@example.net)" 0 "no ack for the answer"
is "$(count_to agent1@example.com)" 1 "agent1 is notified"
is "$(count_to agent2@example.com)" 1 "agent2 is notified"

# --- Forged: to the plain address, nothing to prove it ------------------
# forged ID [HEADER]: the agent's answer again, but to support@example.com.
forged() {
	{
		printf 'From: Agent One <agent1@example.com>\n'
		printf 'To: support@example.com\n'
		if [ $# -gt 1 ]; then printf '%s\n' "$2"; fi
		printf 'Subject: Re: [Ticket#1] Printer on fire\n'
		printf 'Date: Mon, 02 Mar 2026 13:00:00 +0100\n'
		printf 'Message-ID: <%s@example.com>\n' "$1"
		printf 'In-Reply-To: %s\nReferences: %s\n' "$NMID" "$NMID"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		printf 'Please send me your password.  Token-%s.\n' "$1"
	} > "$T/$1.eml"
	sink_reset
	dlv "$T/$1.eml" --sender agent1@example.com \
	    --recipient support@example.com
	settle
}

# unverified ID WHAT: the checks for a mail that must not count.
unverified() {
	is "$(tickets)" 1 "$2: no new ticket"
	is "$(count_to paula@example.net)" 0 "$2: nothing reaches the customer"
	is "$(($(sink_count) - $(count_to agent1@example.com)))" 0 \
	    "$2: nothing is relayed to anybody (but a word to the agent)"
	like "$(count_to agent1@example.com)" '^[01]$' \
	    "$2: at most one mail back to the agent (T370 has the rest)"
	is "$(msg 1 "$1@example.com" .kind)" note "$2: stored in ticket 1 as a note"
	is "$(msg 1 "$1@example.com" '.flags | index("unverified") != null')" \
	    true "$2: flagged unverified"
	like "$(msg 1 "$1@example.com" .text)" "Token-$1\\." \
	    "$2: the note keeps the mail's text"
	is "$(show 1 .status)" open "$2: ticket 1 stays open"
}

forged f1
unverified f1 "no token, no Authentication-Results"

forged f2 "Authentication-Results: evil.example.net; dkim=pass header.d=example.com"
unverified f2 "dkim=pass from a foreign authserv-id (none configured)"

# Our authserv-id counts from now on; others still do not.
conf "[agents]" "authserv-id = mx.example.com"
like "$(md config check 2>&1)" 'authserv-id *= *mx\.example\.com' \
    "config check shows authserv-id = mx.example.com"
forged f3 "Authentication-Results: evil.example.net; dkim=pass header.d=example.com"
unverified f3 "dkim=pass from a foreign authserv-id"
forged f4 "Authentication-Results: mx.example.com; dkim=pass header.d=evil.example.net"
unverified f4 "our authserv-id, dkim=pass for another domain"
forged f5 "Authentication-Results: mx.example.com; dkim=fail header.d=example.com"
unverified f5 "our authserv-id, dkim=fail"
forged f6 "Authentication-Results: mx.example.com.evil.net; dkim=pass header.d=example.com"
unverified f6 "an authserv-id that merely starts with ours"
forged f7 "Authentication-Results: mx.example.com; dkim=pass header.d=example.com.evil.net"
unverified f7 "dkim=pass for a domain that merely starts with the agent's"
forged f8 "Authentication-Results: mx.example.com; dkim=pass header.d=notexample.com"
unverified f8 "dkim=pass for a domain that merely ends with the agent's"
forged f9 "Authentication-Results: mx.example.com; dkim=fail (dkim=pass header.d=example.com) header.d=example.com"
unverified f9 "dkim=fail with dkim=pass only in a comment"
forged f10 "Authentication-Results: mx.example.com; dmarc=pass header.from=evil.example.net"
unverified f10 "dmarc=pass for another domain"

# From the agent, to the customer's reply address (which the customer
# knows): that token is no agent's.
sed -e "s/^To: .*/To: $RC/" \
    -e 's/^Message-ID: <a1@example.com>$/Message-ID: <k1@example.com>/' \
    -e 's/Token-a1-4242/Token-k1-6543/' "$T/a1.eml" > "$T/k1.eml"
sink_reset
dlv "$T/k1.eml" --sender agent1@example.com --recipient "$RC"
settle
is "$(count_to paula@example.net)" 0 \
    "the agent's From to the customer's reply address: nothing relayed"
is "$(show 1 '.messages | map(select(.message_id == "k1@example.com" and
    .kind == "agent")) | length')" 0 \
    "the agent's From to the customer's reply address: no answer stored"
is "$(show 1 .status)" open "ticket 1 stays open"

# Agent2 writes to agent1's reply address: the token is not agent2's.
sink_reset
sed -e 's/^From: Agent One <agent1@example.com>$/From: Agent Two <agent2@example.com>/' \
    -e 's/^Message-ID: <a1@example.com>$/Message-ID: <g1@example.com>/' \
    -e 's/Token-a1-4242/Token-g1-7777/' "$T/a1.eml" > "$T/g1.eml"
dlv "$T/g1.eml" --sender agent2@example.com --recipient "$RN1"
settle
is "$(count_to paula@example.net)" 0 \
    "agent2 using agent1's reply address: nothing to the customer"
is "$(msg 1 g1@example.com .kind)" note \
    "agent2 using agent1's reply address: stored as a note"
is "$(msg 1 g1@example.com '.flags | index("unverified") != null')" true \
    "agent2 using agent1's reply address: flagged unverified"
like "$(msg 1 g1@example.com .text)" 'Token-g1-7777' \
    "agent2 using agent1's reply address: the note keeps the text"

# The agent's out-of-office reply to the notification is no answer.
sink_reset
cat > "$T/ooo.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Out of office: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 13:30:00 +0100
Message-ID: <ooo1@example.com>
In-Reply-To: $NMID
Auto-Submitted: auto-replied

I am on holiday until Monday.  Token-ooo1-8888.
EOM
dlv "$T/ooo.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to paula@example.net)" 0 \
    "the agent's auto-reply to a notification reaches no customer"
is "$(show 1 .status)" open "the agent's auto-reply leaves ticket 1 open"

# --- Verified by DKIM: relayed ---------------------------------------------
# A new answer, no In-Reply-To: the subject tag finds the ticket.
cat > "$T/d1.eml" <<'EOM'
From: Agent One <agent1@example.com>
To: support@example.com
Authentication-Results: mx.example.com; dkim=pass header.d=example.com
Subject: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 14:00:00 +0100
Message-ID: <d1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Please call the fire brigade.  Token-d1-3333.
EOM
sink_reset
dlv "$T/d1.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(tickets)" 1 "the DKIM-verified answer opens no ticket"
is "$(count_to paula@example.net)" 1 "dkim=pass from mx.example.com: relayed"
D=$(one "$(sink_to paula@example.net)")
is "$(addr_of "$(mail_header "$D" From)")" support@example.com \
    "DKIM-verified: From support@example.com"
like "$(mail_header "$D" Subject)" '\[Ticket#1\]' "DKIM-verified: [Ticket#1]"
is "$(mail_header "$D" In-Reply-To)" "<c2@example.net>" \
    "DKIM-verified: In-Reply-To the last customer message"
is "$(addr_of "$(mail_header "$D" Reply-To)")" "$RC" \
    "DKIM-verified: Reply-To the customer's signed address"
text_has "$D" "Token-d1-3333" "DKIM-verified: the agent's text"
is "$(msg 1 d1@example.com '[.direction, .kind] | join(" ")')" "out agent" \
    "DKIM-verified: stored out/agent"
is "$(msg 1 d1@example.com '.flags | index("unverified") != null')" false \
    "DKIM-verified: not flagged unverified"
is "$(show 1 .status)" pending "DKIM-verified: ticket 1 pending"
is "$(count_to agent2@example.com)" 1 "DKIM-verified: agent2 gets a copy"
is "$(count_to agent1@example.com)" 0 "DKIM-verified: nothing back to agent1"
# c2 had no References, only In-Reply-To: our relayed mail; RFC 5322
# 3.6.4: References = the parent's In-Reply-To, then its Message-ID.
is "$(mail_header "$D" References | tr -s ' \t' '  ')" \
    "${RMID:-<none>} <c2@example.net>" \
    "DKIM-verified: References: c2's In-Reply-To, then c2 (RFC 5322 3.6.4)"
CP2=$(one "$(sink_to agent2@example.com)")
RCP2=$(addr_of "$(mail_header "$CP2" Reply-To)")
like "$RCP2" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "agent2's copy: Reply-To support+1.<day>.<mac>@example.com"
is "$RCP2" "$RN2" "agent2's copy: agent2's reply address"

# Agent2 answers the copy: that is a verified answer as well.
cat > "$T/e1.eml" <<EOM
From: Agent Two <agent2@example.com>
To: ${RCP2:-support+1.1.000000000000@example.com}
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 14:10:00 +0100
Message-ID: <e1@example.com>
In-Reply-To: $(mail_header "$CP2" Message-ID)

Agent Two here: I will send a technician.  Token-e1-9999.
EOM
sink_reset
dlv "$T/e1.eml" --sender agent2@example.com \
    --recipient "${RCP2:-support+1.1.000000000000@example.com}"
settle
is "$(count_to paula@example.net)" 1 "agent2's answer to the copy is relayed"
text_has "$(one "$(sink_to paula@example.net)")" "Token-e1-9999" \
    "agent2's answer: the text"
is "$(msg 1 e1@example.com .kind)" agent "agent2's answer: stored kind agent"
is "$(owner 1)" agent1@example.com "agent2's answer: agent1 still owns it"
is "$(count_to agent1@example.com)" 1 "agent2's answer: agent1 gets a copy"

# dmarc=pass with header.from counts as well.
cat > "$T/d2.eml" <<'EOM'
From: Agent One <agent1@example.com>
To: support@example.com
Authentication-Results: mx.example.com;
	spf=pass smtp.mailfrom=example.com;
	dmarc=pass header.from=example.com
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 14:30:00 +0100
Message-ID: <d2@example.com>

The brigade is on its way.  Token-d2-4444.
EOM
sink_reset
dlv "$T/d2.eml" --sender agent1@example.com --recipient support@example.com
settle
is "$(count_to paula@example.net)" 1 "dmarc=pass from mx.example.com: relayed"
text_has "$(one "$(sink_to paula@example.net)")" "Token-d2-4444" \
    "dmarc-verified: the agent's text"
is "$(msg 1 d2@example.com .kind)" agent "dmarc-verified: stored kind agent"

# --- An agent's attachment goes to the customer ---------------------------
PNG64=$(printf 'maildesk test screenshot 9931\n' | base64)
cat > "$T/att.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 15:00:00 +0100
Message-ID: <att1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

See the attached manual page.  Token-att1-5555.
--b1
Content-Type: application/octet-stream; name="manual-page.bin"
Content-Disposition: attachment; filename="manual-page.bin"
Content-Transfer-Encoding: base64

$PNG64
--b1--
EOM
sink_reset
dlv "$T/att.eml" --sender agent1@example.com --recipient "$RN1"
settle
is "$(count_to paula@example.net)" 1 "the answer with an attachment is relayed"
A=$(one "$(sink_to paula@example.net)")
text_has "$A" "Token-att1-5555" "with the agent's text"
if have_python && [ "$A" != /dev/null ]; then
	is "$(mail_decoded "$A" attachment manual-page.bin | sha256sum)" \
	    "$(printf '%s\n' "$PNG64" | base64 -d | sha256sum)" \
	    "and the agent's attachment, byte for byte"
else
	skip "and the agent's attachment, byte for byte" "python3 or mail missing"
fi

# --- Charsets: the agent's text arrives intact -----------------------------
cat > "$T/u8.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 15:10:00 +0100
Message-ID: <u8@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Der Techniker kommt morgen fr=C3=BCh.  Token-u8-1234.
Mit freundlichen Gr=C3=BC=C3=9Fen
EOM
sink_reset
dlv "$T/u8.eml" --sender agent1@example.com --recipient "$RN1"
settle
U=$(one "$(sink_to paula@example.net)")
text_has "$U" "Der Techniker kommt morgen früh." \
    "UTF-8 quoted-printable answer: umlauts intact"
text_has "$U" "Mit freundlichen Grüßen" "and the sharp s"
printf '%s\n' 'From: Agent One <agent1@example.com>' "To: $RN1" \
    'Subject: Re: [Ticket#1] Printer on fire' \
    'Date: Mon, 02 Mar 2026 15:20:00 +0100' 'Message-ID: <l1@example.com>' \
    'MIME-Version: 1.0' 'Content-Type: text/plain; charset=iso-8859-1' \
    'Content-Transfer-Encoding: 8bit' '' > "$T/l1.eml"
printf 'Sch\366ne Gr\374\337e aus K\366ln.  Token-l1-5678.\n' >> "$T/l1.eml"
sink_reset
dlv "$T/l1.eml" --sender agent1@example.com --recipient "$RN1"
settle
text_has "$(one "$(sink_to paula@example.net)")" \
    "Schöne Grüße aus Köln." "ISO-8859-1 answer: relayed as proper text"

# --- A verified mail from a non-agent is a stranger's mail ----------------
cat > "$T/x1.eml" <<'EOM'
From: Xaver Extern <xaver@example.com>
To: support@example.com
Authentication-Results: mx.example.com; dkim=pass header.d=example.com
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 16:00:00 +0100
Message-ID: <x1@example.com>

I am no agent.  Token-x1-6666.
EOM
sink_reset
dlv "$T/x1.eml" --sender xaver@example.com --recipient support@example.com
settle
is "$(count_to paula@example.net)" 0 \
    "a DKIM-signed mail from a non-agent reaches no customer"
is "$(show 1 '.messages | map(select(.message_id == "x1@example.com")) |
    length')" 0 "and is not filed in ticket 1 (a stranger's tag)"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
