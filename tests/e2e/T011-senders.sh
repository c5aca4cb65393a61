#!/bin/sh
# SPDX-License-Identifier: MIT
# A sender from every mail that has one (tests/corpus/senders): From
# headers GMime gives up on, the fallback to Return-Path, and lines
# before the header block that must not make a mail "unparsed".  A name
# without an address never becomes one.
. "$(dirname "$0")/lib.sh"

setup_store
C="$TEST_CORPUS/senders"

# sender FILE EMAIL NAME: the customer and the parsed From.
sender() {
	alone "$C/$1"
	is "$(get .customer.email)" "$2" "$1: customer $2"
	is "$(get '.messages[0].from.email // ""')" "$2" "$1: from.email"
	is "$(get '.messages[0].from.name // ""')" "$3" "$1: from.name"
	is "$(get .messages[0].kind)" customer "$1: parsed, kind customer"
}

sender bare-address-after-name.eml bb@bug.example.com "Big Bug"
sender space-in-local-part.eml '"jan de vries"@example.nl' "Jan de Vries"
sender missing-angle-bracket.eml petra.kurz@example.de "Petra Kurz"
sender double-angle-brackets.eml ole.hansen@example.dk "Ole Hansen"
sender address-in-comment.eml service@moebel.example.at "Kundenservice"
sender address-in-display-name.eml anna.berg@example.se ""
sender encoded-whole-address.eml mario.souza@example.com.br "Mário Souza"

# Lines before the header block: skipped for parsing, kept in the raw.
for lead in forwarding-banner leading-blank-line mbox-from-quoted \
    byte-order-mark bare-cr; do
	alone "$C/$lead.eml"
	is "$(get .subject)" "Callback request" "$lead: subject"
	is "$(get '.messages[0].flags | index("unparsed")')" null \
	    "$lead: not unparsed"
	like "$(get .customer.email)" '@example\.' "$lead: customer"
	md ticket raw 1 1 | cmp -s - "$C/$lead.eml" &&
	    ok "$lead: raw kept whole" || not_ok "$lead: raw kept whole"
done
is "$(get .messages[0].text)" "Hello,
please call me back." "bare CR: text with line ends"

# From without a domain: the Return-Path written by an earlier hop.
alone "$C/return-path-only.eml"
is "$(get .customer.email)" hmeier@mail.example.de \
    "domainless From: customer from Return-Path"
is "$(get .messages[0].from)" null "the local part alone is no address"

# A name without an address stays a name.
alone "$C/name-without-address.eml"
is "$(get .customer)" null "no customer from a bare name"
like "$(get '.messages[0].flags | join(" ")')" 'no-sender' \
    "flagged no-sender"

finish
