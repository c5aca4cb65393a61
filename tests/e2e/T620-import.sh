#!/bin/sh
# SPDX-License-Identifier: MIT
# import: the shared corpus as a Maildir and as an mbox gives the same
# tickets as delivering each mail; a second import adds nothing; import
# sends no mail.
. "$(dirname "$0")/lib.sh"

: "${SHARED_CORPUS:?SHARED_CORPUS must point to tests/corpus/real-world}"
setup_store "[smtp]" "port = 1"
tail -n +2 "$SHARED_CORPUS/MANIFEST.tsv" | cut -f1 > "$T/list"

# The reference: every mail delivered one by one.
while read -r path; do
	md deliver --recipient support@example.com \
	    < "$SHARED_CORPUS/$path" > /dev/null 2>&1 || echo "$path" >> "$T/fail"
done < "$T/list"
[ ! -s "$T/fail" ] && ok "the reference deliveries all succeed" ||
    not_ok "reference deliveries failed" "$(head -3 "$T/fail")"

# What a store holds, without the times of this run.
summary() {
	"$MAILDESK" -c "$T/maildesk.conf" --store "$1" ticket list --json |
	    jq -c 'sort_by(.number) | .[] | [.number, .status, .queue,
	        .subject, .customer.email, .messages]'
}
digests() {
	n=$("$MAILDESK" -c "$T/maildesk.conf" --store "$1" ticket list --json |
	    jq length)
	i=1
	while [ "$i" -le "$n" ]; do
		"$MAILDESK" -c "$T/maildesk.conf" --store "$1" ticket show "$i" \
		    --json | jq -r '.messages[] | [.kind, .raw_sha256] | @tsv'
		i=$((i + 1))
	done
}
summary "$T/store" > "$T/want.summary"
digests "$T/store" > "$T/want.digests"
[ -s "$T/want.summary" ] || bail "no reference tickets"

# A Maildir holding the corpus, in MANIFEST order.
mkdir -p "$T/Maildir/cur" "$T/Maildir/new" "$T/Maildir/tmp"
i=1000
while read -r path; do
	i=$((i + 1))
	cp "$SHARED_CORPUS/$path" "$T/Maildir/cur/$i.corpus:2,S"
done < "$T/list"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/md" init > /dev/null
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/md" import maildir \
    "$T/Maildir" --queue support > "$T/out" 2> "$T/err"
is "$?" 0 "import maildir exits 0"
like "$(cat "$T/out")" "^import: $(wc -l < "$T/list" | tr -d ' ') mails" \
    "it reports every mail"
summary "$T/md" > "$T/got.summary"
cmp -s "$T/want.summary" "$T/got.summary" &&
    ok "the Maildir import gives the same tickets as deliver" ||
    not_ok "Maildir import differs" "$(diff "$T/want.summary" "$T/got.summary" | head -5)"
digests "$T/md" > "$T/got.digests"
cmp -s "$T/want.digests" "$T/got.digests" &&
    ok "and the same mails, byte for byte" ||
    not_ok "Maildir import bytes differ"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/md" import maildir \
    "$T/Maildir" --queue support > "$T/out2"
like "$(cat "$T/out2")" ' 0 stored' "a second import adds nothing"
summary "$T/md" > "$T/again.summary"
cmp -s "$T/want.summary" "$T/again.summary" &&
    ok "the tickets are unchanged by it" || not_ok "second import changed tickets"
is "$("$MAILDESK" -c "$T/maildesk.conf" --store "$T/md" outbox --json | jq length)" 0 \
    "import queues no mail"

# An mboxrd of the same mails: ">From " quoting, a blank line between.
while read -r path; do
	printf 'From import@example.com Thu Jan  1 00:00:00 2026\n'
	sed 's/^\(>*From \)/>\1/' "$SHARED_CORPUS/$path"
	[ -n "$(tail -c 1 "$SHARED_CORPUS/$path")" ] && printf '\n'
	printf '\n'
done < "$T/list" > "$T/corpus.mbox"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/mb" init > /dev/null
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/mb" import mbox \
    "$T/corpus.mbox" --queue support > "$T/out" 2> "$T/err"
is "$?" 0 "import mbox exits 0"
summary "$T/mb" > "$T/got.summary"
cmp -s "$T/want.summary" "$T/got.summary" &&
    ok "the mbox import gives the same tickets as deliver" ||
    not_ok "mbox import differs" "$(diff "$T/want.summary" "$T/got.summary" | head -5)"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/mb" import mbox \
    "$T/corpus.mbox" --queue support > "$T/out2"
like "$(cat "$T/out2")" ' 0 stored' "a second mbox import adds nothing"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/mb" check > /dev/null
is "$?" 0 "the imported store checks clean"
printf 'not a mailbox\n' > "$T/bad"
"$MAILDESK" -c "$T/maildesk.conf" --store "$T/mb" import mbox "$T/bad" \
    > /dev/null 2> "$T/err"
is "$?" 64 "a file that is no mbox is refused"
like "$(cat "$T/err")" 'not an mbox' "with a clear message"
finish
