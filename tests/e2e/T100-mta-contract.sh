#!/bin/sh
# SPDX-License-Identifier: MIT
# The contract with the MTA (maildesk(8), EXIT STATUS): exit 0 only after
# the commit, 75 for every failure with one line on stderr and the store as
# it was, 65 only for oversized mail, duplicates stored once.
. "$(dirname "$0")/lib.sh"

mail() {
	# mail ID [SUBJECT]: a small customer mail with Message-ID <ID>
	cat <<EOM
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: ${2:-Printer on fire}
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <$1>

Hello, this is mail $1.
EOM
}

# One short stderr line, nothing on stdout, and the given exit status.
expect_fail() {
	want=$1
	name=$2
	lines=$(wc -l < "$T/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ]; then
		ok "$name: exit $want, one stderr line"
	else
		not_ok "$name" "exit $rc (want $want), $lines stderr lines: $(cat "$T/err")"
	fi
}

mail first@test > "$T/first.eml"
mail second@test "Second" > "$T/second.eml"

# Missing store: not initialised yet.
printf '[store]\npath = %s\n[addresses]\nsupport@example.com = support\n' \
    "$T/nostore" > "$T/nostore.conf"
"$MAILDESK" -c "$T/nostore.conf" deliver < "$T/first.eml" > "$T/out" 2> "$T/err"
rc=$?
expect_fail 75 "missing store"
like "$(cat "$T/err")" '^maildesk: deliver: .*init' "missing store says to run init"
[ ! -e "$T/nostore/data.mdb" ] && ok "deliver does not create a store" ||
    not_ok "deliver created a store"

setup_store
deliver "$T/first.eml"
is "$rc" 0 "a plain delivery exits 0"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && ok "stdout and stderr stay empty" ||
    not_ok "output on success" "$(cat "$T/out" "$T/err")"
store_dump > "$T/before"

# Duplicates: the same Message-ID to the same address is stored once.
deliver "$T/first.eml"
is "$rc" 0 "a duplicate exits 0"
is "$(jqr '.messages | length' ticket show 1 --json)" 1 \
    "the duplicate is not stored twice"
is "$(md ticket list --json | jq length)" 1 "the duplicate opens no ticket"
# Without a Message-ID the raw digest is the key.
grep -v '^Message-ID' "$T/first.eml" > "$T/noid.eml"
deliver "$T/noid.eml"
deliver "$T/noid.eml"
is "$(md ticket list --json | jq length)" 2 \
    "a mail without Message-ID delivered twice makes one ticket"
# The same mail to another of our addresses (Postfix delivers one copy
# per recipient) is the same mail: stored once, the copy's address added.
deliver "$T/first.eml" --recipient sales@example.com
is "$rc" 0 "the same mail to sales@ exits 0"
is "$(md ticket list --json | jq length)" 2 \
    "the same mail to sales@ opens no ticket"
is "$(jqr '[.messages[0].recipient] + .messages[0].also_to | join(" ")' \
    ticket show 1 --json)" "support@example.com sales@example.com" \
    "the stored mail names both addresses it reached"
store_dump > "$T/before"

# A broken config defers mail in deliver (75) and is EX_CONFIG (78) for admin.
cp "$T/maildesk.conf" "$T/good.conf"
printf '[tickets]\nreopen-days = fortnight\n' >> "$T/maildesk.conf"
deliver "$T/second.eml"
expect_fail 75 "malformed config value"
md ticket list > /dev/null 2> "$T/err"
is "$?" 78 "an admin command with a malformed config exits 78"
like "$(cat "$T/err")" 'reopen-days' "the error names the key"
cp "$T/good.conf" "$T/maildesk.conf"
"$MAILDESK" -c "$T/does-not-exist.conf" deliver < "$T/second.eml" > "$T/out" 2> "$T/err"
rc=$?
expect_fail 75 "explicit config that cannot be read"
deliver "$T/second.eml" --no-such-option
expect_fail 75 "a bad argument (a master.cf typo)"
store_dump > "$T/after"
cmp -s "$T/before" "$T/after" && ok "failed deliveries left the store as it was" ||
    not_ok "store changed by failed deliveries"

# A failed commit: the disk said no.  Nothing may be half-written.
if [ -n "${MAILDESK_SHIM:-}" ]; then
	for what in commit fdatasync; do
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		LD_PRELOAD="$MAILDESK_SHIM" MAILDESK_FAIL=$what \
		    "$MAILDESK" -c "$T/maildesk.conf" deliver \
		    < "$T/second.eml" > "$T/out" 2> "$T/err"
		rc=$?
		expect_fail 75 "failing $what"
		like "$(cat "$T/err")" 'commit: Input/output error' \
		    "failing $what is reported as an I/O error"
		store_dump > "$T/after"
		cmp -s "$T/before" "$T/after" &&
		    ok "failing $what leaves the store as it was" ||
		    not_ok "store changed by a failing $what"
	done
	deliver "$T/second.eml"
	is "$rc" 0 "the retry after the failure is stored"
	is "$(md ticket list --json | jq '[.[] | select(.subject == "Second")] | length')" 1 \
	    "the retried mail is stored exactly once"
	store_dump > "$T/before"
else
	not_ok "MAILDESK_SHIM not set: cannot inject a failed commit"
fi

# An unwritable store defers.  Root passes permission checks, so run as nobody.
if [ "$(id -u)" -eq 0 ]; then
	# nobody may not reach the build tree (a clone under /root): copy.
	cp "$MAILDESK" "$T/maildesk-copy"
	as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$T" "$T/maildesk-copy"
	chmod 644 "$T/maildesk.conf"
else
	as_other=""
	chmod a-w "$T/store" "$T/store"/*.mdb
fi
mail third@test "Third" > "$T/third.eml"
bin=$MAILDESK
[ -n "$as_other" ] && bin=$T/maildesk-copy
$as_other "$bin" -c "$T/maildesk.conf" deliver < "$T/third.eml" \
    > "$T/out" 2> "$T/err"
rc=$?
expect_fail 75 "unwritable store"
[ -z "$as_other" ] && chmod u+w "$T/store" "$T/store"/*.mdb
store_dump > "$T/after"
cmp -s "$T/before" "$T/after" && ok "the unwritable store is unchanged" ||
    not_ok "unwritable store changed"

# Over the size limit: the one permanent refusal, EX_DATAERR.
printf '[deliver]\nmax-size-bytes = 2048\n' >> "$T/maildesk.conf"
{ mail big@test "Big"; i=0; while [ $i -lt 100 ]; do
	echo "0123456789012345678901234567890123456789"; i=$((i + 1)); done; } > "$T/big.eml"
deliver "$T/big.eml"
expect_fail 65 "oversized mail"
like "$(cat "$T/err")" 'too big' "the refusal says why"
cp "$T/good.conf" "$T/maildesk.conf"

# A map that is full: a temporary failure, and the store still works.
store_dump > "$T/before"
head -c 400000 /dev/urandom | base64 > "$T/blob"
{ mail huge@test "Huge"; cat "$T/blob" "$T/blob" "$T/blob"; } > "$T/huge.eml"
sed -i "s/^map-size-bytes = .*/map-size-bytes = 1048576/" "$T/maildesk.conf"
deliver "$T/huge.eml"
expect_fail 75 "store at its map size limit"
store_dump > "$T/after"
cmp -s "$T/before" "$T/after" && ok "the full store is unchanged" ||
    not_ok "full store changed"
cp "$T/good.conf" "$T/maildesk.conf"

# The watchdog: an MTA that never finishes sending.
printf '[deliver]\ntime-limit-seconds = 1\n' >> "$T/maildesk.conf"
(cat "$T/third.eml"; sleep 4) | md deliver > "$T/out" 2> "$T/err"
rc=$?
expect_fail 75 "watchdog"
like "$(cat "$T/err")" 'time limit' "the watchdog says so"
cp "$T/good.conf" "$T/maildesk.conf"

# As root, deliver refuses (and defers) unless the config allows it.
if [ "$(id -u)" -eq 0 ]; then
	grep -v '^allow-root' "$T/good.conf" > "$T/noroot.conf"
	"$MAILDESK" -c "$T/noroot.conf" deliver < "$T/third.eml" > "$T/out" \
	    2> "$T/err"
	rc=$?
	expect_fail 75 "deliver as root without allow-root"
	like "$(cat "$T/err")" 'refusing to run as root' "it says why"
fi

# A mail GMime cannot make sense of is kept, raw, and flagged.
printf '\000\001\002binary\377\376 garbage without headers\000' > "$T/garbage.eml"
deliver "$T/garbage.eml"
is "$rc" 0 "an unparseable mail exits 0"
n=$(md ticket list --json | jq 'max_by(.number) | .number')
is "$(jqr '.messages[0].kind' ticket show "$n" --json)" unparsed \
    "it is stored as kind unparsed"
cmp -s "$T/garbage.eml" "$(md ticket raw "$n" > "$T/raw"; echo "$T/raw")" &&
    ok "its raw bytes are kept exactly" || not_ok "raw bytes differ"
: > "$T/empty.eml"
deliver "$T/empty.eml"
is "$rc" 0 "an empty mail exits 0"

md check > /dev/null
is "$?" 0 "the store checks clean"
finish
