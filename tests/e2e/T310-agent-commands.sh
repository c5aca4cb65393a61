#!/bin/sh
# SPDX-License-Identifier: MIT
# Agent command lines (issue 4): lines starting with "#" at the top of a
# verified agent mail.  #status, #assign ADDR|me, #queue, #customer change
# the ticket and are cut from the text relayed to the customer; #note keeps
# the whole mail internal (stored as a note, copied to the other agent,
# nothing to the customer); an unknown command relays nothing and tells
# the agent; a command below the first line of text is text; an unverified
# mail's commands are not obeyed.  Then a ticket's status life: new ->
# agent answer -> pending -> customer reply -> open -> closed -> customer
# reply within the reopen window -> open; with reopen-days = 0 a reply to
# the closed ticket opens a new one linked to it.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"

# cmail FROM MESSAGE-ID SUBJECT TEXT [HEADER]: a customer mail.
cmail() {
	{
		printf 'From: %s\nTo: support@example.com\nSubject: %s\n' "$1" "$3"
		printf 'Date: Mon, 02 Mar 2026 10:00:00 +0100\n'
		printf 'Message-ID: <%s>\n' "$2"
		if [ $# -gt 4 ]; then printf '%s\n' "$5"; fi
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n' "$4"
	}
}

# The commands that hand a ticket to someone (#assign, #customer) need our
# MX's word that the mail is from the agent's domain (T345 shows what a
# signed reply address alone gets): $AR is that header, which amail and
# the hand-written mails below carry unless AR is set empty.
AR='Authentication-Results: mx.example.com; dkim=pass header.d=example.com'

# amail ID TEXT [TO [REPLY-TO-ID]]: delivers a mail from agent1 (Message-ID
# <ID@example.com>, body TEXT) to TO (default: agent1's reply address of
# ticket 1, $RN1), In-Reply-To the notification it answers (default
# $NMID), Subject $ASUBJ (default "Re: [Ticket#1] Printer on fire"); the
# sink is reset before, flushed after.
amail() {
	_to=${3:-$RN1}
	{
		printf 'From: Agent One <agent1@example.com>\nTo: %s\n' "$_to"
		[ -z "$AR" ] || printf '%s\n' "$AR"
		printf 'Subject: %s\n' "${ASUBJ:-Re: [Ticket#1] Printer on fire}"
		printf 'Date: Mon, 02 Mar 2026 11:00:00 +0100\n'
		printf 'Message-ID: <%s@example.com>\n' "$1"
		printf 'In-Reply-To: %s\nReferences: %s\n' "${4:-$NMID}" \
		    "${4:-$NMID}"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n' "$2"
	} > "$T/$1.eml"
	sink_reset
	dlv "$T/$1.eml" --sender agent1@example.com --recipient "$_to"
	settle
}

# all_text FILE: every text part (plain and HTML, no attachment) of a
# dumped mail, decoded.
all_text() {
	sink_message "$1" | python3 -c '
import sys, email, email.policy
m = email.message_from_binary_file(sys.stdin.buffer,
                                   policy=email.policy.default)
for p in m.walk():
    if p.get_content_maintype() == "text" and not p.is_attachment():
        sys.stdout.write(p.get_content() + "\n")
'
}

# adeliver ID TO [SENDER]: delivers $T/ID.eml (sink reset before, flushed
# after).
adeliver() {
	sink_reset
	dlv "$T/$1.eml" --sender "${3:-agent1@example.com}" --recipient "$2"
	settle
}

# Agents of the store, and one in the config only (sam, queue sales).
conf "[queue sales]" "agents = sam@example.com" \
    "[agents]" "authserv-id = mx.example.com"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null 2>&1 || not_ok "agent add agent1" "exit $?"
md agent add agent2@example.com --name "Agent Two" --queue support \
    > /dev/null 2>&1 || not_ok "agent add agent2" "exit $?"
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > /dev/null 2>&1 || not_ok "agent add agent3" "exit $?"
is "$(jqr 'length' agent list --json)" 3 "three agents"

# --- Ticket 1 and agent1's notification -----------------------------------
cmail 'Paula Probe <paula@example.net>' c1@example.net 'Printer on fire' \
    'My printer is on fire.  Token-c1-1111.' > "$T/c1.eml"
sink_reset
dlv "$T/c1.eml" --sender paula@example.net --recipient support@example.com
settle
is "$(tickets)" 1 "paula's mail opens ticket 1"
N1=$(one "$(sink_to agent1@example.com)")
RN1=$(addr_of "$(mail_header "$N1" Reply-To)")
NMID=$(mail_header "$N1" Message-ID)
like "$RN1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "agent1 is notified, Reply-To support+1.<day>.<mac>@example.com"
[ -n "$RN1" ] || RN1=support+1.1.000000000000@example.com
RN2=$(addr_of "$(mail_header "$(one "$(sink_to agent2@example.com)")" \
    Reply-To)")
[ -n "$RN2" ] || RN2=support+1.1.000000000000@example.com
[ -n "$NMID" ] || NMID="<none@example.com>"

# --- #status resolved -------------------------------------------------------
amail s1 '#status resolved

The fix is deployed, the printer is safe now.  Token-s1-1010.

-----Original Message-----
From: support@example.com
> My printer is on fire.  Token-c1-1111.'
is "$(show 1 .status)" resolved "#status resolved: ticket 1 is resolved"
is "$(owner 1)" agent1@example.com "the answering agent owns ticket 1"
is "$(count_to paula@example.net)" 1 "#status resolved: the text is relayed"
R=$(one "$(sink_to paula@example.net)")
text_has "$R" "Token-s1-1010" "#status resolved: the agent's text relayed"
text_lacks "$R" "#status" "#status resolved: the command line is not relayed"
text_lacks "$R" "resolved" "#status resolved: not even the word"
text_lacks "$R" "Original Message" "the -----Original Message----- is cut off"
text_lacks "$R" "Token-c1-1111" "and the quote below it"
is "$(msg 1 s1@example.com .kind)" agent "#status resolved: stored kind agent"

# The customer answers: open again.
cmail 'Paula Probe <paula@example.net>' c2@example.net \
    'Re: [Ticket#1] Printer on fire' 'Thanks!  Token-c2-2222.' \
    'In-Reply-To: <c1@example.net>' > "$T/c2.eml"
dlv "$T/c2.eml" --sender paula@example.net --recipient support@example.com
settle
is "$(show 1 .status)" open "a customer reply opens the resolved ticket"

# --- #note ------------------------------------------------------------------
amail n1 '#note
Internal: paula is a very important customer.  Token-n1-3030.'
is "$(count_to paula@example.net)" 0 "#note: nothing to the customer"
is "$(msg 1 n1@example.com .kind)" note "#note: stored kind note"
like "$(msg 1 n1@example.com .text)" 'Token-n1-3030' "#note: the note's text"
is "$(msg 1 n1@example.com '.flags | index("unverified") != null')" false \
    "#note: not flagged unverified"
is "$(count_to agent2@example.com)" 1 "#note: agent2 gets a copy"
text_has "$(one "$(sink_to agent2@example.com)")" "Token-n1-3030" \
    "#note: the copy holds the note"
is "$(count_to agent1@example.com)" 0 "#note: the author gets no copy"
is "$(show 1 .status)" open "#note: the status stays open"

# --- #assign ADDR, #assign me -------------------------------------------
amail as1 '#assign agent2@example.com

My colleague Agent Two takes over.  Token-as1-4040.'
is "$(owner 1)" agent2@example.com "#assign agent2@example.com: agent2 owns it"
is "$(count_to paula@example.net)" 1 "#assign: the text is relayed"
R=$(one "$(sink_to paula@example.net)")
text_has "$R" "Token-as1-4040" "#assign: the agent's text relayed"
text_lacks "$R" "#assign" "#assign: the command line is not relayed"
is "$(show 1 .status)" pending "#assign with text: an answer, pending"

amail as2 '#assign me

I will handle this myself after all.  Token-as2-5050.

Am 02.03.2026 um 10:00 schrieb Support <support@example.com>:
> My printer is on fire.  Token-c1-1111.'
is "$(owner 1)" agent1@example.com "#assign me: agent1 owns it"
R=$(one "$(sink_to paula@example.net)")
text_has "$R" "Token-as2-5050" "#assign me: the agent's text relayed"
text_lacks "$R" "#assign" "#assign me: the command line is not relayed"
text_lacks "$R" "schrieb" "the \"Am ... schrieb ...:\" line is cut off"
text_lacks "$R" "Token-c1-1111" "and the quote below it"

# --- A command line below the text is text ------------------------------
amail mid1 'Thanks for waiting.  Token-mid1-6060.
#status closed
That was no command.'
is "$(show 1 .status)" pending "a #status line below the text is not obeyed"
R=$(one "$(sink_to paula@example.net)")
text_has "$R" "#status closed" "it is relayed as text"

# --- Unknown command ------------------------------------------------------
amail fr1 '#frobnicate now

Please frobnicate the printer.  Token-fr1-7070.'
is "$(count_to paula@example.net)" 0 "#frobnicate: nothing to the customer"
is "$(tickets)" 1 "#frobnicate: no new ticket"
is "$(count_to agent1@example.com)" 1 "#frobnicate: the agent gets a mail back"
B=$(one "$(sink_to agent1@example.com)")
is "$(addr_of "$(mail_header "$B" From)")" support@example.com \
    "#frobnicate: the mail back is from support@example.com"
like "$(mail_header "$B" Subject)" '\[Ticket#1\]' \
    "#frobnicate: the mail back names [Ticket#1]"
if have_python && [ "$B" != /dev/null ]; then
	like "$(mail_decoded "$B" subject; mail_decoded "$B" text)" \
	    'frobnicate' "#frobnicate: the mail back names the command"
else
	like "$(mail_header "$B" Subject)" 'frobnicate' \
	    "#frobnicate: the mail back names the command"
fi
is "$(msg 1 fr1@example.com .kind)" note "#frobnicate: stored as a note"
like "$(msg 1 fr1@example.com .text)" 'Token-fr1-7070' \
    "#frobnicate: the note keeps the mail's text"
is "$(show 1 .status)" pending "#frobnicate: the status is unchanged"
is "$(owner 1)" agent1@example.com "#frobnicate: the owner is unchanged"

# --- Unverified: commands not obeyed --------------------------------------
AR='' amail u1 '#status closed
#assign agent2@example.com

Closing this.  Token-u1-8080.' support@example.com
is "$(show 1 .status)" pending "unverified #status closed: not obeyed"
is "$(owner 1)" agent1@example.com "unverified #assign: not obeyed"
is "$(count_to paula@example.net)" 0 "unverified: nothing to the customer"
is "$(($(sink_count) - $(count_to agent1@example.com)))" 0 \
    "unverified: nothing to anybody but a word to the agent"
is "$(msg 1 u1@example.com .kind)" note "unverified: stored as a note"
like "$(msg 1 u1@example.com .text)" 'Token-u1-8080' \
    "unverified: the note keeps the mail's text"
is "$(msg 1 u1@example.com '.flags | index("unverified") != null')" true \
    "unverified: flagged unverified"

# --- More commands and mail shapes ----------------------------------------
amail bad1 '#status bogus

Token-bad1-1313.'
is "$(count_to paula@example.net)" 0 "#status bogus: nothing to the customer"
is "$(count_to agent1@example.com)" 1 "#status bogus: the agent gets a mail back"
is "$(show 1 .status)" pending "#status bogus: the status is unchanged"

# Blank lines before the commands: still the top.
amail bl1 '

#note
Internal: after two blank lines.  Token-bl1-2222.'
is "$(count_to paula@example.net)" 0 "#note after blank lines: nothing relayed"
is "$(msg 1 bl1@example.com .kind)" note "#note after blank lines: a note"

# Bad arguments are not understood either.
amail badc1 '#customer not-an-address

Token-badc1-3333.'
is "$(count_to paula@example.net)" 0 "#customer not-an-address: nothing relayed"
is "$(count_to agent1@example.com)" 1 "#customer not-an-address: a mail back"
is "$(show 1 .customer.email)" paula@example.net \
    "#customer not-an-address: the customer is unchanged"
amail badq1 '#queue nosuchqueue

Token-badq1-4444.'
is "$(count_to paula@example.net)" 0 "#queue nosuchqueue: nothing relayed"
is "$(count_to agent1@example.com)" 1 "#queue nosuchqueue: a mail back"
is "$(show 1 .queue)" support "#queue nosuchqueue: the queue is unchanged"

# An HTML-only note: still a note.
cat > "$T/h1.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <h1@example.com>
In-Reply-To: $NMID
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><p>#note</p>
<p>Internal: the HTML-only secret.  Token-h1-1414.</p></body></html>
EOM
adeliver h1 "$RN1"
is "$(count_to paula@example.net)" 0 "HTML-only #note: nothing to the customer"
is "$(msg 1 h1@example.com .kind)" note "HTML-only #note: stored as a note"
like "$(msg 1 h1@example.com .text)" 'Token-h1-1414' \
    "HTML-only #note: the note's text"

# A note with CR LF line ends.
cat > "$T/crlf1.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <crlf1@example.com>
In-Reply-To: $NMID

#note
Internal: written on Windows.  Token-crlf1-1515.
EOM
sed 's/$/\r/' "$T/crlf1.eml" > "$T/crlf1.tmp" && mv "$T/crlf1.tmp" "$T/crlf1.eml"
adeliver crlf1 "$RN1"
is "$(count_to paula@example.net)" 0 "CR LF #note: nothing to the customer"
is "$(msg 1 crlf1@example.com .kind)" note "CR LF #note: stored as a note"
like "$(msg 1 crlf1@example.com .text)" 'Token-crlf1-1515' \
    "CR LF #note: the note's text"

# multipart/alternative: the command and the quote in both parts.
cat > "$T/alt1.eml" <<EOM
From: Agent One <agent1@example.com>
To: $RN1
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <alt1@example.com>
In-Reply-To: $NMID
$AR
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

#assign agent2@example.com

Agent Two will call you today.  Token-alt1-1616.

On Mon, 2 Mar 2026 at 10:00, Support <support@example.com> wrote:
> My printer is on fire.  Token-c1-1111.
--alt
Content-Type: text/html; charset=utf-8

<html><body><div>#assign agent2@example.com</div><div><br></div>
<div>Agent Two will call you today.  Token-alt1-1616.</div>
<div class="gmail_quote">On Mon, 2 Mar 2026 at 10:00, Support
&lt;support@example.com&gt; wrote:<br><blockquote>My printer is on fire.
Token-c1-1111.</blockquote></div></body></html>
--alt--
EOM
adeliver alt1 "$RN1"
is "$(owner 1)" agent2@example.com "multipart/alternative #assign: obeyed"
is "$(count_to paula@example.net)" 1 "multipart/alternative: relayed"
R=$(one "$(sink_to paula@example.net)")
if have_python && [ "$R" != /dev/null ]; then
	all_text "$R" > "$T/alltext"
	grep -q 'Token-alt1-1616' "$T/alltext" &&
	    ok "multipart/alternative: the agent's text relayed" ||
	    not_ok "multipart/alternative: the agent's text relayed" \
	    "$(head -c 600 "$T/alltext")"
	is "$(grep -c '#assign' "$T/alltext")" 0 \
	    "multipart/alternative: no part relays the command line"
	is "$(grep -c 'Token-c1-1111' "$T/alltext")" 0 \
	    "multipart/alternative: no part relays the quote"
else
	skip "multipart/alternative: the relayed parts" "python3 or mail missing"
fi

# An owner is an agent: #assign of anyone else changes nothing.
amail as3 '#assign other@example.com

Someone else will take care.  Token-as3-1717.'
is "$(owner 1)" agent2@example.com "#assign other@example.com (no agent): refused"
is "$(count_to paula@example.net)" 0 "#assign of a non-agent: nothing relayed"
is "$(count_to agent1@example.com)" 1 "#assign of a non-agent: a word back"
is "$(msg 1 as3@example.com .kind)" note "#assign of a non-agent: kept as a note"

# Gmail wraps a long attribution line.
amail as4 '#assign me

Back to me.  Token-as4-1818.

On Mon, Mar 2, 2026 at 10:00 AM Printer Support Team of Example <
support@example.com> wrote:

> My printer is on fire.  Token-c1-1111.'
is "$(owner 1)" agent1@example.com "#assign me (after agent2): agent1"
R=$(one "$(sink_to paula@example.net)")
text_has "$R" "Token-as4-1818" "wrapped attribution: the text relayed"
text_lacks "$R" "Token-c1-1111" "wrapped attribution: the quote cut off"
text_lacks "$R" "wrote:" "wrapped attribution: the attribution cut off"

# A removed agent's reply address proves nothing any more.
md agent remove agent2@example.com > /dev/null 2>&1
is "$?" 0 "agent remove agent2"
cat > "$T/rm1.eml" <<EOM
From: Agent Two <agent2@example.com>
To: $RN2
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <rm1@example.com>

#status closed

I am no agent any more.  Token-rm1-1919.
EOM
adeliver rm1 "$RN2" agent2@example.com
is "$(count_to paula@example.net)" 0 "a removed agent: nothing to the customer"
is "$(show 1 .status)" pending "a removed agent's #status closed: not obeyed"
is "$(show 1 '.messages | map(select(.message_id == "rm1@example.com" and
    .kind == "agent")) | length')" 0 "a removed agent's mail is no answer"

# --- #customer ADDR ---------------------------------------------------------
amail cu1 '#customer carl@example.org

Carl, your colleague, will get our answers from now on.  Token-cu1-9090.'
is "$(show 1 .customer.email)" carl@example.org \
    "#customer carl@example.org: ticket 1 is carl's"
is "$(jqr '.tickets | index(1) != null' customer show carl@example.org \
    --json)" true "carl's profile lists ticket 1"
is "$(jqr '.email' customer show carl@example.org --json)" carl@example.org \
    "carl is a customer now"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    carl@example.org --json)" 1 "#customer: carl has ticket 1 only"

# --- #queue sales -----------------------------------------------------------
amail q1 '#queue sales

Our sales team will answer the question about a new printer.  Token-q1-1212.'
is "$(show 1 .queue)" sales "#queue sales: ticket 1 is in queue sales"
is "$(jqr 'map(.number) | join(",")' ticket list --queue sales --json)" 1 \
    "ticket list --queue sales: ticket 1"
is "$(jqr 'map(select(.number == 1)) | length' ticket list --queue support \
    --json)" 0 "ticket list --queue support: not ticket 1"
if R=$(one "$(sink_to carl@example.org)") && [ "$R" != /dev/null ]; then
	text_lacks "$R" "#queue" "#queue: the command line is not relayed"
else
	skip "#queue: the command line is not relayed" \
	    "no single mail to the new customer"
fi

# An agent of the config only ([queue sales] agents = sam@example.com).
cmail 'Carl Customer <carl@example.org>' carl1@example.org \
    'Re: [Ticket#1] Printer on fire' 'And the scanner?  Token-carl1-2020.' \
    'In-Reply-To: <c1@example.net>' > "$T/carl1.eml"
sink_reset
dlv "$T/carl1.eml" --sender carl@example.org --recipient support@example.com
settle
is "$(msg 1 carl1@example.org .kind)" customer "carl's mail is in ticket 1"
is "$(count_to sam@example.com)" 1 "sam (config agent of sales) is notified"
is "$(count_to agent3@example.com)" 1 "agent3 (sales) is notified"
NS=$(one "$(sink_to sam@example.com)")
RS=$(addr_of "$(mail_header "$NS" Reply-To)")
cat > "$T/sam1.eml" <<EOM
From: Sam Sales <sam@example.com>
To: ${RS:-support+1.1.000000000000@example.com}
Subject: Re: [Ticket#1] Printer on fire
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <sam1@example.com>
In-Reply-To: $(mail_header "$NS" Message-ID)

The scanner is included.  Token-sam1-2121.
EOM
adeliver sam1 "${RS:-support+1.1.000000000000@example.com}" sam@example.com
is "$(count_to carl@example.org)" 1 "sam's answer reaches carl"
text_has "$(one "$(sink_to carl@example.org)")" "Token-sam1-2121" \
    "sam's answer: the text"
is "$(msg 1 sam1@example.com '[.direction, .kind] | join(" ")')" "out agent" \
    "sam's answer: stored out/agent"

# --- Status life --------------------------------------------------------------
cmail 'Quentin Query <quentin@example.net>' q1@example.net 'Invoice wrong' \
    'The invoice is wrong.  Token-q1-2323.' > "$T/q1.eml"
sink_reset
dlv "$T/q1.eml" --sender quentin@example.net --recipient support@example.com
settle
TQ=$(jqr '.[0].number' ticket list --all --customer quentin@example.net --json)
is "$(jqr 'length' ticket list --all --customer quentin@example.net --json)" 1 \
    "quentin's mail opens a ticket"
[ -n "$TQ" ] && [ "$TQ" != null ] || TQ=999
is "$(show "$TQ" .status)" new "quentin's ticket: new"
N=$(one "$(sink_to agent1@example.com)")
RN=$(addr_of "$(mail_header "$N" Reply-To)")
like "$RN" "^support\\+$TQ\\.[0-9]+\\.[0-9a-f]{12}@example\\.com\$" \
    "agent1's reply address for quentin's ticket"
ASUBJ="Re: [Ticket#$TQ] Invoice wrong"
amail life1 'We will correct the invoice.  Token-life1-3434.' \
    "${RN:-support+$TQ.1.000000000000@example.com}" \
    "$(mail_header "$N" Message-ID)"
is "$(count_to quentin@example.net)" 1 "the answer reaches quentin"
is "$(show "$TQ" .status)" pending "agent answer: pending"

# qreply ID: quentin answers (In-Reply-To his first mail).
qreply() {
	cmail 'Quentin Query <quentin@example.net>' "$1@example.net" \
	    'Re: Invoice wrong' "Reply $1." 'In-Reply-To: <q1@example.net>' \
	    > "$T/$1.eml"
	dlv "$T/$1.eml" --sender quentin@example.net \
	    --recipient support@example.com
	settle
}
qreply q2
is "$(show "$TQ" .status)" open "customer reply: open"
md ticket set "$TQ" status closed > /dev/null 2>&1
is "$?" 0 "ticket set N status closed exits 0"
is "$(show "$TQ" .status)" closed "quentin's ticket closed"
qreply q3
is "$(jqr 'length' ticket list --all --customer quentin@example.net --json)" 1 \
    "a reply within the reopen window opens no ticket"
is "$(show "$TQ" .status)" open "it reopens quentin's ticket"
is "$(msg "$TQ" q3@example.net .kind)" customer "the reply is in that ticket"

conf "[tickets]" "reopen-days = 0"
md ticket set "$TQ" status closed > /dev/null 2>&1
is "$(show "$TQ" .status)" closed "closed again (reopen-days = 0)"
sleep 2
qreply q4
is "$(jqr 'length' ticket list --all --customer quentin@example.net --json)" 2 \
    "a reply after the window opens a new ticket"
TN=$(jqr "map(select(.number != $TQ)) | .[0].number" ticket list \
    --customer quentin@example.net --json)
[ -n "$TN" ] && [ "$TN" != null ] || TN=998
is "$(show "$TN" .linked_to)" "$TQ" "the new ticket is linked to the old one"
is "$(show "$TN" '[.status, .customer.email] | join(" ")')" \
    "new quentin@example.net" "the new ticket: new, quentin's"
is "$(msg "$TN" q4@example.net .kind)" customer "the late reply is in it"
is "$(show "$TQ" .status)" closed "the old ticket stays closed"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
