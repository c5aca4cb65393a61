#!/bin/sh
# SPDX-License-Identifier: MIT
# Threading (tests/corpus/threading, delivered in order into one store):
# In-Reply-To and References find the ticket; a subject tag counts only
# from the ticket's own customer; a stranger citing a tag gets a ticket of
# their own; reply prefixes are no thread and leave the ticket subject.
# Then the reopen window: a reply to a closed ticket reopens it, unless it
# was closed longer than reopen-days ago: then a new ticket links the old.
. "$(dirname "$0")/lib.sh"

setup_store
D="$TEST_CORPUS/threading"
T1_ID="CAF7k2Jq9xTz1cW3uQ0vYk5b2nR8mL4eP6sD1gH3jA9oB2xQ@mail.example.org"

file() {
	deliver "$D/$1"
	is "$rc" 0 "deliver threading/$1 exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver threading/$1 is silent" "$(cat "$T/out" "$T/err")"
	fi
}

show() {
	jqr "$2" ticket show "$1" --json
}

tickets() {
	jqr 'length' ticket list --all --json
}

# messages N COUNT NAME: ticket N has COUNT messages.
messages() {
	is "$(show "$1" '.messages | length')" "$2" "$3"
}

file t1-new.eml
is "$(tickets)" 1 "t1 opens ticket 1"
is "$(show 1 '[.status, .customer.email, .customer.first_name,
    .customer.last_name] | join(" ")')" "new carol@example.org Carol Jensen" \
    "ticket 1: new, Carol Jensen"

file t2-reply.eml
is "$(tickets)" 1 "t2 (In-Reply-To) opens no ticket"
messages 1 2 "t2 is message 2 of ticket 1"

file t3-references-only.eml
is "$(tickets)" 1 "t3 (References only) opens no ticket"
messages 1 3 "t3 is message 3 of ticket 1"

file tag-from-customer.eml
is "$(tickets)" 1 "the customer's own tag opens no ticket"
messages 1 4 "tag-from-customer is message 4 of ticket 1"
is "$(show 1 .messages[3].subject)" "Re: [Ticket#1] whatever" \
    "message subject verbatim"

file tag-from-stranger.eml
is "$(tickets)" 2 "a stranger's tag opens ticket 2"
messages 1 4 "ticket 1 still has 4 messages"
is "$(show 2 .customer.email)" mallory@example.net "ticket 2 is mallory's"
is "$(show 2 .cited)" 1 "ticket 2 cites ticket 1"
is "$(show 2 '.messages[0].flags | index("cited-tag") != null')" true \
    "the stranger's message is flagged cited-tag"
is "$(show 1 '[.messages[] | .from.email, (.to[].email), (.cc[].email)] |
    map(select(. == "mallory@example.net")) | length')" 0 \
    "mallory appears nowhere in ticket 1"
is "$(show 1 .customer.email)" carol@example.org "ticket 1 is still carol's"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    mallory@example.net --json)" 2 "mallory has ticket 2 only"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    carol@example.org --json)" 1 "carol has ticket 1 only"
is "$(jqr 'map(.number) | join(",")' ticket list --customer \
    mallory@example.net --json)" 2 "ticket list --customer mallory: 2"

file prefix-variants.eml
is "$(tickets)" 2 "tag behind AW: WG: Antw: Fwd: opens no ticket"
messages 1 5 "prefix-variants is message 5 of ticket 1"

file prefix-new.eml
is "$(tickets)" 3 "prefixes alone open ticket 3"
is "$(show 3 .customer.email)" dieter.krug@beispiel.de "ticket 3 is dieter's"
is "$(show 3 .subject)" "Rechnung 2024-0118 nicht zustellbar" \
    "ticket subject without AW: WG: Antw: Fwd:"
is "$(show 3 .messages[0].subject)" \
    "AW: WG: Antw: Fwd: Rechnung 2024-0118 nicht zustellbar" \
    "message subject verbatim"
is "$(show 3 .messages[0].kind)" customer \
    "\"nicht zustellbar\" from a person is no bounce"
is "$(show 1 .subject)" "Export to CSV fails with error 500" \
    "ticket 1 keeps its first subject"
is "$(show 1 '[.messages[].kind] | unique | join(",")')" customer \
    "all of ticket 1 is customer mail"

# reply ID [HEADER]: a reply from carol to t1, Message-ID <ID>.
reply() {
	{
		printf 'From: Carol Jensen <carol@example.org>\n'
		printf 'To: support@example.com\n'
		printf 'Subject: Re: [Ticket#1] Export to CSV fails with error 500\n'
		printf 'Date: Tue, 12 Mar 2024 10:00:00 +0100\n'
		printf 'Message-ID: <%s@mail.example.org>\n' "$1"
		printf 'In-Reply-To: <%s>\n' "$T1_ID"
		if [ $# -gt 1 ]; then printf '%s\n' "$2"; fi
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=UTF-8\n\n'
		printf 'Still broken after the update.\n'
	} > "$T/reply.eml"
	deliver "$T/reply.eml"
	is "$rc" 0 "reply $1 exits 0"
}

# A pending ticket opens again on the customer's reply.
md ticket set 3 status pending > /dev/null
is "$(show 3 .status)" pending "ticket 3 set pending"
{
	printf 'From: Dieter Krug <dieter.krug@beispiel.de>\n'
	printf 'To: support@example.com\nSubject: Re: Rechnung\n'
	printf 'Message-ID: <pending-reply@beispiel.de>\n'
	printf 'References: <20240311144500.pfx@beispiel.de>\n\nNoch da?\n'
} > "$T/pending.eml"
deliver "$T/pending.eml"
is "$(show 3 .status)" open "a reply opens the pending ticket"
messages 3 2 "the reply is message 2 of ticket 3"

# Within the reopen window (default 14 days): closed -> open, same ticket.
md ticket set 1 status closed > /dev/null
is "$?" 0 "ticket set 1 status closed"
is "$(show 1 .status)" closed "ticket 1 closed"
reply reopen-1
is "$(tickets)" 3 "a reply within the window opens no ticket"
is "$(show 1 .status)" open "the reply reopened ticket 1"
messages 1 6 "the reply is message 6 of ticket 1"

# Machine mail files into a closed ticket but does not reopen it.
md ticket set 1 status closed > /dev/null
reply ooo-1 "Auto-Submitted: auto-replied"
is "$(show 1 .status)" closed "an auto-reply leaves ticket 1 closed"
messages 1 7 "the auto-reply is message 7 of ticket 1"
is "$(show 1 .messages[6].kind)" auto-reply "and is kind auto-reply"

# reopen-days = 0: a reply to a ticket closed before now opens a new one.
setup_store "[tickets]" "reopen-days = 0"
like "$(md config check)" "reopen-days *= *0" "config now has reopen-days 0"
md ticket set 1 status closed > /dev/null
is "$?" 0 "ticket 1 closed again"
sleep 2
reply late-1
is "$(tickets)" 4 "a reply after the window opens ticket 4"
is "$(show 4 .linked_to)" 1 "ticket 4 is linked to ticket 1"
is "$(show 4 '[.status, .queue, .customer.email] | join(" ")')" \
    "new support carol@example.org" "ticket 4: new, support, carol"
is "$(show 4 .messages[0].message_id)" late-1@mail.example.org \
    "the late reply is in ticket 4"
is "$(show 1 .status)" closed "ticket 1 stays closed"
messages 1 7 "ticket 1 got nothing"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    carol@example.org --json)" "1,4" "carol has tickets 1 and 4"

finish
