#!/bin/sh
# SPDX-License-Identifier: MIT
# Name splitting and customer profiles from tests/corpus/plain: who the
# customer is (From, else Sender; never Reply-To), how the display name
# becomes first and last name, one profile per address whatever its case,
# and a later display name filling a profile that had no name.
. "$(dirname "$0")/lib.sh"

setup_store
P="$TEST_CORPUS/plain"

# file FILE: delivers it and checks exit 0 and silence.
file() {
	deliver "$P/$1"
	is "$rc" 0 "deliver plain/$1 exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver plain/$1 is silent" "$(cat "$T/out" "$T/err")"
	fi
}

# profile ADDR FIRST LAST: the customer record, as `customer show` has it.
profile() {
	got=$(jqr '[.email, .first_name, .last_name] | map(. // "-") |
	    join(" / ")' customer show "$1" --json)
	is "$got" "$1 / $2 / $3" "customer $1 is $2 / $3"
}

# ticket_customer N ADDR: ticket N belongs to that customer.
ticket_customer() {
	is "$(jqr '.customer.email // "null"' ticket show "$1" --json)" "$2" \
	    "ticket $1 belongs to $2"
}

# 1: the baseline.
file simple.eml
ticket_customer 1 carl.berger@example.net
profile carl.berger@example.net Carl Berger

# 2: "Müller, Hans" (the comma is encoded) is Last, First.
file name-last-comma-first.eml
ticket_customer 2 hmueller@example.net
profile hmueller@example.net Hans Müller
is "$(jqr '.messages[0].from.name' ticket show 2 --json)" "Müller, Hans" \
    "from.name keeps the display name as written"

# 3: the title goes, the hyphenated first name stays whole.
file name-with-title.eml
ticket_customer 3 hp.mueller@beispiel.de
profile hp.mueller@beispiel.de Hans-Peter Müller
is "$(jqr '.messages[0].from.name' ticket show 3 --json)" \
    "Dr. Hans-Peter Müller" "from.name keeps the title"

# 4: all capitals are title-cased.
file name-all-caps.eml
ticket_customer 4 yann.degran@example.org
profile yann.degran@example.org Yann Degran
is "$(jqr '.queue' ticket show 4 --json)" support "all-caps mail in support"

# 5: no display name: the name comes from the local part hans.mueller.
file no-display-name.eml
ticket_customer 5 hans.mueller@example.org
profile hans.mueller@example.org Hans Mueller
is "$(jqr '.messages[0].from.name // "null"' ticket show 5 --json)" null \
    "from.name stays empty when the mail has none"

# 6: Hans.Mueller@EXAMPLE.org is the same customer; "Re:" alone does not
# thread, so it is a second ticket of the one profile.
file mixed-case-address.eml
is "$(jqr 'length' ticket list --json)" 6 "mixed-case mail opened ticket 6"
ticket_customer 6 hans.mueller@example.org
is "$(jqr '.messages[0].from.email' ticket show 6 --json)" \
    Hans.Mueller@EXAMPLE.org "from.email kept as written"
is "$(jqr '.tickets | map(tostring) | join(",")' customer show \
    hans.mueller@example.org --json)" "5,6" "one profile holds tickets 5 and 6"
is "$(jqr '.email' customer show HANS.MUELLER@example.ORG --json)" \
    hans.mueller@example.org "lookup by address ignores case"
is "$(jqr '[.[] | select(.customer.email != null) |
    select(.customer.email | ascii_downcase == "hans.mueller@example.org")] |
    map(.customer.email) | unique | join(",")' ticket list --json)" \
    hans.mueller@example.org "no second profile for the mixed-case address"
is "$(jqr 'length' ticket list --customer Hans.Mueller@EXAMPLE.org --json)" \
    2 "ticket list --customer finds both tickets by the mixed-case address"
profile hans.mueller@example.org Hans Mueller

# 7, 8: RFC 2047 names, ISO-8859-1 Q and UTF-8 B, come out as UTF-8.
file encoded-name-latin1-q.eml
ticket_customer 7 joerg.schaefer@example.org
profile joerg.schaefer@example.org Jörg Schäfer
is "$(jqr '.messages[0].from.name' ticket show 7 --json)" "Jörg Schäfer" \
    "latin1 Q-encoded from.name decoded"
file encoded-name-utf8-b.eml
ticket_customer 8 lukasz.z@example.org
profile lukasz.z@example.org Łukasz Żółkiewski
is "$(jqr '.subject' ticket show 8 --json)" "Zamówienie 7731 – brak faktury" \
    "UTF-8 B-encoded subject decoded"

# 9: Reply-To differs: From is the customer; Reply-To kept, not a profile.
file reply-to-differs.eml
ticket_customer 9 petra.lang@example.org
profile petra.lang@example.org Petra Lang
is "$(jqr '.messages[0].reply_to.email' ticket show 9 --json)" \
    p.lang@example.net "Reply-To kept in the message"
md customer show p.lang@example.net > /dev/null 2>&1
is "$?" 1 "no profile for the Reply-To address"

# 10: no From, only Sender: the Sender is the customer.
file sender-no-from.eml
ticket_customer 10 k.weber@example.org
profile k.weber@example.org Klaus Weber
is "$(jqr '.messages[0].flags | index("no-sender") == null' ticket show 10 \
    --json)" true "a Sender is a sender"

# 11: no originator at all: still a ticket, with nobody as customer.
file no-originator.eml
is "$(jqr 'length' ticket list --json)" 11 "mail without originator filed"
is "$(jqr '.customer' ticket show 11 --json)" null "ticket 11 has no customer"
is "$(jqr '.queue' ticket show 11 --json)" support "ticket 11 in support"
is "$(jqr '.messages[0].from' ticket show 11 --json)" null "from is empty"
is "$(jqr '.messages[0].flags | index("no-sender") != null' ticket show 11 \
    --json)" true "flagged no-sender"

# 12: quoted commas are names, not list separators.
file quoted-comma.eml
ticket_customer 12 sean.obrien@example.org
profile sean.obrien@example.org Sean "O'Brien"
is "$(jqr '[.messages[0].to[] | "\(.name // "-") <\(.email)>"] | join("; ")' \
    ticket show 12 --json)" \
    "- <support@example.com>; Kowalski, Ewa <ewa.kowalski@example.org>" \
    "to has the two quoted mailboxes"
is "$(jqr '[.messages[0].cc[] | "\(.name) <\(.email)>"] | join("; ")' \
    ticket show 12 --json)" \
    "Accounts, Payable (Example Org) <ap@example.org>" "cc has one mailbox"
# The other To and the Cc are not the customer: they are participants.
is "$(jqr '.participants | join(" ")' ticket show 12 --json)" \
    "ewa.kowalski@example.org ap@example.org" \
    "the other To and the Cc are participants"
profile ewa.kowalski@example.org Ewa Kowalski

# 13, 14: the queue never changes who the customer is.
file plus-address.eml
ticket_customer 13 ines.vogel@example.net
profile ines.vogel@example.net Ines Vogel
is "$(jqr '.queue' ticket show 13 --json)" support "support+ext is support"
file cc-only.eml
ticket_customer 14 tom.hale@example.org
profile tom.hale@example.org Tom Hale
is "$(jqr '.queue' ticket show 14 --json)" sales "sales only in Cc: sales"
is "$(jqr '.participants | join(" ")' ticket show 14 --json)" \
    "maria.lopez@example.org" "the third party in To is a participant"

# 15: no Message-ID: dedupe by the raw bytes.
file no-message-id.eml
file no-message-id.eml
is "$(jqr 'length' ticket list --json)" 15 "the second copy opened no ticket"
is "$(jqr '.messages | length' ticket show 15 --json)" 1 "and added no message"
is "$(jqr '.messages[0].message_id // "null"' ticket show 15 --json)" null \
    "message_id empty"
profile greta.holm@example.net Greta Holm

# 16, 17: a bad Date and CRLF line ends change nothing about the customer.
file bad-date.eml
profile otto.brandt@example.org Otto Brandt
is "$(jqr '.messages[0].date' ticket show 16 --json)" null "bad date is null"
like "$(jqr '.messages[0].received' ticket show 16 --json)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:?[0-9]{2}$' \
    "received is set"
file crlf-line-endings.eml
ticket_customer 17 lea.fischer@example.net
profile lea.fischer@example.net Lea Fischer
is "$(jqr '.subject' ticket show 17 --json)" "Mail with CRLF line endings" \
    "CRLF subject"
is "$(jqr '.messages[0].text | test("\r") | not' ticket show 17 --json)" \
    true "CRLF text has no stray CR"
is "$(md ticket raw 17 | sha256sum | cut -d' ' -f1)" \
    "$(sha256sum < "$P/crlf-line-endings.eml" | cut -d' ' -f1)" \
    "CRLF raw returned byte for byte"

# A profile first seen without a name gets one from a later display name;
# a name once known is not overwritten by another display name.
md deliver > /dev/null 2>&1 <<'EOF'
From: info@example.org
To: support@example.com
Subject: Opening hours
Date: Wed, 13 Mar 2024 10:00:00 +0100
Message-ID: <fill-1@example.org>

When are you open?
EOF
is "$?" 0 "bare info@ delivered"
profile info@example.org - -
md deliver > /dev/null 2>&1 <<'EOF'
From: x1@example.org
To: support@example.com
Subject: Question
Date: Wed, 13 Mar 2024 10:01:00 +0100
Message-ID: <fill-2@example.org>

A question.
EOF
profile x1@example.org - -
md deliver > /dev/null 2>&1 <<'EOF'
From: Ingrid Fo <INFO@example.org>
To: support@example.com
Subject: Opening hours again
Date: Wed, 13 Mar 2024 11:00:00 +0100
Message-ID: <fill-3@example.org>

Still no answer.
EOF
is "$?" 0 "named info@ delivered"
profile info@example.org Ingrid Fo
is "$(jqr '.tickets | length' customer show info@example.org --json)" 2 \
    "the named mail went to the same profile"
md deliver > /dev/null 2>&1 <<'EOF'
From: "Someone Else" <info@example.org>
To: support@example.com
Subject: Third try
Date: Wed, 13 Mar 2024 12:00:00 +0100
Message-ID: <fill-4@example.org>

Hello?
EOF
profile info@example.org Ingrid Fo
md deliver > /dev/null 2>&1 <<'EOF'
From: "MEIER, ANNA (Buchhaltung)" <x1@example.org>
To: support@example.com
Subject: Question 2
Date: Wed, 13 Mar 2024 12:30:00 +0100
Message-ID: <fill-5@example.org>

Another question.
EOF
profile x1@example.org Anna Meier

# More display names: salutations, lowercase, apostrophes, comments,
# suffixes, team names and role local parts.  Each line: From; address;
# expected first name; expected last name.
n=0
while IFS=';' read -r from addr first last; do
	n=$((n + 1))
	printf 'From: %s\nTo: support@example.com\nSubject: names %d\nMessage-ID: <names-%d@example.org>\n\nHello.\n' \
	    "$from" "$n" "$n" > "$T/name.eml"
	deliver "$T/name.eml"
	is "$rc" 0 "deliver From: $from"
	profile "$addr" "$first" "$last"
done <<'EOF'
Herr Dr. Weber <weber@example.de>;weber@example.de;-;Weber
ewa kowalski <ewa.k@example.org>;ewa.k@example.org;Ewa;Kowalski
"O'BRIEN, SEAN" <s.obrien@example.ie>;s.obrien@example.ie;Sean;O'Brien
Jan de Vries (ACME B.V.) <jdv@example.nl>;jdv@example.nl;Jan;de Vries
"VAN DER BERG, JAN" <jvdb@example.nl>;jvdb@example.nl;Jan;van der Berg
John Smith Jr. <jsmith@example.com>;jsmith@example.com;John;Smith
"Smith, Jane, PhD" <jane@example.com>;jane@example.com;Jane;Smith
Example Support <help@example.net>;help@example.net;-;-
Free-Quilting.com <enews@example.com>;enews@example.com;-;-
info.desk@example.net;info.desk@example.net;-;-
sales.team@example.net;sales.team@example.net;-;-
Ann Lee | ACME Corp <ann@example.com>;ann@example.com;Ann;Lee
EOF

finish
