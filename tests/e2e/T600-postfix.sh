#!/bin/sh
# SPDX-License-Identifier: MIT
# A real Postfix in front of maildesk (issue 6).  A private Postfix instance
# lives entirely in the test's temp dir (config, queue, data, log, the
# customer's mailbox) and listens on a random loopback port only; it
# delivers nowhere but into that dir (default_transport = error).  Its
# maildesk service is contrib/postfix/master.cf, its transport map
# contrib/postfix/transport and its maildesk parameters
# contrib/postfix/main.cf.snippet, with only paths substituted; the command
# is an installed copy of maildesk (cmake --install with DESTDIR), run by
# pipe(8) as the user "maildesk", which owns the store.  maildesk's [smtp]
# relay is the same Postfix, so the acknowledgement goes back through it.
#
# Shown: a mail submitted with sendmail becomes ticket 1; the ack arrives
# in the customer's local mailbox with [Ticket#1] and a signed Reply-To; the
# customer's reply to that address lands in ticket 1; with the store
# unwritable a new mail is deferred (mailq shows it, nothing bounces) and
# after the fix and a queue flush it is a ticket.  Postfix is stopped at the
# end, and by the exit trap (or a guard process, should this shell be
# killed) whatever happens.
#
# The customer paula@example.net is a local(8) recipient: an aliases(5)
# entry in the instance's own alias map delivers to the mbox file
# $T/mail/paula (a delivery to a file, run as default_privs = nobody).  No
# Unix account is needed for her, and nothing is written outside $T.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pf-lib.sh"
MBOX=$T/mail/paula		# the customer's mailbox

# ---------------------------------------------------------------------
# The maildesk user and an installed maildesk.

maildesk_user
# Postfix's daemons, the maildesk user and nobody (local(8) delivering to
# a file) all need to reach into $T.
chmod 755 "$T"

# A staged install (DESTDIR) of the build tree $MAILDESK comes from: the
# layout of a system install, nothing written outside $T.  Not --prefix:
# the templates and the config go to absolute directories fixed when cmake
# configured the tree (/usr/local/share/maildesk/templates, /etc/maildesk),
# which --prefix does not move.
B=$(dirname "$MAILDESK")
if [ -f "$B/cmake_install.cmake" ] && command -v cmake > /dev/null 2>&1; then
	DESTDIR=$T/root cmake --install "$B" > "$T/install.log" 2>&1 ||
	    bail "cmake --install failed: $(tail -n 5 "$T/install.log")"
	BIN=$(find "$T/root" -path '*/bin/maildesk' -type f | head -n 1)
	TPL=$(find "$T/root" -name ack.en.txt -path '*/maildesk/templates/*' |
	    head -n 1)
	TPL=${TPL%/ack.en.txt}
	how="installed with cmake --install (DESTDIR=\$T/root)"
else
	# No build tree next to the binary: copy it (and maildesk-full, which
	# must stay beside it) instead.
	mkdir -p "$T/root/bin" "$T/root/templates"
	cp "$MAILDESK" "$T/root/bin/maildesk" || bail "cannot copy $MAILDESK"
	[ -x "$B/maildesk-full" ] && cp "$B/maildesk-full" "$T/root/bin/"
	cp "$SRCDIR"/contrib/templates/*.txt "$T/root/templates/"
	BIN=$T/root/bin/maildesk
	TPL=$T/root/templates
	how="copied from $B"
fi
[ -x "$BIN" ] || bail "no installed maildesk under $T/root"
[ -f "$TPL/ack.en.txt" ] || bail "no installed templates under $T/root"
chmod -R a+rX "$T/root"
echo "# maildesk: $BIN, $how"

# maildesk.conf: the store, our addresses, Postfix's smtpd as the relay.
# write_conf PORT
write_conf() {
	cat > "$T/maildesk.conf" <<EOC
[store]
path = $T/store
map-size-bytes = 268435456
[addresses]
support@example.com = support
sales@example.com = sales
[smtp]
host = 127.0.0.1
port = $1
timeout-seconds = 10
[templates]
dir = $TPL
EOC
	chmod 644 "$T/maildesk.conf"
}

# As contrib/postfix/README says: the store is created by its owner.
install -d -o maildesk -g maildesk -m 0750 "$T/store"

# ---------------------------------------------------------------------
# The Postfix instance.

pf_main_cf
# The installed maildesk reads its config from $MAILDESK_CONFIG, which
# pipe(8) passes on (export_environment); a system install would use
# /etc/maildesk/maildesk.conf without it.
postconf -c "$PF" -e \
    "import_environment = $(postconf -c "$PF" -d -h import_environment) MAILDESK_CONFIG=$T/maildesk.conf" \
    "export_environment = $(postconf -c "$PF" -d -h export_environment) MAILDESK_CONFIG" ||
    bail "postconf -e failed"
# contrib/postfix/main.cf.snippet: only the transport map's path differs.
sed "s|/etc/postfix/|$PF/|g" "$SRCDIR/contrib/postfix/main.cf.snippet" \
    >> "$PF/main.cf"
# contrib/postfix/transport as it is, compiled.
cp "$SRCDIR/contrib/postfix/transport" "$PF/transport"
postmap -c "$PF" "$PF/transport" || bail "postmap transport failed"
pf_aliases

# master.cf: the daemons a small instance needs (no chroot: nothing of the
# host is copied into the queue), smtpd on 127.0.0.1:PORT, and then
# contrib/postfix/master.cf with the path of the command substituted.
# write_master PORT
write_master() {
	cat > "$PF/master.cf" <<EOM
127.0.0.1:$1 inet n - n - - smtpd
EOM
	pf_daemons >> "$PF/master.cf"
	sed "s|/usr/local/bin/maildesk|$BIN|g" \
	    "$SRCDIR/contrib/postfix/master.cf" >> "$PF/master.cf"
}

write_master 25
grep -q "argv=$BIN deliver" "$PF/master.cf" ||
    bail "contrib/postfix/master.cf has no argv=/usr/local/bin/maildesk"
grep -q "^transport_maps = hash:$PF/transport" "$PF/main.cf" ||
    bail "contrib/postfix/main.cf.snippet has no /etc/postfix/transport"

# The maildesk service, as Postfix reads it.
is "$(postconf -c "$PF" -M maildesk/unix | tr -s ' ')" \
    "maildesk unix - n n - - pipe flags=Rq user=maildesk argv=$BIN deliver --sender \${sender} --recipient \${recipient}" \
    "master.cf: the maildesk pipe(8) service from contrib/, path substituted"
is "$(postconf -c "$PF" -h maildesk_destination_recipient_limit recipient_delimiter | tr '\n' ' ')" \
    "1 + " "main.cf: the maildesk parameters from contrib/"
is "$(postmap -c "$PF" -q support@example.com "hash:$PF/transport")" \
    "maildesk:" "transport map: support@example.com goes to maildesk:"

pf_check

pf_start_on_port
MASTER_PID=$(sed -n '1s/[^0-9]//gp' "$PFQ/pid/master.pid")
ok "a private Postfix runs (master $MASTER_PID, smtpd on 127.0.0.1:$PORT)"
if command -v ss > /dev/null 2>&1; then
	is "$(_sink_ss "$PORT" | awk '{ print $4 }' | sort -u | tr '\n' ' ')" \
	    "127.0.0.1:$PORT " "its smtpd listens on loopback only"
fi

write_conf "$PORT"
runuser -u maildesk -- "$BIN" -c "$T/maildesk.conf" init > "$T/init.log" 2>&1 ||
    bail "maildesk init as maildesk failed: $(cat "$T/init.log")"

# ---------------------------------------------------------------------
# Helpers.

tickets() {
	jqr 'length' ticket list --json
}

show() {
	jqr "$2" ticket show "$1" --json
}

tickets_are() {
	[ "$(tickets)" = "$1" ]
}

# mbox_count: how many mails the customer's mailbox holds.
mbox_count() {
	if [ -f "$MBOX" ]; then
		grep -c '^From ' "$MBOX"
	else
		echo 0
	fi
}

mbox_count_is() {
	[ "$(mbox_count)" = "$1" ]
}

# mbox_msg N: mail N (from 1) of the mailbox, without its "From " line.
mbox_msg() {
	[ -f "$MBOX" ] || return 0
	awk -v n="$1" '/^From / { i++; next } i == n' "$MBOX"
}

# mbox_envelope N: the sender on the "From " line of mail N.
mbox_envelope() {
	[ -f "$MBOX" ] || return 0
	awk -v n="$1" '/^From / { if (++i == n) { print $2; exit } }' "$MBOX"
}

# hdr NAME: the values of header NAME of the mail on stdin, unfolded.
hdr() {
	awk -v n="$1" '
	    function out(h,   i, v) {
		i = index(h, ":")
		if (i > 1 && tolower(substr(h, 1, i - 1)) == tolower(n)) {
			v = substr(h, i + 1)
			sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v)
			print v
		}
	    }
	    /^$/ { exit }
	    /^[ \t]/ { h = h $0; next }
	    { if (h != "") out(h); h = $0 }
	    END { if (h != "") out(h) }'
}

# addr_of VALUE: the address in "Name <a@b>" or "a@b".
addr_of() {
	printf '%s\n' "$1" | sed -n '1{s/.*<\([^>]*\)>.*/\1/;p;}'
}


# submit FILE RECIPIENT: sendmail(1) of this instance, as the customer.
submit() {
	sendmail -C "$PF" -f paula@example.net -- "$2" < "$1" \
	    > "$T/sendmail.out" 2>&1
	rc=$?
}

# smtp_submit FILE RECIPIENT: the same through this instance's smtpd, as
# the customer's mail server would (python3's smtplib); sets $rc.
smtp_submit() {
	python3 - "$PORT" paula@example.net "$2" "$1" > "$T/smtp.out" 2>&1 <<'EOP'
import smtplib, sys
port, sender, rcpt, path = sys.argv[1:5]
with open(path, "rb") as f:
    data = f.read()
with smtplib.SMTP("127.0.0.1", int(port), "client.example.net", 10) as s:
    s.sendmail(sender, [rcpt], data)
EOP
	rc=$?
}

# ---------------------------------------------------------------------
# (1) A mail to support@ becomes a ticket.

cat > "$T/m1.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Printer on fire
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <pf-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

My printer is on fire.  Token-pf1-4711.
EOM
submit "$T/m1.eml" support@example.com
is "$rc" 0 "sendmail -C accepts the mail to support@example.com"
wait_for 30 tickets_are 1
is "$(tickets)" 1 "Postfix delivered it to maildesk: ticket 1"
is "$(show 1 '.subject')" "Printer on fire" "ticket 1: the subject"
is "$(show 1 '.customer.email')" paula@example.net "ticket 1: the customer"
is "$(show 1 '[.messages[] | select(.direction == "in")] | .[0] |
    .envelope_sender + " " + .recipient')" \
    "paula@example.net support@example.com" \
    "pipe(8) passed --sender and --recipient"
like "$(md ticket raw 1 1 2> /dev/null | head -n 1)" \
    '^Return-Path: <paula@example\.net>' \
    "flags=R: the stored mail starts with Return-Path"
like "$(show 1 '.messages[0].headers[] | select(.[0] == "Received") | .[1]' |
    tr '\n' ' ')" 'by mx\.example\.com \(Postfix' \
    "the stored mail passed through this Postfix"
like "$(grep 'to=<support@example.com>' "$PF_LOG" | grep relay=maildesk)" \
    'status=sent \(delivered via maildesk service\)' \
    "the log: relay=maildesk, status=sent"
is "$(find "$T/store" -type f ! -user maildesk | wc -l | tr -d ' ')" 0 \
    "every file in the store belongs to the maildesk user"

# ---------------------------------------------------------------------
# (2) The acknowledgement, through the same Postfix, in paula's mailbox.

wait_for 30 mbox_count_is 1
is "$(mbox_count)" 1 "one mail arrived in the customer's mailbox"
mbox_msg 1 > "$T/ack.eml"
is "$(hdr Subject < "$T/ack.eml")" "[Ticket#1] Printer on fire" \
    "it is the acknowledgement: Subject [Ticket#1] Printer on fire"
is "$(mbox_envelope 1)" support@example.com \
    "its envelope sender is support@example.com"
is "$(hdr Delivered-To < "$T/ack.eml")" paula@example.net \
    "delivered locally to paula@example.net"
like "$(hdr Received < "$T/ack.eml" | head -n 1)" \
    '\[127\.0\.0\.1\]\)[[:space:]]+by mx\.example\.com \(Postfix\) with E?SMTP' \
    "maildesk handed it to this Postfix's smtpd on loopback"
is "$(hdr In-Reply-To < "$T/ack.eml")" "<pf-1@example.net>" \
    "In-Reply-To: the customer's Message-ID"
R1=$(addr_of "$(hdr Reply-To < "$T/ack.eml")")
like "$R1" '^support\+1\.[0-9]+\.[0-9a-f]{12}@example\.com$' \
    "Reply-To: the signed address support+1.<day>.<mac>@example.com"
grep -q 'Token-pf1-4711' "$T/ack.eml" &&
    not_ok "the ack does not quote the customer's text" ||
    ok "the ack does not quote the customer's text"
is "$(jqr 'length' outbox --json)" 0 "maildesk's outbox is empty"

# ---------------------------------------------------------------------
# (3) paula answers to the Reply-To address: into ticket 1.

cat > "$T/m2.eml" <<EOM
From: Paula Probe <paula@example.net>
To: ${R1:-support+1.1.000000000000@example.com}
Subject: Still burning
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: <pf-2@example.net>

The fire brigade is here now.  Token-pf2-0815.
EOM
submit "$T/m2.eml" "${R1:-support+1.1.000000000000@example.com}"
is "$rc" 0 "sendmail accepts the reply to the signed address"
in_count() {
	[ "$(show 1 '[.messages[] | select(.direction == "in")] | length')" = "$1" ]
}
wait_for 30 in_count 2
is "$(show 1 '[.messages[] | select(.direction == "in")] | length')" 2 \
    "the reply is the second customer message of ticket 1"
is "$(tickets)" 1 "it opens no ticket"
is "$(show 1 '.messages[] | select(.message_id == "pf-2@example.net") |
    .recipient')" "${R1:-(no Reply-To)}" \
    "maildesk got the signed address as --recipient"
like "$(grep "to=<${R1:-none}>" "$PF_LOG")" \
    'relay=maildesk.*status=sent' \
    "recipient_delimiter: the transport map's support@ line took it"

# Once more over SMTP: smtpd accepts the signed address (the local part
# "support" is known to local_recipient_maps through the alias; the
# extension is removed for the lookup, README section 4).
if have_python; then
	sed 's/pf-2@/pf-2b@/; s/Token-pf2-0815/Token-pf2b-0816/' "$T/m2.eml" \
	    > "$T/m2b.eml"
	smtp_submit "$T/m2b.eml" "${R1:-support+1.1.000000000000@example.com}"
	is "$rc" 0 "smtpd on 127.0.0.1:$PORT accepts a reply to the signed address"
	[ "$rc" -eq 0 ] || echo "# $(cat "$T/smtp.out")"
	wait_for 30 in_count 3
	is "$(show 1 '[.messages[] | select(.direction == "in")] | length')" 3 \
	    "the reply sent over SMTP is the third customer message of ticket 1"
	like "$(show 1 '.messages[] | select(.message_id == "pf-2b@example.net") |
	    .headers[] | select(.[0] == "Received") | .[1]' | tr '\n' ' ')" \
	    'from client\.example\.net \([a-z]+ \[127\.0\.0\.1\]\)' \
	    "it came in through smtpd"
	is "$(tickets)" 1 "it opens no ticket either"
else
	skip "a reply over SMTP to the signed address" "no python3"
fi
sleep 1
is "$(mbox_count)" 1 "a reply gets no acknowledgement"

# ---------------------------------------------------------------------
# (4) The store unwritable: Postfix defers, nothing bounces; fixed and
# flushed, the mail is a ticket.

mode=$(stat -c %a "$T/store")
chmod 000 "$T/store"
cat > "$T/m3.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Scanner jammed
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <pf-3@example.net>

The scanner is jammed as well.  Token-pf3-2222.
EOM
submit "$T/m3.eml" support@example.com
is "$rc" 0 "sendmail accepts a mail while the store is unwritable"
wait_for 30 queue_deferred 1
queue_deferred 1 && ok "Postfix deferred it: the deferred queue holds it" ||
    not_ok "Postfix deferred it" "$(postqueue -c "$PF" -p; tail -n 5 "$PF_LOG")"
postqueue -c "$PF" -p > "$T/mailq" 2>&1
like "$(cat "$T/mailq")" 'support@example\.com' \
    "mailq (postqueue -p) shows the mail for support@example.com"
like "$(cat "$T/mailq")" 'maildesk: deliver: ' \
    "with maildesk's one-line reason"
like "$(grep 'to=<support@example.com>' "$PF_LOG" | grep relay=maildesk |
    tail -n 1)" 'status=deferred' "the log says status=deferred"
log_has 'status=bounced' && not_ok "nothing bounced (log)" \
    "$(grep 'status=bounced' "$PF_LOG")" || ok "nothing bounced (log)"
is "$(tickets)" 1 "no ticket yet"
sleep 1
is "$(mbox_count)" 1 "no bounce (and no ack) in the customer's mailbox"

chmod "$mode" "$T/store"
postqueue -c "$PF" -f
wait_for 30 tickets_are 2
is "$(tickets)" 2 "store fixed, queue flushed: the mail is ticket 2"
is "$(show 2 '.subject')" "Scanner jammed" "ticket 2: the subject"
wait_for 10 queue_empty
queue_empty && ok "the queue is empty" ||
    not_ok "the queue is empty" "$(postqueue -c "$PF" -p)"
like "$(grep 'to=<support@example.com>' "$PF_LOG" | grep relay=maildesk |
    tail -n 1)" 'status=sent' "the log says status=sent for the retry"
wait_for 30 mbox_count_is 2
is "$(mbox_count)" 2 "the customer's mailbox: the ack of ticket 2 arrived"
mbox_msg 2 | hdr Subject > "$T/ack2.subject"
is "$(cat "$T/ack2.subject")" "[Ticket#2] Scanner jammed" \
    "it is the acknowledgement of ticket 2"
is "$(awk '/^From / { print $2 }' "$MBOX" 2> /dev/null |
    grep -c -i -v '^support@example\.com$')" 0 \
    "nothing from MAILER-DAEMON in the customer's mailbox"
[ ! -e "$T/mail/misrouted" ] && [ ! -e "$T/mail/postmaster" ] &&
    ok "no mail for support@ went to the local alias, none to postmaster" ||
    not_ok "no misrouted mail" "$(ls -l "$T/mail")"
is "$(find "$T/store" -type f ! -user maildesk | wc -l | tr -d ' ')" 0 \
    "every file in the store still belongs to the maildesk user"
md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
grep -Eq '(fatal|panic):' "$PF_LOG" &&
    not_ok "no fatal error in the Postfix log" \
    "$(grep -E '(fatal|panic):' "$PF_LOG" | head -n 3)" ||
    ok "no fatal error in the Postfix log"

# ---------------------------------------------------------------------
# Stop Postfix; nothing of it runs any more.  Its processes are found by
# their working directory: every Postfix daemon works in queue_directory.

like "$(pf_procs)" " $MASTER_PID( |\$)" \
    "before the stop, the master is found among this instance's processes"
postfix -c "$PF" stop > "$T/stop.log" 2>&1
is "$?" 0 "postfix stop"
PF_STARTED=""
left=""
i=0
while [ "$i" -lt 20 ]; do
	left=$(pf_procs)
	[ -z "$left" ] && ! kill -0 "$MASTER_PID" 2> /dev/null && break
	sleep 0.25
	i=$((i + 1))
done
is "$left" "" "no Postfix process of this instance is left"
kill -0 "$MASTER_PID" 2> /dev/null && not_ok "the master has exited" ||
    ok "the master has exited"
finish
