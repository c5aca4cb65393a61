#!/bin/sh
# SPDX-License-Identifier: MIT
# Every mail of the real-world corpus (tests/corpus/real-world) goes through deliver: exit 0,
# nothing on stdout or stderr, and `ticket raw` gives back exactly the bytes
# that went in (the SHA-256 in MANIFEST.tsv).  Then all of them into one
# store, where threading across them runs, and the store checks clean.
. "$(dirname "$0")/lib.sh"

: "${SHARED_CORPUS:?SHARED_CORPUS must point to tests/corpus/real-world}"
manifest="$SHARED_CORPUS/MANIFEST.tsv"
[ -r "$manifest" ] || bail "no $manifest"

setup_store
conf="$T/maildesk.conf"
total=0
bad=0
# Column 1: path, column 3: sha256 (header line skipped).
tail -n +2 "$manifest" | cut -f1,3 > "$T/list"
while IFS='	' read -r path sum; do
	total=$((total + 1))
	f="$SHARED_CORPUS/$path"
	store="$T/one"
	rm -rf "$store"
	"$MAILDESK" -c "$conf" --store "$store" init > /dev/null
	"$MAILDESK" -c "$conf" --store "$store" deliver \
	    --sender customer@example.net --recipient support@example.com \
	    < "$f" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver $path" "exit $rc, stderr: $(head -c 300 "$T/err")"
		bad=$((bad + 1))
		continue
	fi
	got=$("$MAILDESK" -c "$conf" --store "$store" ticket raw 1 1 |
	    sha256sum | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		not_ok "raw bytes of $path" "sha256 $got, want $sum"
		bad=$((bad + 1))
		continue
	fi
	# The parsed view must be valid JSON for every mail.
	if ! "$MAILDESK" -c "$conf" --store "$store" ticket show 1 --json |
	    jq -e '.messages | length == 1' > /dev/null; then
		not_ok "ticket show --json of $path"
		bad=$((bad + 1))
	fi
done < "$T/list"
is "$bad" 0 "all $total corpus mails delivered and kept byte for byte"
[ "$total" -gt 200 ] || not_ok "corpus has only $total mails"

# All into one store, as a mail server would see them over time.
fails=0
while IFS='	' read -r path sum; do
	md deliver --recipient support@example.com \
	    < "$SHARED_CORPUS/$path" > /dev/null 2>&1 || fails=$((fails + 1))
done < "$T/list"
is "$fails" 0 "all corpus mails delivered into one store"
# Nothing lost: each file is stored byte for byte, or it was a duplicate
# of a stored mail with the same Message-ID (comments and the white space
# of obsolete RFC 2822 syntax removed, as a parser does).
n=$(md ticket list --json | jq length)
i=1
while [ "$i" -le "$n" ]; do
	md ticket show "$i" --json |
	    jq -r '.messages[] | .raw_sha256, (.message_id // empty)'
	i=$((i + 1))
done | sort -u > "$T/stored"
lost=0
dups=0
while IFS='	' read -r path sum; do
	grep -qx "$sum" "$T/stored" && continue
	# Old Mac mail ends its lines in a bare CR.
	f="$SHARED_CORPUS/$path"
	if [ "$(head -c 65536 "$f" | tr -cd '\n' | wc -c)" -eq 0 ]; then
		tr '\r' '\n' < "$f"
	else
		cat "$f"
	fi > "$T/mail"
	id=$(sed -n '1,/^\r\{0,1\}$/p' "$T/mail" |
	    grep -i -m1 '^message-id[[:space:]]*:' |
	    sed 's/^[^:]*://; s/([^)]*)//g; s/[[:space:]<>]//g')
	if [ -n "$id" ] && grep -qxF "$id" "$T/stored"; then
		dups=$((dups + 1))
	else
		lost=$((lost + 1))
		printf '# not stored: %s\n' "$path"
	fi
done < "$T/list"
is "$lost" 0 "every corpus mail is in the store ($dups were duplicates)"
md check > "$T/check" 2>&1
is "$?" 0 "store checks clean after the corpus"
finish
