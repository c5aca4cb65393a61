#!/bin/sh
# SPDX-License-Identifier: MIT
# A real Postfix in front of `maildesk lmtpd` (a private instance,
# pf-lib.sh): support@ and sales@ go to lmtp:unix:SOCKET, as in
# contrib/postfix/main.cf.lmtp and transport.lmtp; the server runs as the
# maildesk user, its socket in a directory of group postfix.
#
# Shown: mail through LMTP becomes a ticket, stored as deliver stores it
# (Return-Path first), and its acknowledgement reaches the customer; with
# the server stopped (SIGTERM: it exits 0 and removes its socket) the mail
# waits in Postfix's queue and nothing bounces; started again, the queue
# drains into the store; a kill -9 while Postfix delivers many mails
# loses none that got a 250, and after a restart every mail is stored
# exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pf-lib.sh"
command -v setpriv > /dev/null 2>&1 || bail "setpriv not found (util-linux)"

MBOX=$T/mail/paula		# the customer's mailbox
SOCK=$T/lmtp/sock
LMTPD_PID=""

maildesk_user
copy_maildesk
# lmtpd lives in maildesk-full beside a lean maildesk, else in maildesk.
FULL=$T/bin/maildesk-full
[ -x "$FULL" ] || FULL=$T/bin/maildesk
# Postfix's daemons, the maildesk user and nobody (local(8) delivering to
# a file) all need to reach into $T.
chmod 755 "$T"
install -d -o maildesk -g maildesk -m 0750 "$T/store"

lmtpd_start() {
	setpriv --reuid=maildesk --regid=maildesk --clear-groups \
	    "$FULL" -c "$T/maildesk.conf" lmtpd >> "$T/lmtpd.log" 2>&1 &
	LMTPD_PID=$!
	_i=0
	while [ ! -S "$SOCK" ] && [ "$_i" -lt 100 ]; do
		kill -0 "$LMTPD_PID" 2> /dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S "$SOCK" ] || bail "lmtpd did not start: $(tail -n 3 "$T/lmtpd.log")"
}

# The server is ours: stop it with the test, whatever happens.
trap '[ -z "$LMTPD_PID" ] || kill -9 "$LMTPD_PID" 2> /dev/null; pf_stop;
    _lib_cleanup' EXIT

# The socket's directory: the maildesk user creates the socket, Postfix's
# lmtp(8) (user postfix) connects; the set-group-ID bit gives the socket
# the group postfix.
install -d -o maildesk -g postfix -m 2750 "$T/lmtp"

# The instance: contrib/postfix/main.cf.lmtp and transport.lmtp with the
# socket's path; Postfix's own lmtp(8), without chroot here.
pf_main_cf
sed "s|/etc/postfix/|$PF/|g" "$SRCDIR/contrib/postfix/main.cf.lmtp" \
    >> "$PF/main.cf"
sed "s|private/maildesk|$SOCK|" "$SRCDIR/contrib/postfix/transport.lmtp" \
    > "$PF/transport"
postmap -c "$PF" "$PF/transport" || bail "postmap transport failed"
pf_aliases
is "$(postmap -c "$PF" -q support@example.com "hash:$PF/transport")" \
    "lmtp:unix:$SOCK" "transport map: support@example.com goes to LMTP"

# write_master PORT: smtpd on 127.0.0.1:PORT, the daemons, lmtp(8).
write_master() {
	{
		echo "127.0.0.1:$1 inet n - n - - smtpd"
		pf_daemons
		echo 'lmtp      unix  -       -       n       -       -       lmtp'
	} > "$PF/master.cf"
}
write_master 25
pf_check
pf_start_on_port
ok "a private Postfix runs (smtpd on 127.0.0.1:$PORT)"

cat > "$T/maildesk.conf" <<EOC
[store]
path = $T/store
map-size-bytes = 268435456
[addresses]
support@example.com = support
sales@example.com = sales
[smtp]
host = 127.0.0.1
port = $PORT
timeout-seconds = 10
[templates]
dir = $T/templates
[lmtp]
listen = unix:$SOCK
EOC
chmod 644 "$T/maildesk.conf"
runuser -u maildesk -- "$T/bin/maildesk" -c "$T/maildesk.conf" init \
    > "$T/init.log" 2>&1 ||
    bail "maildesk init as maildesk failed: $(cat "$T/init.log")"
lmtpd_start
is "$(stat -c '%U %G %a' "$SOCK")" "maildesk postfix 660" \
    "the socket: the maildesk user's, group postfix, mode 660"

tickets() {
	jqr 'length' ticket list --json
}
tickets_are() {
	[ "$(tickets)" = "$1" ]
}
show() {
	jqr "$2" ticket show "$1" --json
}
mbox_count() {
	if [ -f "$MBOX" ]; then grep -c '^From ' "$MBOX"; else echo 0; fi
}
mbox_count_is() {
	[ "$(mbox_count)" = "$1" ]
}
# mbox_subject N: the Subject of mail N (from 1) in the mailbox.
mbox_subject() {
	awk -v n="$1" '/^From / { i++; next }
	    i == n && /^Subject: / { sub(/^Subject: /, ""); print; exit }' "$MBOX"
}
# submit FILE RECIPIENT: sendmail(1) of this instance, as the customer.
submit() {
	sendmail -C "$PF" -f paula@example.net -- "$2" < "$1" \
	    > "$T/sendmail.out" 2>&1
	rc=$?
}

# mail ID SUBJECT: a mail from paula with Message-ID <ID@example.net>.
mail() {
	printf 'From: Paula Probe <paula@example.net>\nTo: support@example.com\n'
	printf 'Subject: %s\nMessage-ID: <%s@example.net>\n' "$2" "$1"
	printf 'Date: Mon, 02 Mar 2026 10:00:00 +0100\n\nText of %s.\n' "$1"
}

# ---------------------------------------------------------------------
# (1) Through LMTP into a ticket; the acknowledgement comes back.

mail lm-1 "Printer on fire" > "$T/m1.eml"
submit "$T/m1.eml" support@example.com
is "$rc" 0 "sendmail accepts the mail to support@example.com"
wait_for 30 tickets_are 1
is "$(tickets)" 1 "lmtpd stored it: ticket 1"
is "$(show 1 '.subject')" "Printer on fire" "ticket 1: the subject"
is "$(show 1 '[.messages[] | select(.direction == "in")] | .[0] |
    .envelope_sender + " " + .recipient')" \
    "paula@example.net support@example.com" \
    "the envelope: MAIL FROM and RCPT TO"
like "$(md ticket raw 1 1 2> /dev/null | head -n 1)" \
    '^Return-Path: <paula@example\.net>' \
    "the stored mail starts with Return-Path, as pipe(8) flags=R gives"
like "$(grep 'to=<support@example.com>' "$PF_LOG" | grep 'relay=' | tail -n 1)" \
    'status=sent \(250 2\.0\.0 <support@example\.com> stored\)' \
    "the log: status=sent with lmtpd's 250 for the recipient"
wait_for 30 mbox_count_is 1
is "$(mbox_count)" 1 "the acknowledgement reached the customer"
is "$(mbox_subject 1)" "[Ticket#1] Printer on fire" \
    "it is the acknowledgement of ticket 1"
is "$(jqr 'length' outbox --json)" 0 "the outbox is empty"

# ---------------------------------------------------------------------
# (2) The server stopped: the mail waits, nothing bounces.

kill -TERM "$LMTPD_PID"
wait "$LMTPD_PID"
is "$?" 0 "SIGTERM: lmtpd exits 0"
LMTPD_PID=""
[ ! -e "$SOCK" ] && ok "it removed its socket" || not_ok "it removed its socket"
mail lm-2 "Scanner jammed" > "$T/m2.eml"
submit "$T/m2.eml" support@example.com
wait_for 30 queue_deferred 1
queue_deferred 1 && ok "Postfix deferred the mail: the deferred queue holds it" ||
    not_ok "Postfix deferred the mail" "$(postqueue -c "$PF" -p; tail -n 3 "$PF_LOG")"
log_has 'status=bounced' && not_ok "nothing bounced" \
    "$(grep 'status=bounced' "$PF_LOG")" || ok "nothing bounced"
is "$(tickets)" 1 "no ticket for it yet"

lmtpd_start
postqueue -c "$PF" -f
wait_for 30 tickets_are 2
is "$(show 2 '.subject')" "Scanner jammed" "started again, the queue drains: ticket 2"
wait_for 10 queue_empty
queue_empty && ok "the queue is empty" || not_ok "the queue is empty"

# ---------------------------------------------------------------------
# (3) kill -9 while Postfix delivers many mails at once.

N=120
i=1
while [ "$i" -le "$N" ]; do
	mail "load-$i" "Load $i" > "$T/load-$i.eml"
	i=$((i + 1))
done
i=1
while [ "$i" -le "$N" ]; do
	sendmail -C "$PF" -f paula@example.net -- support@example.com \
	    < "$T/load-$i.eml" > /dev/null 2>&1 &
	i=$((i + 1))
done
wait_some() {
	[ "$(tickets)" -ge 7 ]
}
wait_for 30 wait_some
kill -9 "$LMTPD_PID"
wait "$LMTPD_PID" 2> /dev/null
LMTPD_PID=""
before=$(tickets)
echo "# killed with $((before - 2)) of the $N load mails stored"
wait
# Every mail that got a 250 before the kill: its queue id, its Message-ID.
grep 'status=sent (250 2.0.0 <support@example.com> stored)' "$PF_LOG" |
    sed -n 's/.*postfix-maildesk-test\/lmtp\[[0-9]*\]: \([0-9A-F]*\): .*/\1/p' |
    sort -u > "$T/sent.qids"
: > "$T/sent.ids"
while read -r q; do
	sed -n "s/.* $q: message-id=<\(load-[0-9]*\)@example.net>.*/\1/p" \
	    "$PF_LOG" >> "$T/sent.ids"
done < "$T/sent.qids"
md ticket list --json | jq -r '.[].subject' | sort > "$T/stored.subjects"
missing=0
while read -r id; do
	grep -qx "Load ${id#load-}" "$T/stored.subjects" || missing=$((missing + 1))
done < "$T/sent.ids"
like "$(wc -l < "$T/sent.ids")" '^[1-9]' "some load mails got a 250 before the kill"
is "$missing" 0 "every mail that got a 250 before the kill is in the store"

lmtpd_start
postqueue -c "$PF" -f
all_loads() {
	[ "$(md ticket list --json | jq '[.[] | select(.subject | startswith("Load "))] | length')" = "$N" ]
}
wait_for 60 all_loads
wait_for 20 queue_empty
is "$(md ticket list --json | jq '[.[] | select(.subject | startswith("Load "))] | length')" \
    "$N" "after a restart all $N load mails are stored"
is "$(md ticket list --json | jq -r '.[].subject' | sort | uniq -d | wc -l | tr -d ' ')" \
    0 "each exactly once"
queue_empty && ok "Postfix's queue is empty" || not_ok "Postfix's queue is empty"
log_has 'status=bounced' && not_ok "nothing bounced" || ok "nothing bounced"
md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"

kill -TERM "$LMTPD_PID"
wait "$LMTPD_PID"
is "$?" 0 "SIGTERM at the end: lmtpd exits 0"
LMTPD_PID=""
finish
