#!/bin/sh
# SPDX-License-Identifier: MIT
# A full disk and a full map (SECURITY.md, "Disk full"): deliver exits 75
# so the MTA keeps the mail; the store stays readable and consistent;
# once there is room again, the same mail goes in.
#
# The disk is a tmpfs of 16 MB mounted by the test (root only), filled
# up by deliveries and a filler file; the map is a store whose
# map-size-bytes is smaller than what is delivered.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP mounting a tmpfs needs root"
	exit 0
fi
FS=$T/fs
mkdir -p "$FS"
mount -t tmpfs -o size=16m,mode=0700 maildesk-test "$FS" ||
    bail "cannot mount a tmpfs on $FS"
# lib.sh removes $T on exit; the mount must go first.
trap 'umount "$FS" 2> /dev/null; _lib_cleanup' EXIT
trap 'umount "$FS" 2> /dev/null; _lib_cleanup; exit 130' INT
trap 'umount "$FS" 2> /dev/null; _lib_cleanup; exit 143' TERM

setup_store "[log]" "syslog = false" "[ack]" "enabled = false"
# The store on the small file system, with a map far larger than it.
sed -i "s|^path = .*|path = $FS/store|; s|^map-size-bytes = .*|map-size-bytes = 1073741824|" \
    "$T/maildesk.conf"
md init > /dev/null || bail "init on the tmpfs failed"

# mail N: a 300 KB mail with a unique Message-ID.
mail() {
	printf 'From: Kunde %d <kunde%d@example.org>\nTo: support@example.com\n' "$1" "$1"
	printf 'Subject: Anfrage %d\nMessage-ID: <full-%d@example.org>\n\n' "$1" "$1"
	awk -v n="$1" 'BEGIN { for (i = 0; i < 4000; i++)
		printf "line %d of mail %d, some words to fill it up\n", i, n }'
}

# --- Fill it up ---------------------------------------------------------
# A filler takes most of the room, then mail goes in until it no longer
# fits.
dd if=/dev/zero of="$FS/filler" bs=1M count=10 2> /dev/null
n=0
ok_count=0
failed=""
while [ "$n" -lt 60 ]; do
	n=$((n + 1))
	mail "$n" > "$T/m$n.eml"
	deliver "$T/m$n.eml"
	case $rc in
	0) ok_count=$((ok_count + 1)) ;;
	75) failed=$n; break ;;
	*) break ;;
	esac
done
is "$rc" 75 "the disk full: deliver exits 75 (after $ok_count mails went in)"
like "$(cat "$T/err")" '^maildesk: deliver: .*(space|full)' \
    "with a one-line reason naming the cause"
like "$ok_count" '^[1-9][0-9]*$' "some mail went in before"
# A second attempt while still full: 75 again, nothing half written.
deliver "$T/m$failed.eml"
is "$rc" 75 "still full: 75 again"

# --- Readable and consistent while full ---------------------------------
is "$(md ticket list --json | jq length)" "$ok_count" \
    "every mail that got exit 0 is a ticket, the refused one is not"
md check > "$T/check" 2>&1
is "$?" 0 "check is clean on the full disk"
bad=0
i=1
while [ "$i" -le "$ok_count" ]; do
	[ "$(md ticket raw "$i" 1 | sha256sum)" = "$(sha256sum < "$T/m$i.eml")" ] ||
	    bad=$((bad + 1))
	i=$((i + 1))
done
is "$bad" 0 "every stored mail reads back byte for byte"

# --- Room again: the same mail goes in, once ------------------------------
rm -f "$FS/filler"
deliver "$T/m$failed.eml"
is "$rc" 0 "room again: the refused mail goes in"
deliver "$T/m$failed.eml"
is "$rc" 0 "delivered twice (the MTA retried): exit 0"
is "$(md ticket list --json | jq length)" "$((ok_count + 1))" "and it is stored once"
mail 999 > "$T/new.eml"
deliver "$T/new.eml"
is "$rc" 0 "new mail goes in again"
md check > /dev/null 2>&1
is "$?" 0 "check is clean afterwards"

# --- The map full -----------------------------------------------------------
# On the big disk, a map of 1 MB: LMDB's MDB_MAP_FULL is 75, never a
# half-written store; a larger map-size-bytes lets the mail in.
umount "$FS"
setup_store "[log]" "syslog = false" "[ack]" "enabled = false"
sed -i "s|^path = .*|path = $T/small|; s|^map-size-bytes = .*|map-size-bytes = 1048576|" \
    "$T/maildesk.conf"
md init > /dev/null || bail "init of the small store failed"
n=0
ok_count=0
while [ "$n" -lt 40 ]; do
	n=$((n + 1))
	deliver "$T/m$n.eml"
	[ "$rc" = 0 ] || break
	ok_count=$((ok_count + 1))
done
is "$rc" 75 "the map full: deliver exits 75 (after $ok_count mails)"
like "$(cat "$T/err")" 'MDB_MAP_FULL|map.*full|full' "with a one-line reason"
is "$(md ticket list --json | jq length)" "$ok_count" "the store holds what got 0"
md check > /dev/null 2>&1
is "$?" 0 "check is clean with the map full"
sed -i "s|^map-size-bytes = .*|map-size-bytes = 67108864|" "$T/maildesk.conf"
deliver "$T/m$n.eml"
is "$rc" 0 "a larger map-size-bytes: the mail goes in"
is "$(md ticket list --json | jq length)" "$((ok_count + 1))" "stored once"
md check > /dev/null 2>&1
is "$?" 0 "check is clean"
finish
