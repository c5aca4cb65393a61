#!/bin/sh
# SPDX-License-Identifier: MIT
# Postfix runs several deliveries at once: 8 concurrent deliver processes,
# 200 mails in all (new requests and replies threading into them), into one
# store.  All exit 0, each mail is stored exactly once, the store checks clean.
. "$(dirname "$0")/lib.sh"

setup_store
mkdir "$T/mails" "$T/rc"
i=1
while [ "$i" -le 200 ]; do
	c=$(( (i - 1) % 40 + 1 ))	# 40 customers, 5 mails each
	if [ "$i" -le 40 ]; then
		refs=""
		subj="Request $c"
	else
		refs="In-Reply-To: <m$c@conc.test>
References: <m$c@conc.test>"
		subj="Re: Request $c"
	fi
	{
		printf 'From: Customer %s <c%s@example.net>\n' "$c" "$c"
		printf 'To: support@example.com\nSubject: %s\n' "$subj"
		printf 'Message-ID: <m%s@conc.test>\n' "$i"
		[ -n "$refs" ] && printf '%s\n' "$refs"
		printf 'Date: Tue, 03 Mar 2026 09:00:00 +0000\n\nBody %s\n' "$i"
	} > "$T/mails/$i.eml"
	i=$((i + 1))
done

# Requests first (so replies have something to thread to), then the rest,
# each phase 8 processes at a time.
run() {
	for n in "$@"; do echo "$n"; done | xargs -P 8 -I{} sh -c '
	    "$0" -c "$1" deliver --recipient support@example.com \
	        < "$2/mails/{}.eml" 2> "$2/rc/{}.err"
	    echo $? > "$2/rc/{}"' "$MAILDESK" "$T/maildesk.conf" "$T"
}
run $(seq 1 40)
run $(seq 41 200)

fails=$(cat "$T"/rc/[0-9]* | grep -vc '^0$')
is "$fails" 0 "all 200 concurrent deliveries exit 0"
is "$(cat "$T"/rc/*.err | wc -c)" 0 "none printed anything"
is "$(md ticket list --json | jq '[.[].messages] | add')" 200 \
    "200 messages stored"
is "$(md ticket list --json | jq length)" 40 \
    "replies threaded into the 40 tickets"
is "$(md ticket list --json | jq '[.[] | select(.messages == 5)] | length')" 40 \
    "each ticket holds its customer's 5 mails"
ids=$(i=1; while [ $i -le 40 ]; do md ticket show $i --json |
    jq -r '.messages[].message_id'; i=$((i + 1)); done | sort -u | wc -l)
is "$ids" 200 "each mail stored exactly once"
md check > "$T/check"
is "$?" 0 "the store checks clean"

# Everything again, all at once: every one is a duplicate.
run $(seq 1 200)
fails=$(cat "$T"/rc/[0-9]* | grep -vc '^0$')
is "$fails" 0 "200 concurrent redeliveries exit 0"
is "$(md ticket list --json | jq '[.[].messages] | add')" 200 \
    "redeliveries stored nothing twice"
finish
