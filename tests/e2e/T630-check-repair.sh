#!/bin/sh
# SPDX-License-Identifier: MIT
# check finds an index entry that was deliberately broken, and --repair
# rebuilds the indexes from the records.
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
finish
