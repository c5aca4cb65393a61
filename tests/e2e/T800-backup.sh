#!/bin/sh
# SPDX-License-Identifier: MIT
# Backups that keep erasures (maildesk backup, restore, ledger).
#
# Shown: a backup taken while four delivery loops run is consistent (the
# restored copy checks clean and holds every mail whose delivery exited 0
# before the backup began), its files are 0600 and match the manifest, and
# a backup never goes into a directory that holds anything; a damaged
# backup (data file, manifest, tar stream) is refused with one line and
# nothing is written; a person erased after the backup is gone from the
# restored copy byte for byte (grep -a over every file), while a restore
# without the ledger brings them back and "ledger replay" erases them
# again; restore refuses a non-empty target unless --force; "backup -" and
# "restore -" make and take a tar stream; the erasure ledger is copied to
# [backup] ledger-copy, which restore replays when the store is lost; and
# contrib/backup/maildesk-backup keeps the newest backups only.
. "$(dirname "$0")/lib.sh"

command -v jq > /dev/null 2>&1 || bail "jq not found (CI installs it)"
setup_store '[smtp]' 'port = 1' '[outbox]' 'deliver-flush-seconds = 0' \
    '[backup]' "ledger-copy = $T/ledger-copy.json"

# mail ID FROM-NAME FROM-ADDR BODY: a mail on stdout.
mail() {
	printf 'From: %s <%s>\nTo: support@example.com\n' "$2" "$3"
	printf 'Subject: Question %s\nMessage-ID: <%s>\n' "$1" "$1"
	printf 'Date: Tue, 03 Mar 2026 09:00:00 +0000\n\n%s\n' "$4"
}

# every_id_in LIST STOREDIR: the ids of LIST missing from the store's files.
missing_ids() {
	grep -a -o -h 'loop[0-9]*-[0-9]*@bk\.test' "$2"/data.mdb |
	    sort -u > "$T/present"
	sort -u "$1" | comm -23 - "$T/present"
}

# --- A backup during four delivery loops ---------------------------------
N=40
loop() {
	i=1
	while [ "$i" -le "$N" ]; do
		id="loop$1-$i@bk.test"
		mail "$id" "Looper $1" "looper$1@example.net" "Loop $1 mail $i" |
		    md deliver --recipient support@example.com 2>> "$T/loop.err"
		[ $? -eq 0 ] && echo "$id" >> "$T/done.$1"
		i=$((i + 1))
	done
}
: > "$T/loop.err"
for l in 1 2 3 4; do
	: > "$T/done.$l"
	loop "$l" &
	eval "pid$l=\$!"
done
# Start once every loop has stored a few.
w=0
while [ "$w" -lt 300 ]; do
	few=1
	for l in 1 2 3 4; do
		[ "$(wc -l < "$T/done.$l")" -ge 5 ] || few=0
	done
	[ "$few" -eq 1 ] && break
	sleep 0.1
	w=$((w + 1))
done
cat "$T"/done.* > "$T/before"
md backup "$T/b1" > "$T/b1.out" 2> "$T/b1.err"
brc=$?
cat "$T"/done.* > "$T/after-backup"
wait "$pid1" "$pid2" "$pid3" "$pid4"
is "$brc" 0 "backup exits 0 while four loops deliver"
like "$(cat "$T/b1.out")" '^backup .*/b1 taken .*: [0-9]+ tickets, [0-9]+ messages, [0-9]+ customers, 0 erasure ledger entries, [0-9]+ bytes$' \
    "it says what it holds"
is "$(cat "$T/loop.err")" "" "no delivery failed"
is "$(cat "$T"/done.* | wc -l | tr -d ' ')" $((4 * N)) \
    "all $((4 * N)) deliveries exited 0"
[ "$(wc -l < "$T/before")" -lt "$(wc -l < "$T/after-backup")" ] &&
    ok "deliveries went on during the backup ($(wc -l < "$T/before") before it, $(wc -l < "$T/after-backup") at its end)" ||
    skip "deliveries during the backup" "the loops were faster than it"
is "$(ls "$T/b1" | tr '\n' ' ')" "data.mdb manifest.json " \
    "the backup is a data file and a manifest"
is "$(stat -c %a "$T/b1" "$T/b1/data.mdb" "$T/b1/manifest.json" | tr '\n' ' ')" \
    "700 600 600 " "directory 0700, files 0600"
is "$(ls -a "$T" | grep -c 'partial')" 0 "no temporary directory is left"
is "$(jq -r '.files[0].sha256' "$T/b1/manifest.json")" \
    "$(sha256sum "$T/b1/data.mdb" | cut -d' ' -f1)" \
    "the manifest holds the data file's SHA-256"
is "$(jq -r '.files[0].size' "$T/b1/manifest.json")" \
    "$(stat -c %s "$T/b1/data.mdb")" "and its size"
is "$(jq -r '[.format, .version, .schema] | join(" ")' "$T/b1/manifest.json")" \
    "maildesk-backup 1 1" "format, version and store schema"
is "$(missing_ids "$T/before" "$T/b1" | wc -l | tr -d ' ')" 0 \
    "every delivery that exited 0 before the backup began is in it"
md restore "$T/b1" --to "$T/r1" > "$T/r1.out" 2>&1
is "$?" 0 "restore exits 0"
is "$(jq -r '.counts.tickets' "$T/b1/manifest.json")" \
    "$(md --store "$T/r1" ticket list --json | jq length)" \
    "the restored copy has the tickets the manifest counts"
md --store "$T/r1" check > "$T/r1.check" 2>&1
is "$?" 0 "the restored copy checks clean"
like "$(cat "$T/r1.check")" ' 0 problems$' "check: 0 problems"
is "$(missing_ids "$T/before" "$T/r1" | wc -l | tr -d ' ')" 0 \
    "the restored copy holds them too"
md check > /dev/null 2>&1
is "$?" 0 "the live store checks clean"

# Never into a directory that holds anything.
mkdir "$T/full" && echo keep > "$T/full/note"
md backup "$T/full" > "$T/out" 2> "$T/err"
is "$?" 64 "backup into a non-empty directory: exit 64"
like "$(cat "$T/err")" '^maildesk: backup: .*/full is not an empty directory' \
    "with a one-line reason"
is "$(ls "$T/full")" note "and the directory is as it was"
mkdir "$T/empty"
md backup "$T/empty" > /dev/null 2>&1
is "$?" 0 "an empty directory will do"
md backup "$T/b1" > /dev/null 2> "$T/err"
is "$?" 64 "a second backup into the first one's directory: exit 64"

# --- A damaged backup is refused ------------------------------------------
cp -r "$T/b1" "$T/bad"
printf 'X' | dd of="$T/bad/data.mdb" bs=1 seek=8000 conv=notrunc 2> /dev/null
md restore "$T/bad" --to "$T/r-bad" > "$T/out" 2> "$T/err"
is "$?" 1 "restore of a backup with a flipped byte: exit 1"
is "$(wc -l < "$T/err" | tr -d ' ')" 1 "one line on stderr"
like "$(cat "$T/err")" '^maildesk: restore: backup .*/bad: data\.mdb is damaged \(its SHA-256 differs from the manifest.s\): refusing to restore it$' \
    "it names the damaged file"
[ ! -e "$T/r-bad" ] && [ -z "$(ls -a "$T" | grep restore-)" ] &&
    ok "nothing was written, no staging directory is left" ||
    not_ok "nothing was written" "$(ls -a "$T")"
cp "$T/b1/data.mdb" "$T/bad/data.mdb"
head -c 100 "$T/b1/manifest.json" > "$T/bad/manifest.json"
md restore "$T/bad" --to "$T/r-bad" > "$T/out" 2> "$T/err"
is "$?" 1 "a cut manifest: exit 1"
like "$(cat "$T/err")" 'manifest\.json is damaged' "it says the manifest is damaged"
rm "$T/bad/manifest.json"
md restore "$T/bad" --to "$T/r-bad" > "$T/out" 2> "$T/err"
is "$?" 1 "no manifest: exit 1"
like "$(cat "$T/err")" 'has no manifest\.json: not a maildesk backup' \
    "it is no backup"
truncate -s -4096 "$T/bad/data.mdb"
cp "$T/b1/manifest.json" "$T/bad/"
md restore "$T/bad" --to "$T/r-bad" > "$T/out" 2> "$T/err"
is "$?" 1 "a truncated data file: exit 1"
[ ! -e "$T/r-bad" ] && ok "still nothing written" || not_ok "nothing written"

# --- A stream: backup - | restore - ---------------------------------------
md backup - > "$T/b.tar" 2> "$T/tar.err"
is "$?" 0 "backup - exits 0"
is "$(tar -tf "$T/b.tar" | tr '\n' ' ')" "manifest.json data.mdb " \
    "it is a tar archive of the manifest and the data file"
md restore - --to "$T/r-tar" < "$T/b.tar" > /dev/null 2>&1
is "$?" 0 "restore - takes it from standard input"
md --store "$T/r-tar" check > /dev/null 2>&1
is "$?" 0 "and the copy checks clean"
size=$(stat -c %s "$T/b.tar")
cp "$T/b.tar" "$T/bad.tar"
printf 'X' | dd of="$T/bad.tar" bs=1 seek=$((size / 2)) conv=notrunc \
    2> /dev/null
md restore "$T/bad.tar" --to "$T/r-badtar" > /dev/null 2> "$T/err"
is "$?" 1 "a damaged tar stream is refused"
like "$(cat "$T/err")" 'is damaged' "as damaged"
echo "not a tar" > "$T/no.tar"
md restore "$T/no.tar" --to "$T/r-no" > /dev/null 2> "$T/err"
is "$?" 1 "a file that is no backup is refused"
like "$(tail -n 1 "$T/err")" 'not a maildesk backup' "and said to be none"

# --- Erasures survive a restore -------------------------------------------
X=xaver.erased@example.org
XM=Xv7Marker-Zq81
mail "x1.$XM@example.org" "Xaver Erased$XM" "$X" "My secret $XM" |
    md deliver --recipient support@example.com
mail "x2.$XM@example.org" "Xaver Erased$XM" "$X" "More of it $XM" |
    md deliver --recipient support@example.com
md backup "$T/b2" > /dev/null 2>&1
is "$?" 0 "a backup with Xaver in it"
grep -a -q "$XM" "$T/b2/data.mdb" && ok "the backup holds his bytes" ||
    not_ok "the backup holds his bytes"
md customer erase "$X" --yes > "$T/out" 2>&1
is "$?" 0 "Xaver is erased from the live store after the backup"
is "$(md ledger export | jq '.entries | length')" 1 \
    "the erasure ledger has one entry"
md ledger export > "$T/ledger.json"
grep -q -i -e xaver -e "$XM" -e example.org "$T/ledger.json" &&
    not_ok "the ledger holds no byte of him" "$(grep -i -e xaver "$T/ledger.json")" ||
    ok "the ledger holds no byte of him"
is "$(stat -c %a "$T/ledger-copy.json")" 600 \
    "the erase wrote [backup] ledger-copy, 0600"
is "$(jq -c '.entries | map(.id)' "$T/ledger-copy.json")" \
    "$(jq -c '.entries | map(.id)' "$T/ledger.json")" \
    "with the same entry"

md restore "$T/b2" --to "$T/r2" > "$T/out" 2>&1
is "$?" 0 "restore of the older backup exits 0"
like "$(cat "$T/out")" 'erasure ledger: 1 entries replayed, 0 were in the backup already; removed 1 customers, 2 tickets, 0 messages in other tickets; compacted' \
    "it replayed the live store's ledger, and compacted"
grep -a -r -l -e "$XM" -e "$X" -e "Xaver" "$T/r2" > "$T/found"
is "$(cat "$T/found")" "" "grep -a over the restored store: no byte of him"
md --store "$T/r2" customer show "$X" > /dev/null 2>&1
is "$?" 1 "he is unknown there"
md --store "$T/r2" check > "$T/r2.check" 2>&1
is "$?" 0 "the restored copy checks clean"
like "$(cat "$T/r2.check")" '1 erasure ledger entries, 0 problems$' \
    "check: the ledger entry, and nothing of it left"
is "$(md --store "$T/r2" ledger export | jq -r '.entries[0].id')" \
    "$(jq -r '.entries[0].id' "$T/ledger.json")" \
    "the restored copy's ledger has the entry"

# Without the ledger he is back; a replay of the exported ledger erases
# him again.
md restore "$T/b2" --to "$T/r3" --no-ledger > "$T/out" 2>&1
is "$?" 0 "restore --no-ledger exits 0"
like "$(cat "$T/out")" 'warning: no erasure ledger replayed' "with a warning"
grep -a -q "$XM" "$T/r3/data.mdb" && ok "without the ledger he is back" ||
    not_ok "without the ledger he is back"
md --store "$T/r3" ledger replay "$T/ledger.json" > "$T/out" 2>&1
is "$?" 0 "ledger replay exits 0"
like "$(cat "$T/out")" '1 entries replayed, 0 known already; removed 1 customers, 2 tickets' \
    "it erased him"
grep -a -r -l -e "$XM" -e "$X" "$T/r3" > "$T/found"
is "$(cat "$T/found")" "" "and compacted: no byte of him"
md --store "$T/r3" ledger replay "$T/ledger.json" > "$T/out" 2>&1
like "$(cat "$T/out")" '0 entries replayed, 1 known already' \
    "a second replay changes nothing"
md --store "$T/r1" ledger replay "$T/nothing.json" > /dev/null 2> "$T/err"
is "$?" 64 "ledger replay of a missing file: exit 64"
echo '{"format": "maildesk-ledger", "version": 1, "store": "store:x", "entries": []}' \
    > "$T/other.json"
md ledger replay "$T/other.json" > /dev/null 2> "$T/err"
is "$?" 64 "a ledger of another store is refused"
like "$(cat "$T/err")" 'another store' "as another store's"
md restore "$T/b2" --to "$T/r-other" --ledger "$T/other.json" > /dev/null \
    2> "$T/err"
is "$?" 64 "restore --ledger with another store's ledger: exit 64"
[ ! -e "$T/r-other" ] && ok "nothing restored" || not_ok "nothing restored"

# --- A non-empty target ----------------------------------------------------
# It has a search index of its own, which a restore must not keep.
printf 'From: Late <late@example.org>\nTo: support@example.com\nSubject: Late\nMessage-ID: <late-r1@example.org>\n\nWord Rk4Replaced.\n' \
    > "$T/late.eml"
md --store "$T/r1" deliver --recipient support@example.com < "$T/late.eml"
is "$(md --store "$T/r1" search --json Rk4Replaced | jq length)" 1 \
    "the store there finds its own last mail"
before=$(sha256sum "$T/r1/data.mdb")
md restore "$T/b2" --to "$T/r1" > "$T/out" 2> "$T/err"
is "$?" 64 "restore over a store that has data: exit 64"
like "$(cat "$T/err")" '^maildesk: restore: .*/r1 is not empty \(it holds a store with [0-9]+ tickets\): add --force to replace it$' \
    "it says what is there and how to go on"
is "$(sha256sum "$T/r1/data.mdb")" "$before" "the store there is untouched"
md restore "$T/b2" --to "$T/full" > /dev/null 2> "$T/err"
is "$?" 64 "restore into a directory with other files: exit 64"
md restore "$T/b2" --to "$T/r1" --force > "$T/out" 2>&1
is "$?" 0 "--force replaces it"
like "$(cat "$T/out")" 'replacing the store there' "and says so"
is "$(md --store "$T/r1" ticket list --json | jq length)" \
    "$(jq -r '.counts.tickets - 2' "$T/b2/manifest.json")" \
    "it is the backup now, without Xaver's two tickets"
grep -a -q "$XM" "$T/r1/data.mdb" && not_ok "no byte of Xaver in it" ||
    ok "no byte of Xaver in it"
is "$(md --store "$T/r1" search --json Rk4Replaced | jq length)" 0 \
    "the search index went with the store it replaced"
md --store "$T/r1" check > "$T/r1.check" 2>&1
is "$?" 0 "the restored store and its new index check clean"

# --- The store lost: the ledger copy stands in -----------------------------
cat > "$T/lost.conf" <<EOC
[store]
path = $T/lost-store
[addresses]
support@example.com = support
[backup]
ledger-copy = $T/ledger-copy.json
EOC
"$MAILDESK" -c "$T/lost.conf" restore "$T/b2" --to "$T/lost-store" \
    > "$T/out" 2>&1
is "$?" 0 "with the store gone, restore takes [backup] ledger-copy"
like "$(cat "$T/out")" 'replaying the ledger copy' "and says so"
grep -a -q "$XM" "$T/lost-store/data.mdb" &&
    not_ok "Xaver stays erased" || ok "Xaver stays erased"
printf '[store]\npath = %s/gone\n' "$T" > "$T/gone.conf"
"$MAILDESK" -c "$T/gone.conf" restore "$T/b2" --to "$T/r-gone" \
    > /dev/null 2> "$T/err"
is "$?" 64 "no store and no ledger copy: exit 64"
like "$(cat "$T/err")" 'give --ledger FILE .*or --no-ledger' \
    "it asks for a ledger"

# --- contrib/backup/maildesk-backup keeps the newest -----------------------
mkdir "$T/nightly"
echo "not ours" > "$T/nightly/README"
i=1
while [ "$i" -le 3 ]; do
	MAILDESK="$MAILDESK" MAILDESK_CONFIG="$T/maildesk.conf" \
	    sh "$SRCDIR/contrib/backup/maildesk-backup" "$T/nightly" 2 \
	    > "$T/out" 2> "$T/err" || not_ok "maildesk-backup run $i" \
	    "$(cat "$T/err")"
	i=$((i + 1))
	[ "$i" -le 3 ] && sleep 1
done
is "$(ls "$T/nightly" | grep -c '^maildesk-')" 2 \
    "three runs with KEEP 2 leave two backups"
is "$(ls "$T/nightly" | grep -v '^maildesk-')" README \
    "and nothing else was touched"
newest=$(ls "$T/nightly" | grep '^maildesk-' | sort | tail -n 1)
is "$(jq -r .format "$T/nightly/$newest/manifest.json")" maildesk-backup \
    "the newest is a backup"
sh "$SRCDIR/contrib/backup/maildesk-backup" "$T/nightly" x > /dev/null 2>&1
is "$?" 64 "a KEEP that is no number: exit 64"

finish
