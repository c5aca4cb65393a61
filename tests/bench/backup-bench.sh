#!/bin/bash
# SPDX-License-Identifier: MIT
# Backup and restore of a big store, against plain file copies of the same
# run.
#
#   tests/bench/backup-bench.sh -s STORE [-b BINARY] [-c ADDR] [-e]
#
# STORE is a store directory with its config in STORE.conf, as
# `import-bench.sh -m 1000000 -k STORE` leaves one.  Measured, each once,
# in a work directory beside STORE (the same disk):
#   cp        cp of data.mdb, and sha256sum of it: the baselines
#   backup    maildesk backup DIR: wall time, size against data.mdb
#   restore   maildesk restore DIR --to R (the store's own ledger)
#   replay    one customer (-c ADDR, default c1@example.net: 200 tickets
#             in the million) erased in STORE after the backup
#             (--no-compact), then
#             restore again: the ledger replayed on the copy, and the copy
#             compacted.  This changes STORE.
#   -e        the same encrypted, to a key made for the run in a throwaway
#             GnuPG home
# A script, not a test: timings are never asserted.  The page cache is
# left alone (dropping it would slow everyone on the machine), so the
# store is read warm after the first step.
set -eu

STORE="" MD=$(cd "$(dirname "$0")/../.." && pwd)/build/maildesk ENC=0
ERASE=c1@example.net
while getopts s:b:c:e opt; do
	case $opt in
	s) STORE=$OPTARG ;; b) MD=$OPTARG ;; c) ERASE=$OPTARG ;; e) ENC=1 ;;
	*) exit 64 ;;
	esac
done
[ -n "$STORE" ] && [ -f "$STORE/data.mdb" ] && [ -f "$STORE.conf" ] || {
	echo "usage: backup-bench.sh -s STORE [-b BINARY] [-c ADDR] [-e]" >&2
	exit 64
}
W=$(mktemp -d "$(dirname "$STORE")/backup-bench.XXXXXX")
G=""
cleanup() {
	[ -n "$G" ] && gpgconf --homedir "$G" --kill gpg-agent 2> /dev/null
	rm -rf "$W" ${G:+"$G"}
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
mib() { echo "$1 / 1048576" | bc -l; }

data=$(stat -c %s "$STORE/data.mdb")

t0=$(now); cp "$STORE/data.mdb" "$W/copy.mdb"; sync; t1=$(now)
cp_s=$(secs "$t0" "$t1")
rm -f "$W/copy.mdb"
t0=$(now); sha256sum "$STORE/data.mdb" > /dev/null; t1=$(now)
sha_s=$(secs "$t0" "$t1")

t0=$(now); "$MD" -c "$STORE.conf" backup "$W/b" > /dev/null; t1=$(now)
backup_s=$(secs "$t0" "$t1")
bsize=$(du -sb "$W/b" | cut -f1)
tickets=$(jq .counts.tickets "$W/b/manifest.json")
t0=$(now); "$MD" -c "$STORE.conf" restore "$W/b" --to "$W/r" > /dev/null
t1=$(now)
restore_s=$(secs "$t0" "$t1")
rm -rf "$W/r"

printf '| measure (%s tickets, data.mdb %.0f MiB) | time | / cp | size |\n' \
    "$tickets" "$(mib "$data")"
printf '|---|---:|---:|---:|\n'
printf '| cp data.mdb (baseline) | %.1f s | 1.00 | %.0f MiB |\n' "$cp_s" \
    "$(mib "$data")"
printf '| sha256sum data.mdb | %.1f s | %.2f | |\n' "$sha_s" \
    "$(echo "$sha_s / $cp_s" | bc -l)"
printf '| maildesk backup DIR | %.1f s | %.2f | %.0f MiB |\n' "$backup_s" \
    "$(echo "$backup_s / $cp_s" | bc -l)" "$(mib "$bsize")"
printf '| maildesk restore DIR --to R | %.1f s | %.2f | |\n' "$restore_s" \
    "$(echo "$restore_s / $cp_s" | bc -l)"

t0=$(now)
"$MD" -c "$STORE.conf" customer erase "$ERASE" --yes --no-compact \
    > "$W/erase.out"
t1=$(now)
erase_s=$(secs "$t0" "$t1")
t0=$(now); "$MD" -c "$STORE.conf" restore "$W/b" --to "$W/r" > "$W/replay.out"
t1=$(now)
replay_s=$(secs "$t0" "$t1")
rm -rf "$W/r" "$W/b"
printf '| customer erase (%s), without compaction | %.1f s | %.2f | |\n' \
    "$(grep -o '[0-9]* tickets' "$W/erase.out" | head -n 1)" "$erase_s" \
    "$(echo "$erase_s / $cp_s" | bc -l)"
printf '| restore, replaying that erasure, compacting | %.1f s | %.2f | |\n' \
    "$replay_s" "$(echo "$replay_s / $cp_s" | bc -l)"

if [ "$ENC" -eq 1 ]; then
	G=$(mktemp -d /tmp/bb-gpg.XXXXXX)
	chmod 700 "$G"
	export GNUPGHOME=$G
	gpg --batch --passphrase '' --quick-gen-key \
	    'backup bench <bench@example.com>' default default never \
	    2> /dev/null
	cp "$STORE.conf" "$W/enc.conf"
	printf '[backup]\nencrypt-to = bench@example.com\n' >> "$W/enc.conf"
	t0=$(now); "$MD" -c "$W/enc.conf" backup "$W/e" > /dev/null; t1=$(now)
	enc_s=$(secs "$t0" "$t1")
	esize=$(du -sb "$W/e" | cut -f1)
	t0=$(now)
	"$MD" -c "$W/enc.conf" restore "$W/e" --to "$W/re" > /dev/null
	t1=$(now)
	dec_s=$(secs "$t0" "$t1")
	printf '| maildesk backup DIR, encrypted | %.1f s | %.2f | %.0f MiB |\n' \
	    "$enc_s" "$(echo "$enc_s / $cp_s" | bc -l)" "$(mib "$esize")"
	printf '| maildesk restore DIR --to R, encrypted | %.1f s | %.2f | |\n' \
	    "$dec_s" "$(echo "$dec_s / $cp_s" | bc -l)"
fi
