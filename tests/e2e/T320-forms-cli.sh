#!/bin/sh
# SPDX-License-Identifier: MIT
# Contact forms and the command line (issue 4).  A mail from a configured
# form sender ([forms] senders) belongs to the customer named in its
# X-Maildesk-Form-Email / X-Maildesk-Form-Name headers (else its
# Reply-To): the ticket is theirs and the ack goes to them, not to the web
# server; the same headers from anybody else are ignored.  `maildesk
# submit` files a ticket as a form would, with the ack.  `ticket reply`
# relays an agent's text to the customer and makes the ticket pending,
# `ticket note` stores an internal note and sends the customer nothing,
# `ticket set` changes owner and queue, `ticket list --owner` filters,
# `ticket list` puts what waits longest first, `--older-than` filters by
# the time of the last change.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"

# note_count N TOKEN: how many notes of ticket N hold TOKEN in their text.
note_count() {
	show "$1" "[.messages[] | select(.kind == \"note\" and
	    ((.text // \"\") | contains(\"$2\")))] | length"
}

conf "[forms]" "senders = www-data@example.com;forms@example.com"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null 2>&1 || not_ok "agent add agent1" "exit $?"
md agent add agent2@example.com --name "Agent Two" --queue support \
    > /dev/null 2>&1 || not_ok "agent add agent2" "exit $?"
md agent add agent3@example.com --name "Agent Three" --queue sales \
    > /dev/null 2>&1 || not_ok "agent add agent3" "exit $?"
is "$(jqr 'length' agent list --json)" 3 "three agents"

# --- A contact form's mail --------------------------------------------------
# formmail ID FROM SUBJECT [HEADER...]: a form mail, Message-ID
# <ID@example.com>, delivered (sink reset before, flushed after).
formmail() {
	_id=$1
	_from=$2
	_subj=$3
	shift 3
	{
		printf 'From: %s\nTo: support@example.com\n' "$_from"
		printf 'Subject: %s\n' "$_subj"
		printf 'Date: Mon, 02 Mar 2026 10:00:00 +0100\n'
		printf 'Message-ID: <%s@example.com>\n' "$_id"
		for _h in "$@"; do printf '%s\n' "$_h"; done
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		printf 'Name: Erika Mustermann\nE-Mail: erika@example.org\n\n'
		printf 'Where is my order?  Token-%s.\n' "$_id"
	} > "$T/$_id.eml"
	sink_reset
	dlv "$T/$_id.eml" --sender www-data@example.com \
	    --recipient support@example.com
	settle
}

formmail form1 'Web Server <www-data@example.com>' 'Contact form: my order' \
    'X-Maildesk-Form-Name: Erika Mustermann' \
    'X-Maildesk-Form-Email: erika@example.org'
is "$(tickets)" 1 "the form mail opens ticket 1"
is "$(show 1 .customer.email)" erika@example.org \
    "form: the customer is erika@example.org"
is "$(show 1 '[.customer.first_name, .customer.last_name] | join("|")')" \
    "Erika|Mustermann" "form: her names Erika / Mustermann"
is "$(jqr '.tickets | index(1) != null' customer show erika@example.org \
    --json)" true "form: erika's profile lists ticket 1"
is "$(count_to erika@example.org)" 1 "form: the ack goes to erika"
ACK=$(one "$(sink_to erika@example.org)")
is "$(mail_header "$ACK" Auto-Submitted)" auto-replied "form: it is the ack"
is "$(addr_of "$(mail_header "$ACK" To)")" erika@example.org "form: To erika"
is "$(count_to www-data@example.com)" 0 "form: nothing to www-data"
md customer show www-data@example.com > /dev/null 2>&1
is "$?" 1 "form: www-data is no customer"
is "$(count_to agent1@example.com)" 1 "form: agent1 is notified"
text_has "$(one "$(sink_to agent1@example.com)")" erika@example.org \
    "form: the notification names erika's address"
text_has "$(one "$(sink_to agent1@example.com)")" Token-form1 \
    "form: the notification holds the form's text"

# The same headers from somebody who is no form sender: ignored.
formmail fake1 'Mallory <mallory@example.net>' 'Contact form: fake' \
    'X-Maildesk-Form-Name: Erika Mustermann' \
    'X-Maildesk-Form-Email: erika@example.org'
is "$(tickets)" 2 "the fake form mail opens ticket 2"
is "$(show 2 .customer.email)" mallory@example.net \
    "not a form sender: the customer is the real From"
is "$(count_to erika@example.org)" 0 "not a form sender: nothing to erika"
is "$(count_to mallory@example.net)" 1 "not a form sender: the ack to mallory"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    erika@example.org --json)" 1 "erika still has ticket 1 only"

# A form mail with only a Reply-To.
formmail form2 'www-data@example.com' 'Contact form: invoice' \
    'Reply-To: Erika Mustermann <erika@example.org>'
is "$(tickets)" 3 "the Reply-To form mail opens ticket 3"
is "$(show 3 .customer.email)" erika@example.org \
    "form with Reply-To only: the customer is erika"
is "$(count_to erika@example.org)" 1 "form with Reply-To only: ack to erika"
is "$(count_to www-data@example.com)" 0 \
    "form with Reply-To only: nothing to www-data"

# --- maildesk submit -----------------------------------------------------------
printf 'Ich habe eine Frage zu meinem Vertrag.  Token-sub1-4711.\n' \
    > "$T/sub1.txt"
sink_reset
md submit --name "Erika Mustermann" --email erika@example.org \
    --subject "Anfrage" < "$T/sub1.txt" > "$T/out" 2> "$T/err"
is "$?" 0 "submit exits 0"
settle
is "$(tickets)" 4 "submit opens ticket 4"
is "$(show 4 '[.subject, .queue, .status, .customer.email,
    .customer.first_name, .customer.last_name] | join("|")')" \
    "Anfrage|support|new|erika@example.org|Erika|Mustermann" \
    "ticket 4: Anfrage, support, new, Erika Mustermann"
like "$(show 4 '.messages[0].text')" 'Token-sub1-4711' \
    "ticket 4 holds the submitted text"
is "$(show 4 '.messages[0].direction + " " + .messages[0].kind')" \
    "in customer" "it is a customer message"
is "$(count_to erika@example.org)" 1 "submit: an ack to erika"
S=$(one "$(sink_to erika@example.org)")
is "$(mail_header "$S" Subject)" "[Ticket#4] Anfrage" \
    "submit: the ack's Subject is [Ticket#4] Anfrage"
is "$(mail_header "$S" Auto-Submitted)" auto-replied "submit: it is the ack"
is "$(count_to agent1@example.com)" 1 "submit: agent1 is notified"

printf 'Was kostet das grosse Paket?  Token-sub2-0815.\n' > "$T/sub2.txt"
sink_reset
md submit --name "Erika Mustermann" --email erika@example.org \
    --subject "Preisfrage" --queue sales < "$T/sub2.txt" > "$T/out" 2> "$T/err"
is "$?" 0 "submit --queue sales exits 0"
settle
is "$(tickets)" 5 "submit --queue sales opens ticket 5"
is "$(show 5 '.queue')" sales "ticket 5 is in queue sales"
is "$(count_to agent3@example.com)" 1 "agent3 (sales) is notified"
is "$(count_to agent1@example.com)" 0 "agent1 (support) is not"

# --- ticket reply -----------------------------------------------------------
printf 'Your order left our warehouse today.  Token-cr1-1234.\n' > "$T/cr1.txt"
sink_reset
md ticket reply 1 --from agent1@example.com < "$T/cr1.txt" \
    > "$T/out" 2> "$T/err"
is "$?" 0 "ticket reply 1 --from agent1 exits 0"
settle
is "$(count_to erika@example.org)" 1 "ticket reply: one mail to the customer"
R=$(one "$(sink_to erika@example.org)")
is "$(sink_mail_from "$R")" support@example.com \
    "ticket reply: envelope sender support@example.com"
is "$(addr_of "$(mail_header "$R" From)")" support@example.com \
    "ticket reply: From support@example.com"
like "$(mail_header "$R" Subject)" '\[Ticket#1\]' \
    "ticket reply: Subject has [Ticket#1]"
is "$(mail_header "$R" In-Reply-To)" "<form1@example.com>" \
    "ticket reply: In-Reply-To the customer's message"
like "$(addr_of "$(mail_header "$R" Reply-To)")" \
    '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "ticket reply: Reply-To support+1.<day>.<mac>@example.com"
is "$(mail_header "$R" Auto-Submitted)" "" "ticket reply: no Auto-Submitted"
text_has "$R" "Token-cr1-1234" "ticket reply: the agent's text"
is "$(show 1 .status)" pending "ticket reply: ticket 1 pending"
is "$(owner 1)" agent1@example.com "ticket reply: agent1 owns ticket 1"
is "$(show 1 '[.messages[] | select(.direction == "out" and .kind == "agent"
    and ((.text // "") | contains("Token-cr1-1234")))] | length')" 1 \
    "ticket reply: stored out/agent"
is "$(count_to agent2@example.com)" 1 "ticket reply: agent2 gets a copy"
is "$(count_to www-data@example.com)" 0 "ticket reply: nothing to www-data"

# --- ticket note ----------------------------------------------------------------
printf 'Erika called, she is in a hurry.  Token-cn1-5678.\n' > "$T/cn1.txt"
sink_reset
md ticket note 1 --from agent1@example.com < "$T/cn1.txt" \
    > "$T/out" 2> "$T/err"
is "$?" 0 "ticket note 1 --from agent1 exits 0"
settle
is "$(count_to erika@example.org)" 0 "ticket note: nothing to the customer"
is "$(note_count 1 Token-cn1-5678)" 1 "ticket note: stored as a note"
is "$(count_to agent2@example.com)" 1 "ticket note: agent2 gets a copy"
text_has "$(one "$(sink_to agent2@example.com)")" "Token-cn1-5678" \
    "ticket note: the copy holds the note"
is "$(show 1 .status)" pending "ticket note: the status stays pending"

# --- ticket set owner / queue ------------------------------------------------
md ticket set 1 owner agent2@example.com > /dev/null 2>&1
is "$?" 0 "ticket set 1 owner agent2 exits 0"
is "$(owner 1)" agent2@example.com "ticket 1 is agent2's"
md ticket set 3 owner agent1@example.com > /dev/null 2>&1
is "$(owner 3)" agent1@example.com "ticket 3 is agent1's"
is "$(jqr 'map(.number) | join(",")' ticket list --owner agent2@example.com \
    --json)" 1 "ticket list --owner agent2: exactly ticket 1"
is "$(jqr 'map(.number) | join(",")' ticket list --owner agent1@example.com \
    --json)" 3 "ticket list --owner agent1: exactly ticket 3"
is "$(jqr 'map(.number) | sort | join(",")' ticket list --owner none \
    --json)" "2,4,5" "ticket list --owner none: the others"
md ticket set 3 owner none > /dev/null 2>&1
is "$?" 0 "ticket set 3 owner none exits 0"
is "$(owner 3)" none "ticket 3 has no owner"
md ticket set 1 queue sales > /dev/null 2>&1
is "$?" 0 "ticket set 1 queue sales exits 0"
is "$(show 1 .queue)" sales "ticket 1 is in queue sales"
is "$(jqr 'map(.number) | sort | join(",")' ticket list --queue sales \
    --json)" "1,5" "ticket list --queue sales: 1 and 5"
is "$(jqr 'map(.number) | join(",")' ticket list --owner agent2@example.com \
    --queue sales --json)" 1 "--owner agent2 --queue sales: ticket 1"
is "$(jqr 'length' ticket list --owner agent2@example.com --queue support \
    --json)" 0 "--owner agent2 --queue support: none"
# erika writes again: ticket 1 is in sales now, so sales is notified.
cat > "$T/erika2.eml" <<'EOM'
From: Erika Mustermann <erika@example.org>
To: support@example.com
Subject: Re: [Ticket#1] Contact form: my order
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <erika2@example.org>

Any news?  Token-erika2.
EOM
sink_reset
dlv "$T/erika2.eml" --sender erika@example.org --recipient support@example.com
settle
is "$(msg 1 erika2@example.org .kind)" customer "erika's reply is in ticket 1"
is "$(count_to agent3@example.com)" 1 "moved to sales: agent3 (sales) notified"
is "$(count_to agent1@example.com)" 0 "moved to sales: agent1 (support) not"
md ticket set 99 owner agent2@example.com > /dev/null 2>&1
is "$?" 1 "ticket set 99 (no such ticket) exits 1"

printf 'Text.\n' | md ticket reply 99 --from agent1@example.com \
    > /dev/null 2>&1
is "$?" 1 "ticket reply 99 (no such ticket) exits 1"
printf 'Text.\n' | md ticket note 99 --from agent1@example.com \
    > /dev/null 2>&1
is "$?" 1 "ticket note 99 (no such ticket) exits 1"
st=$(show 1 .status)
md ticket set 1 status bogus > /dev/null 2>&1
is "$?" 64 "ticket set 1 status bogus exits 64"
is "$(show 1 .status)" "$st" "and leaves the status alone"

# --- Bad input ---------------------------------------------------------------
n0=$(tickets)
printf 'Text.\n' | md submit --name "No Mail" --subject "No address" \
    > /dev/null 2>&1
is "$?" 64 "submit without --email exits 64"
printf 'Text.\n' | md submit --name "Bad Mail" --email not-an-address \
    --subject "Bad address" > /dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "submit --email not-an-address fails (exit $rc)" ||
    not_ok "submit --email not-an-address fails" "exit 0"
is "$(tickets)" "$n0" "neither opens a ticket"

# Header injection through submit: CR LF in subject and name.
SUBJ=$(printf 'Hello\r\nBcc: victim@example.org')
NAME=$(printf 'Ivan\r\nBcc: victim@example.org')
sink_reset
printf 'Please answer.  Token-inj1.\n' | md submit --name "$NAME" \
    --email ivan@example.net --subject "$SUBJ" > /dev/null 2>&1
settle
is "$(count_to victim@example.org)" 0 "submit injection: nothing to the victim"
bcc=0
for f in $(sink_mails); do
	if sink_message "$f" | awk '/^$/ { exit } { print }' |
	    grep -Eiq '^(bcc|cc|to)[[:space:]]*:.*victim'; then
		bcc=$((bcc + 1))
	fi
done
is "$bcc" 0 "submit injection: no mail names the victim in a header"

# Form headers that name two addresses or our own.
formmail form3 'www-data@example.com' 'Contact form: two addresses' \
    'X-Maildesk-Form-Name: Erika Mustermann' \
    'X-Maildesk-Form-Email: erika@example.org, victim@example.org'
is "$(count_to victim@example.org)" 0 \
    "a form mail naming two addresses: nothing to the second"
formmail form4 'www-data@example.com' 'Contact form: our own address' \
    'X-Maildesk-Form-Name: Loop Loop' \
    'X-Maildesk-Form-Email: support@example.com'
is "$(count_to support@example.com)" 0 \
    "a form mail naming our own address: no mail to ourselves"

# The second form sender of the list counts too.
formmail form5 'Forms <forms@example.com>' 'Contact form: second sender' \
    'X-Maildesk-Form-Name: Fritz Form' \
    'X-Maildesk-Form-Email: fritz@example.org'
is "$(jqr 'length' ticket list --customer fritz@example.org --json)" 1 \
    "forms@example.com (second form sender): the ticket is fritz's"
is "$(count_to fritz@example.org)" 1 "forms@example.com: the ack to fritz"
is "$(count_to forms@example.com)" 0 "forms@example.com: nothing to it"

# --- ticket list: what waits longest first; --older-than ------------------
# A store of its own: ticket A, then B a second later; then A changes.
mo() {
	md --store "$T/order" "$@"
}
mo init > /dev/null 2>&1 || bail "init $T/order failed"
printf 'First.\n' | mo submit --name "Anna Alt" --email anna@example.org \
    --subject "Ticket A" > /dev/null 2>&1
is "$?" 0 "order: submit A exits 0"
sleep 1
printf 'Second.\n' | mo submit --name "Bert Bald" --email bert@example.org \
    --subject "Ticket B" > /dev/null 2>&1
is "$?" 0 "order: submit B exits 0"
sleep 1
is "$(mo ticket list --json | jq -r 'map(.subject) | join(",")')" \
    "Ticket A,Ticket B" "order: A (older) before B"
# anna answers her ack (her own tag): A is the most recently updated now.
cat > "$T/anna2.eml" <<'EOM'
From: Anna Alt <anna@example.org>
To: support@example.com
Subject: Re: [Ticket#1] Ticket A
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <anna2@example.org>

One more thing.
EOM
mo deliver --sender anna@example.org --recipient support@example.com \
    < "$T/anna2.eml" > /dev/null 2>&1
is "$?" 0 "order: anna's reply is delivered"
is "$(mo ticket show 1 --json | jq '.messages | length > 1')" true \
    "order: anna's reply is in ticket A"
is "$(mo ticket list --json | jq -r 'map(.subject) | join(",")')" \
    "Ticket B,Ticket A" "order: after A changed, B (waiting longer) first"
is "$(mo ticket list --json | jq -r '(map(.updated) | sort) == map(.updated)')" \
    true "order: the list is sorted by updated"
sleep 1
is "$(mo ticket list --older-than 0 --json | jq -r 'map(.subject) | join(",")')" \
    "Ticket B,Ticket A" "--older-than 0: both"
is "$(mo ticket list --older-than 1 --json | jq -r 'length')" 0 \
    "--older-than 1: none (both changed just now)"
is "$(jqr 'length' ticket list --older-than 1 --json)" 0 \
    "--older-than 1 in the main store: none"
is "$(jqr 'length' ticket list --older-than 0 --json)" "$(tickets)" \
    "--older-than 0 in the main store: all"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
mo check > /dev/null 2>&1
is "$?" 0 "the order store checks clean"
finish
