#!/bin/sh
# SPDX-License-Identifier: MIT
# check finds an index entry that was deliberately broken, and --repair
# rebuilds the indexes from the records.  A record that cannot be read is
# reported as corrupt, not as missing, and stops a repair.
. "$(dirname "$0")/lib.sh"

command -v mdb_load > /dev/null || bail "mdb_load (lmdb-utils) is needed"
setup_store "[smtp]" "port = 1" "[outbox]" "deliver-flush-seconds = 0"
for f in "$TEST_CORPUS"/threading/t1-new.eml "$TEST_CORPUS"/threading/t2-reply.eml \
    "$TEST_CORPUS"/plain/simple.eml; do
	md deliver --recipient support@example.com < "$f" || bail "deliver $f"
done
md check > "$T/out"
is "$?" 0 "a fresh store checks clean"

# Break it with mdb_load (lmdb-utils), as a crashed tool might: an
# address entry for a customer that is not there, and a duplicate-index
# entry for a message that is not there.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
load() {
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
	    "$2" "$3" | mdb_load -s "$1" "$T/store"
}
load customer_email "$(hex nobody@example.org)" 00000000000003e7 ||
    bail "mdb_load customer_email"
load dedupe "$(hex 'support@example.com')0a$(hex 'id:ghost@example.org')" \
    00000000000003e700000001 || bail "mdb_load dedupe"
md check > "$T/out" 2>&1
rc=$?
is "$rc" 1 "check reports the broken store"
like "$(cat "$T/out")" 'customer_email entry points to no customer' \
    "it names the dangling address entry"
like "$(cat "$T/out")" 'points to no message' \
    "it names the dangling duplicate-index entry"
md check --repair > "$T/out" 2>&1
is "$?" 0 "check --repair succeeds"
like "$(cat "$T/out")" 'repaired: [0-9]+ index entries' "it says what it did"
md check > "$T/out"
is "$?" 0 "afterwards the store checks clean"
# The repaired indexes work: a redelivery is a duplicate, a reply threads.
md deliver --recipient support@example.com < "$TEST_CORPUS"/threading/t1-new.eml
is "$(md ticket list --json | jq '[.[].messages] | add')" 3 \
    "a redelivery after repair is still a duplicate"
md deliver --recipient support@example.com < "$TEST_CORPUS"/threading/t3-references-only.eml
is "$(jqr '.messages | length' ticket show 1 --json)" 3 \
    "a reply after repair still threads"

# A message record and a customer record overwritten with garbage: both
# are there but unreadable.  (mdb_load overwrites existing keys.)
cp -R "$T/store" "$T/good"
load messages 000000000000000100000001 "$(hex 'not a record')" ||
    bail "mdb_load messages"
load customers 0000000000000001 "$(hex 'not a record')" ||
    bail "mdb_load customers"
md check > "$T/out" 2>&1
is "$?" 1 "check fails on corrupt records"
like "$(cat "$T/out")" 'ticket 1 message 1: corrupt record' \
    "it names the corrupt message"
like "$(cat "$T/out")" 'customer_email entry: customer 1: corrupt record' \
    "the address entry of the corrupt customer says corrupt"
if grep -q 'missing\|points to no customer\|not stored' "$T/out"; then
	not_ok "nothing corrupt is called missing" "$(cat "$T/out")"
else
	ok "nothing corrupt is called missing"
fi
# The repair cannot index what it cannot read: it fails, changes nothing.
rm -rf "$T/store" && cp -R "$T/good" "$T/store"
load messages 000000000000000100000001 "$(hex 'not a record')" ||
    bail "mdb_load messages"
dump() { for db in msgid dedupe customer_email customer_tickets; do
	mdb_dump -s "$db" "$T/store"; done; }
dump > "$T/dump0"
md check --repair > "$T/out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && ! grep -q 'repaired:' "$T/out" &&
    ok "check --repair fails on a corrupt message, repairs nothing" ||
    not_ok "check --repair fails on a corrupt message, repairs nothing" \
    "exit $rc: $(cat "$T/out")"
like "$(cat "$T/out")" 'ticket 1 message 1: message record is malformed' \
    "and names it"
dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "the repair changed nothing" ||
    not_ok "the repair changed nothing"
finish
