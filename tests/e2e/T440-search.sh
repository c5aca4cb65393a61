#!/bin/sh
# SPDX-License-Identifier: MIT
# Full-text search: German and English stemming, ü/ue and ß/ss folding,
# phrases, prefixes, AND/OR/NOT, the field prefixes and date ranges, JSON;
# a mail committed a moment before is found without any flush; tickets of
# a restricted customer only with --include-restricted, which the audit
# records; after `customer erase` the customer is gone from the results
# and no file of the store directory holds their address, name or a word
# only their mail had; check compares the index with the store and
# --repair (like reindex) rebuilds it.
. "$(dirname "$0")/lib.sh"

setup_store "[smtp]" "host = 127.0.0.1" "port = 1" "timeout-seconds = 2" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"
S="$T/store"

dlv() {	# FILE
	md deliver --recipient support@example.com < "$1" > "$T/out" \
	    2> "$T/err" || not_ok "deliver $(basename "$1") exits 0" \
	    "$(cat "$T/err")"
}

# found QUERY: the ticket numbers a search finds, sorted, space-separated.
found() {
	md search --json "$@" 2> "$T/search.err" |
	    jq -r '[.[].ticket] | sort | map(tostring) | join(" ")'
}

# 1: German, umlauts and ß, a licence number, an attachment.
cat > "$T/de.eml" <<'EOM'
From: =?utf-8?q?Hans_M=C3=BCller?= <hans.mueller@example.de>
To: support@example.com, =?utf-8?q?J=C3=BCrgen?= <juergen@example.de>
Subject: Drucker in Hamburg defekt
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <de1@example.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sehr geehrte Damen und Herren,

der Drucker druckt nicht mehr, seit gestern. Die Lizenz ist LIC-4711-XQ.
Das Büro liegt in der Hafenstraße.

Mit freundlichen Grüßen
Hans Müller
--b
Content-Type: application/pdf; name="Rechnung-Maerz.pdf"
Content-Disposition: attachment; filename="Rechnung-Maerz.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJSVFT0YK
--b--
EOM
# 2: English, written as "Mueller" and "Strasse".
cat > "$T/en.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Printer on fire
Date: Tue, 10 Mar 2026 10:00:00 +0100
Message-ID: <en1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello, the printer was printing nothing, then it smoked.  Mr Mueller
from Hafenstrasse said it printed fine before.  Thanks for your help!
EOM
# 3: the one to erase, with words no other mail has.
cat > "$T/x.eml" <<'EOM'
From: Xaver Vergessen <xaver.vergessen@example.org>
To: support@example.com
Subject: Zorblaxian invoice
Date: Fri, 20 Mar 2026 10:00:00 +0100
Message-ID: <x1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Please look at my zorblaxian invoice Qv8Erasable, thank you.
EOM
dlv "$T/de.eml"
dlv "$T/en.eml"
dlv "$T/x.eml"

# --- Words, stems, folding ----------------------------------------------
is "$(found Druckers)" 1 "German stem: Druckers finds Drucker"
is "$(found drucken)" 1 "German stem: drucken finds druckt and Drucker"
is "$(found printed)" 2 "English stem: printed finds printing"
is "$(found printers)" 2 "English stem: printers finds printer"
is "$(found Müller)" "1 2" "Müller finds Müller and Mueller"
is "$(found Mueller)" "1 2" "Mueller finds them too"
is "$(found MÜLLER)" "1 2" "and so does MÜLLER"
is "$(found Hafenstrasse)" "1 2" "Hafenstrasse finds Hafenstraße and itself"
is "$(found Grüsse)" 1 "ß and ss: Grüsse finds Grüßen"
is "$(found juergen@example.de)" 1 "an address in To finds the mail"
is "$(found lic-4711-xq)" 1 "a licence number, any case"
is "$(found Zuerich)" "" "a word in no mail finds nothing"

# --- Phrases, prefixes, operators ----------------------------------------
is "$(found '"drucker druckt"')" 1 "a phrase"
is "$(found '"druckt drucker"')" "" "the phrase in the wrong order: nothing"
is "$(found 'druck*')" 1 "a prefix"
is "$(found printer smoked)" 2 "two words: both must be there"
is "$(found printer Hamburg)" "" "two words in different tickets: nothing"
is "$(found printer OR Hamburg)" "1 2" "OR"
is "$(found Mueller NOT smoked)" 1 "NOT"

# --- Fields ---------------------------------------------------------------
is "$(found from:hans.mueller@example.de)" 1 "from: an address"
is "$(found from:paula)" 2 "from: a name"
is "$(found to:juergen)" 1 "to:"
is "$(found subject:printer)" 2 "subject:"
is "$(found subject:hamburg)" 1 "subject: Hamburg"
is "$(found subject:smoked)" "" "subject: not the body"
is "$(found attachment:rechnung)" 1 "attachment: a file name"
is "$(found ticket:2)" 2 "ticket:"
is "$(found status:new)" "1 2 3" "status:"
is "$(found queue:support Hamburg)" 1 "queue: with a word"
md agent add agent1@example.com > /dev/null 2>&1 || not_ok "agent add"
md ticket set 2 owner agent1@example.com > /dev/null 2>&1 ||
    not_ok "ticket set owner"
md ticket set 2 status pending > /dev/null 2>&1
is "$(found owner:agent1@example.com)" 2 "owner: after ticket set"
is "$(found status:pending)" 2 "status: follows ticket set"
is "$(found status:new)" "1 3" "and ticket 2 is no longer new"

# --- Dates ------------------------------------------------------------------
is "$(found date:2026-03-01..2026-03-05)" 1 "a date range"
is "$(found date:2026-03-10)" 2 "one day"
is "$(found date:2026-03-09..)" "2 3" "an open range"
is "$(found printer date:2026-03-01..2026-03-05)" "" "a word and a range"

# --- Output ----------------------------------------------------------------
md search --json Hamburg > "$T/json" 2> "$T/err"
is "$?" 0 "search --json exits 0"
is "$(jq -r '.[0] | [.ticket, .message, .status, .queue, .subject,
    .customer.email, .customer.name] | map(tostring) | join("|")' \
    "$T/json")" "1|1|new|support|Drucker in Hamburg defekt|hans.mueller@example.de|Hans Müller" \
    "JSON: ticket, message, status, queue, subject, customer"
like "$(jq -r '.[0].snippet' "$T/json")" 'Hamburg|Drucker' \
    "JSON: a snippet of the message"
is "$(jq -r '.[0].date' "$T/json")" "2026-03-02T10:00:00+01:00" \
    "JSON: the message's date"
like "$(md search Hamburg)" '^ +1  new +support +Hans Müller <hans\.mueller@example\.de>  Drucker in Hamburg defekt' \
    "text: one line per ticket"
like "$(md search nothingatall)" '^no ticket matches' "text: no match"
md search 'subject:(' > "$T/out" 2> "$T/err"
rc=$?
like "$rc" '^(0|64)$' "a malformed query is no crash (exit $rc)"
md search > /dev/null 2>&1
is "$?" 64 "search without a query is a usage error"
is "$(md search --limit 1 --json printer OR Hamburg | jq length)" 1 \
    "--limit"

# --- Committed a moment before ---------------------------------------------
cat > "$T/late.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: One more thing
Message-ID: <late@example.net>

The toner code is Tq3Moment.
EOM
dlv "$T/late.eml"
is "$(found Tq3Moment)" 4 "a mail delivered just now is found, no flush"

# --- Restricted --------------------------------------------------------------
md customer restrict paula@example.net > /dev/null || not_ok "restrict"
is "$(found printer)" "" "a restricted customer's tickets are hidden"
is "$(found printer --include-restricted)" 2 \
    "--include-restricted shows them"
is "$(md search --json --include-restricted printer | jq '.[0].restricted')" \
    true "and marks them restricted"
like "$(md audit 2>&1)" 'search-restricted' \
    "the audit records the search with --include-restricted"
md customer restrict paula@example.net --lift > /dev/null
is "$(found printer)" 2 "after --lift they are found again"

# --- check, reindex ---------------------------------------------------------
md check > "$T/check" 2>&1
is "$?" 0 "the store and index check clean"
like "$(cat "$T/check")" ' 4 indexed' "check counts the indexed messages"
# An index from before the last mail, with that mail's mark gone: what a
# lost index write would leave.
gen() { cat "$S/search.current"; }
cp "$S/$(gen)" "$T/old-index"
cat > "$T/lost.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Lost
Message-ID: <lost@example.net>

Word Wp5Lost.
EOM
dlv "$T/lost.eml"
is "$(found Wp5Lost)" 5 "the new mail is found"
rm -f "$S/$(gen)" "$S/$(gen)-wal" "$S/$(gen)-shm"
cp "$T/old-index" "$S/$(gen)"
is "$(found Wp5Lost)" "" "with the old index it is not"
md check > "$T/check" 2>&1
is "$?" 1 "check finds the index behind the store"
like "$(cat "$T/check")" 'search index: ticket 5 message 1 is not indexed' \
    "and names the message"
md check --repair > "$T/check" 2>&1
is "$?" 0 "check --repair"
like "$(cat "$T/check")" 'search index rebuilt, 5 messages' \
    "says it rebuilt the index"
is "$(found Wp5Lost)" 5 "the mail is found again"
md reindex > "$T/out" 2>&1
is "$?" 0 "reindex exits 0"
like "$(cat "$T/out")" '^reindex: 5 messages indexed' "reindex says how many"
is "$(ls "$S" | grep -c '^search-[0-9]*\.sqlite$')" 1 \
    "one index file is left"

# --- Modes, locks ------------------------------------------------------------
is "$(find "$S" -name 'search*' ! -perm 600 | wc -l | tr -d ' ')" 0 \
    "the index files are 0600, like the store's"

# --- Erasure -----------------------------------------------------------------
is "$(found Qv8Erasable)" 3 "before the erasure: found"
count_in_store() {	# STRING: occurrences in any file of the store dir
	find "$S" -type f -exec cat {} + | grep -a -c -i -F -- "$1"
}
before=$(count_in_store zorblaxian)
like "$before" '^[1-9]' "before: the store files hold their unique word"
md customer erase xaver.vergessen@example.org --yes > "$T/out" 2>&1
is "$?" 0 "customer erase exits 0"
is "$(found Qv8Erasable)" "" "after: the mail is not found"
is "$(found zorblaxian --include-restricted)" "" "nor by its other word"
is "$(found from:xaver.vergessen@example.org)" "" "nor by its address"
for w in xaver.vergessen@example.org Vergessen Xaver zorblax Qv8Erasable; do
	is "$(count_in_store "$w")" 0 "no file of the store holds \"$w\""
done
is "$(found printer)" 2 "the others are still found"
md check > /dev/null 2>&1
is "$?" 0 "the store and index check clean after the erasure"
finish
