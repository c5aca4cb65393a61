#!/bin/sh
# SPDX-License-Identifier: MIT
# Erasure while mail keeps coming in: `customer erase` ends with a
# compacting copy of the store swapped in, and deliveries running at the
# same time must be stored or deferred with 75, never lost.
# 1. 40 deliveries, 4 at a time, while a customer with 30 big tickets is
#    erased and the store compacted: each exits 0 or 75, the deferred ones
#    are stored when the MTA retries, each Message-ID is in the store once.
# 2. Compaction that has to wait (a flush talking to a slow relay keeps the
#    store open): deliveries arriving meanwhile wait at the gate, run into
#    their time limit and exit 75; retried, they are stored.
# 3. Two erasures at once: both finish.
# 4. An erasure while a flush is sending the person's mail: the flush does
#    not put it back.
. "$(dirname "$0")/lib.sh"

# conf: the config for the relay on $SINK_PORT, with a short watchdog, so
# that a delivery held up by a compaction defers soon.
conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
	    "timeout-seconds = 20" \
	    "[outbox]" "deliver-flush-seconds = 0" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" \
	    "[deliver]" "time-limit-seconds = 2"
}
start_sink
conf
S="$T/store"
mkdir "$T/mails" "$T/rc"

# now_ms: the time in milliseconds.
now_ms() {
	date +%s%3N
}

# bigmail FROM ID MARK: a mail with a 150 KB attachment.
BLOB=$(head -c 110000 /dev/urandom | base64)
bigmail() {
	cat <<EOM
From: $1
To: support@example.com
Subject: Big one $2 $3
Message-ID: <$2@big.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

$3
--b1
Content-Type: application/octet-stream; name="$3-$2.bin"
Content-Disposition: attachment; filename="$3-$2.bin"
Content-Transfer-Encoding: base64

$BLOB
--b1--
EOM
}

# small FROM ID: a short customer mail, in $T/mails/ID.eml.
small() {
	cat > "$T/mails/$2.eml" <<EOM
From: $1
To: support@example.com
Subject: Concurrent $2
Date: Tue, 03 Mar 2026 09:00:00 +0000
Message-ID: <$2@conc.test>

Body of $2.
EOM
}

# run_batch P PAUSE IDS...: delivers $T/mails/ID.eml, P at a time, each
# after PAUSE seconds; exit status in $T/rc/ID, start and end (ms) in
# $T/rc/ID.t.
run_batch() {
	_p=$1
	_pause=$2
	shift 2
	for _n in "$@"; do echo "$_n"; done | xargs -P "$_p" -I{} sh -c '
	    sleep "$3"
	    s=$(date +%s%3N)
	    "$0" -c "$1" deliver --recipient support@example.com \
	        < "$2/mails/{}.eml" > /dev/null 2> "$2/rc/{}.err"
	    echo $? > "$2/rc/{}"
	    echo "$s $(date +%s%3N)" > "$2/rc/{}.t"' \
	    "$MAILDESK" "$T/maildesk.conf" "$T" "$_pause"
}

# retry IDS...: delivers again, one by one, each that exited 75, up to 3
# times, as the MTA would; prints how many were deferred at first.
retry() {
	_deferred=0
	for _n in "$@"; do
		[ "$(cat "$T/rc/$_n")" = 75 ] || continue
		_deferred=$((_deferred + 1))
		_try=0
		while [ "$_try" -lt 3 ] && [ "$(cat "$T/rc/$_n")" = 75 ]; do
			md deliver --recipient support@example.com \
			    < "$T/mails/$_n.eml" > /dev/null 2>&1
			echo $? > "$T/rc/$_n"
			_try=$((_try + 1))
		done
	done
	echo "$_deferred"
}

# statuses IDS...: the distinct exit statuses, sorted, space separated.
statuses() {
	for _n in "$@"; do cat "$T/rc/$_n"; done | sort -u | tr '\n' ' ' |
	    sed 's/ $//'
}

# msgids: every Message-ID in the store, one a line.
msgids() {
	for _n in $(md ticket list --json | jq '.[].number'); do
		md ticket show "$_n" --json | jq -r '.messages[].message_id'
	done
}

# once IDS...: the IDs whose Message-ID is not in the store exactly once.
once() {
	msgids > "$T/ids"
	for _n in "$@"; do
		[ "$(grep -c -x -F "$_n@conc.test" "$T/ids")" -eq 1 ] ||
		    printf '%s ' "$_n"
	done
}

# ====================================================================
# 1. Deliveries during erase and compaction
# ====================================================================
X=xena.bulk@example.net
XMARK=XbMarker-48213
i=1
while [ "$i" -le 30 ]; do
	bigmail "Xena Bulk <$X>" "x$i" "$XMARK" > "$T/big.eml"
	md deliver --sender "$X" --recipient support@example.com \
	    < "$T/big.eml" > /dev/null 2>&1 || not_ok "deliver x$i"
	i=$((i + 1))
done
Y=yuri.stays@example.org
YMARK=YsMarker-11872
bigmail "Yuri Stays <$Y>" y1 "$YMARK" > "$T/big.eml"
md deliver --sender "$Y" --recipient support@example.com \
    < "$T/big.eml" > /dev/null 2>&1 || not_ok "deliver y1"
is "$(md customer show "$X" --json | jq '.tickets | length')" 30 \
    "Xena has 30 tickets with a 150 KB attachment each"

ids=""
i=1
while [ "$i" -le 40 ]; do
	small "Customer $i <c$i@example.com>" "a$i"
	ids="$ids a$i"
	i=$((i + 1))
done

# The erasure starts once the first deliveries are done, while the rest
# keep coming.
run_batch 4 0 $ids &
batch=$!
w=0
while [ "$(ls "$T/rc" | grep -c '^a[0-9]*$')" -lt 4 ] && [ "$w" -lt 200 ]; do
	sleep 0.01
	w=$((w + 1))
done
es=$(now_ms)
md customer erase "$X" --yes > "$T/erase.out" 2> "$T/erase.err"
erc=$?
ee=$(now_ms)
wait "$batch"

is "$erc" 0 "customer erase exits 0 while deliveries run"
like "$(cat "$T/erase.out")" '^compacted' "and compacted the store"
during=0
for n in $ids; do
	read -r s e < "$T/rc/$n.t"
	[ "$s" -le "$ee" ] && [ "$e" -ge "$es" ] && during=$((during + 1))
done
[ "$during" -gt 0 ] &&
    ok "$during deliveries ran while erase and compaction ran" ||
    not_ok "deliveries ran while erase and compaction ran" \
    "none overlapped the erasure ($es..$ee ms)"
like "$(statuses $ids)" '^(0|0 75|75)$' "every delivery exited 0 or 75"
deferred=$(retry $ids)
printf '# %s of 40 deferred with 75 at first\n' "$deferred"
is "$(statuses $ids)" 0 "after the MTA's retries, every delivery exited 0"
is "$(once $ids)" "" "each of the 40 Message-IDs is in the store exactly once"
md customer show "$X" > /dev/null 2>&1
is "$?" 1 "the erased customer is gone"
is "$(md ticket list --customer "$X" --json | jq length)" 0 \
    "with all her tickets"
is "$(find "$S" -type f -exec cat {} + | grep -a -c -e "$XMARK" -e "$X")" 0 \
    "no file of the store holds her marker or address"
[ "$(grep -a -c "$YMARK" "$S/data.mdb")" -gt 0 ] &&
    ok "the other customer's data is there" ||
    not_ok "the other customer's data is there"
md check > "$T/check" 2>&1
is "$?" 0 "check: clean"

# ====================================================================
# 2. Compaction that waits; deliveries defer with 75
# ====================================================================
# Send what phase 1 queued; then a relay that takes 5 s to answer DATA.
md flush > /dev/null 2>&1
is "$(md outbox --json | jq length)" 0 "the outbox is empty"
stop_sink
start_sink -w 5
conf
Z=zora.gone@example.net
bigmail "Zora Gone <$Z>" z1 ZgMarker-5501 > "$T/big.eml"
md deliver --sender "$Z" --recipient support@example.com \
    < "$T/big.eml" > /dev/null 2>&1 || not_ok "deliver z1"
ids2=""
i=1
while [ "$i" -le 8 ]; do
	small "Late $i <late$i@example.com>" "b$i"
	ids2="$ids2 b$i"
	i=$((i + 1))
done
is "$(md outbox --json | jq length)" 1 "the outbox holds one mail to send"

# The flush talks to a relay that takes 5 s to answer DATA: it keeps the
# store open all that time, so the erasure's compaction has to wait for
# it, and keeps newcomers out while it waits.
md flush > "$T/flush.out" 2>&1 &
flush=$!
sleep 0.5
md customer erase "$Z" --yes > "$T/erase2.out" 2> "$T/erase2.err" &
erase=$!
sleep 0.5
s2=$(now_ms)
run_batch 8 0 $ids2
e2=$(now_ms)
wait "$erase"
erc=$?
wait "$flush"

is "$erc" 0 "the erasure that had to wait exits 0"
like "$(cat "$T/erase2.out")" 'compacted' "after compacting"
is "$(statuses $ids2)" 75 \
    "the 8 deliveries held up past their time limit exited 75"
like "$(cat "$T/rc/b1.err")" 'time limit' "saying they will be retried"
[ $((e2 - s2)) -lt 4500 ] &&
    ok "they gave up after their time limit, not after the compaction" ||
    not_ok "they gave up after their time limit" "$((e2 - s2)) ms"
is "$(msgids | grep -c '^b[0-9]*@conc\.test$')" 0 \
    "none of them was stored half"
retry $ids2 > /dev/null
is "$(statuses $ids2)" 0 "retried, all 8 exit 0"
is "$(once $ids2)" "" "each is in the store exactly once"
md customer show "$Z" > /dev/null 2>&1
is "$?" 1 "the second erased customer is gone"
is "$(once $ids)" "" "the 40 earlier mails are all still there"
md check > /dev/null 2>&1
is "$?" 0 "check: clean"

# ====================================================================
# 3. Two erasures at once
# ====================================================================
# An officer's erasure while another runs (or while the daily expire
# does): both must finish, one after the other, and the one that reaches
# the compaction second must not wait for ever for the first, keeping
# every delivery out meanwhile.  To have both in the store at the same
# moment, mdb_load(1) holds LMDB's writer lock for 2 s (loading nothing),
# so both have opened the store before either can write.
if command -v mdb_load > /dev/null 2>&1; then
	for c in u v; do
		small "Pair $c <pair.$c@example.com>" "p$c"
		md deliver --recipient support@example.com \
		    < "$T/mails/p$c.eml" > /dev/null 2>&1 || not_ok "deliver p$c"
	done
	{
		printf 'VERSION=3\nformat=bytevalue\ndatabase=meta\n'
		printf 'type=btree\nHEADER=END\n'
		sleep 2
		printf 'DATA=END\n'
	} | mdb_load "$S" &
	holder=$!
	sleep 0.5
	timeout 20 "$MAILDESK" -c "$T/maildesk.conf" customer erase \
	    pair.u@example.com --yes > "$T/erase-u.out" 2>&1 &
	eu=$!
	timeout 20 "$MAILDESK" -c "$T/maildesk.conf" customer erase \
	    pair.v@example.com --yes > "$T/erase-v.out" 2>&1
	rv=$?
	wait "$eu"
	ru=$?
	wait "$holder"
	is "$ru $rv" "0 0" "two erasures at the same time both finish"
	md customer list --json > "$T/customers.json"
	is "$(jq '[.[] | select(.email | startswith("pair."))] | length' \
	    "$T/customers.json")" 0 "both customers are gone"
	md compact > /dev/null 2>&1
	is "$?" 0 "a compact afterwards exits 0"
else
	skip "two erasures at the same time both finish" \
	    "mdb_load (lmdb-utils) not installed"
fi
small "After <after@example.com>" c1
md deliver --recipient support@example.com < "$T/mails/c1.eml" \
    > /dev/null 2>&1
is "$?" 0 "deliveries go on afterwards"
is "$(once a1 b1 c1)" "" "and are stored"
md check > /dev/null 2>&1
is "$?" 0 "check: clean"

# ====================================================================
# 4. An erasure while a flush sends the person's mail
# ====================================================================
# The relay takes 3 s to answer DATA and then defers the mail (4xx at the
# end of the data).  The erasure removes the outbox entry while the flush
# is talking to the relay; the flush must not write it back when it
# records the outcome, or the compaction that follows would keep it.
stop_sink
start_sink
conf
md flush > /dev/null 2>&1
stop_sink
start_sink -w 3 -r .
conf
E4=erin.flushed@example.net
small "Erin Flushed <$E4>" e1
md deliver --sender "$E4" --recipient support@example.com \
    < "$T/mails/e1.eml" > /dev/null 2>&1 || not_ok "deliver e1"
is "$(md outbox --json | jq -c --arg e "$E4" '[.[] | .to | index($e)]')" \
    "[0]" "her acknowledgement waits in the outbox, alone"
md flush > "$T/flush4.out" 2>&1 &
flush=$!
sleep 1
md customer erase "$E4" --yes > "$T/erase4.out" 2>&1
is "$?" 0 "the erasure during the flush exits 0"
wait "$flush"
like "$(cat "$T/flush4.out")" '1 deferred' "the relay deferred her mail"
is "$(md outbox --json | jq --arg e "$E4" '[.[] | select(.to | index($e))] |
    length')" 0 "the flush did not put her mail back into the outbox"
is "$(find "$S" -type f -exec cat {} + | grep -a -c -F "$E4")" 0 \
    "no file of the store holds her address"
md check > /dev/null 2>&1
is "$?" 0 "check: clean"
finish
