#!/bin/sh
# SPDX-License-Identifier: MIT
# Machine mail (tests/corpus/auto-replies): out-of-office, bulk and list
# mail, X-Auto-Response-Suppress, a foreign X-Loop and delivery status
# notifications.  Each is flagged and stored, never dropped: exit 0 and a
# message in the store for every file.  A DSN about t1 is filed in t1's
# ticket as a bounce and makes no customer of MAILER-DAEMON.
. "$(dirname "$0")/lib.sh"

setup_store
A="$TEST_CORPUS/auto-replies"

file() {
	deliver "$1"
	is "$rc" 0 "deliver $(basename "$1") exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver $(basename "$1") is silent" \
		    "$(cat "$T/out" "$T/err")"
	fi
}

show() {
	jqr "$2" ticket show "$1" --json
}

# has_flag N I FLAG: message I (0-based) of ticket N carries FLAG.
has_flag() {
	is "$(show "$1" ".messages[$2].flags | index(\"$3\") != null")" true \
	    "ticket $1 message $2 flagged $3"
}

lacks_flag() {
	is "$(show "$1" ".messages[$2].flags | index(\"$3\") == null")" true \
	    "ticket $1 message $2 not flagged $3"
}

# All messages in the store.
total() {
	n=$(jqr 'length' ticket list --json)
	sum=0
	i=1
	while [ "$i" -le "$n" ]; do
		sum=$((sum + $(show "$i" '.messages | length')))
		i=$((i + 1))
	done
	echo "$sum"
}

file "$TEST_CORPUS/threading/t1-new.eml"

# 2: out-of-office reply to a mail the store does not know.
file "$A/out-of-office.eml"
is "$(jqr 'length' ticket list --json)" 2 "out-of-office opens ticket 2"
is "$(show 2 .messages[0].kind)" auto-reply "out-of-office: kind auto-reply"
has_flag 2 0 auto-submitted
has_flag 2 0 auto-reply
is "$(show 2 .customer.email)" erik.nilsson@example.net \
    "out-of-office: customer erik.nilsson"

# 3: a newsletter.
file "$A/newsletter-bulk.eml"
is "$(jqr 'length' ticket list --json)" 3 "newsletter opens ticket 3"
has_flag 3 0 bulk
has_flag 3 0 list
lacks_flag 3 0 auto-reply
is "$(show 3 .messages[0].direction)" in "newsletter: direction in"

# 4: Exchange calendar mail with only X-Auto-Response-Suppress.
file "$A/x-auto-response-suppress.eml"
is "$(jqr 'length' ticket list --json)" 4 "calendar mail opens ticket 4"
has_flag 4 0 suppress
lacks_flag 4 0 loop
lacks_flag 4 0 bulk

# 5: a customer's mail that still carries an X-Loop: the literal
# "maildesk" every installation used to write.  It is not ours any more
# (the mark is derived from each store's secret; T380 shows our own).
file "$A/x-loop.eml"
is "$(jqr 'length' ticket list --json)" 5 "X-Loop mail opens ticket 5"
lacks_flag 5 0 loop
is "$(show 5 .messages[0].from.email)" frank.ott@example.net \
    "X-Loop mail: from frank.ott"

# Customer mail got none of these flags.
is "$(show 1 '.messages[0].flags | length')" 0 "t1 has no flags"

# DSN with text/rfc822-headers: filed in ticket 1 as a bounce.
file "$A/dsn-headers-t1.eml"
is "$(jqr 'length' ticket list --json)" 5 "the DSN opens no ticket"
is "$(show 1 '.messages | length')" 2 "the DSN is message 2 of ticket 1"
is "$(show 1 .messages[1].kind)" bounce "DSN: kind bounce"
has_flag 1 1 dsn
is "$(show 1 .messages[1].from.email)" MAILER-DAEMON@example.com \
    "DSN: from MAILER-DAEMON"
lacks_flag 1 1 loop
# Postfix marks DSNs "Auto-Submitted: auto-replied": still no vacation.
has_flag 1 1 auto-submitted
lacks_flag 1 1 auto-reply
md customer show MAILER-DAEMON@example.com > /dev/null 2>&1
is "$?" 1 "no customer for MAILER-DAEMON"
md customer show mailer-daemon@example.com > /dev/null 2>&1
is "$?" 1 "no customer for mailer-daemon (lower case)"
is "$(show 1 .customer.email)" carol@example.org "ticket 1 is still carol's"
is "$(show 1 .status)" new "a bounce does not change the status"

# The same DSN again, now with the null envelope sender Postfix passes:
# a duplicate, exit 0, nothing new.
deliver "$A/dsn-headers-t1.eml" --sender ""
is "$rc" 0 "the DSN again with --sender \"\" exits 0"
is "$(show 1 '.messages | length')" 2 "the duplicate DSN is not stored twice"

# DSN with the whole returned mail as message/rfc822; its embedded X-Loop
# and Auto-Submitted must not make the DSN our own loop.
file "$A/dsn-full-t1.eml"
is "$(jqr 'length' ticket list --json)" 5 "the full DSN opens no ticket"
is "$(show 1 '.messages | length')" 3 "the full DSN is message 3 of ticket 1"
is "$(show 1 .messages[2].kind)" bounce "full DSN: kind bounce"
has_flag 1 2 dsn
lacks_flag 1 2 loop
is "$(show 1 '.messages[2].attachments | map(.content_type) |
    map(select(. == "message/delivery-status" or . == "message/rfc822")) |
    join(",")')" "message/delivery-status,message/rfc822" \
    "full DSN: report and returned mail kept as attachments"

# A bounce without an RFC 3464 report: a mail system returning the mail.
file "$A/bounce-nonstandard-t1.eml"
is "$(jqr 'length' ticket list --json)" 5 "the plain bounce opens no ticket"
is "$(show 1 '.messages | length')" 4 "the plain bounce is message 4 of ticket 1"
is "$(show 1 .messages[3].kind)" bounce "plain bounce: kind bounce"
has_flag 1 3 dsn
has_flag 1 3 null-sender
has_flag 1 3 daemon
is "$(show 1 .status)" new "ticket 1 status unchanged by bounces"

# Nothing dropped: 8 files, 8 messages; each stored byte for byte.
is "$(total)" 8 "8 mails delivered, 8 messages stored"
n=0
for spec in 1:1:threading/t1-new 2:1:auto-replies/out-of-office \
    3:1:auto-replies/newsletter-bulk \
    4:1:auto-replies/x-auto-response-suppress 5:1:auto-replies/x-loop \
    1:2:auto-replies/dsn-headers-t1 1:3:auto-replies/dsn-full-t1 \
    1:4:auto-replies/bounce-nonstandard-t1; do
	t=${spec%%:*}
	rest=${spec#*:}
	i=${rest%%:*}
	f=${rest#*:}
	is "$(md ticket raw "$t" "$i" | sha256sum | cut -d' ' -f1)" \
	    "$(sha256sum < "$TEST_CORPUS/$f.eml" | cut -d' ' -f1)" \
	    "raw of $f.eml is ticket $t message $i"
done
md check > /dev/null 2>&1
is "$?" 0 "store checks clean"

finish
