# SPDX-License-Identifier: MIT
# A private Postfix instance for the end-to-end tests (T600, T640),
# living entirely in the test's temp dir (config, queue, data, log, the
# customer's mailbox) and listening on a random loopback port only; it
# delivers nowhere but into that dir (default_transport = error).  Source
# it after lib.sh, as root.  It gives:
#
#   the maildesk user, and a staged install of the build tree: $BIN (the
#   installed maildesk), $FULL (maildesk-full, empty when there is none),
#   $TPL (the templates)
#   pf_create SNIPPET TRANSPORT   the instance's config
#   write_master PORT             master.cf, with the lines of $PF_SERVICES
#   pf_start                      starts it ($PORT, $MASTER_PID)
#   write_conf PORT [LINE...]     maildesk.conf, this Postfix as the relay
#   helpers to read the tickets, the queue, the log and paula's mailbox
#
# The customer paula@example.net is a local(8) recipient: an aliases(5)
# entry in the instance's own alias map delivers to the mbox file
# $T/mail/paula (a delivery to a file, run as default_privs = nobody).  No
# Unix account is needed for her, and nothing is written outside $T.
# Postfix is stopped by the exit trap, or by a guard process should the
# test's shell be killed.

PATH=$PATH:/usr/sbin:/sbin
for c in postfix postconf postmap postalias postqueue sendmail runuser \
    setsid jq; do
	command -v "$c" > /dev/null 2>&1 ||
	    bail "$c not found (CI installs postfix, jq, util-linux)"
done

PF=$T/pf			# config_directory
PFQ=$T/pf-queue			# queue_directory
PFD=$T/pf-data			# data_directory
PF_LOG=$T/postfix.log		# maillog_file
MBOX=$T/mail/paula		# the customer's mailbox
PF_STARTED=""
PF_GUARD=""

# pf_stop: stops the instance (if it runs) and the guard.
pf_stop() {
	if [ -n "$PF_STARTED" ]; then
		postfix -c "$PF" stop > /dev/null 2>&1
		PF_STARTED=""
	fi
	if [ -n "$PF_GUARD" ]; then
		kill -- "-$PF_GUARD" 2> /dev/null
		PF_GUARD=""
	fi
}
trap 'pf_stop; _lib_cleanup' EXIT
trap 'pf_stop; _lib_cleanup; exit 130' INT
trap 'pf_stop; _lib_cleanup; exit 143' TERM

# pf_guard: a process outside this shell's process tree (so that a test
# timeout killing the tree leaves it alone) that stops the instance once
# this shell is gone without running its trap.
pf_guard() {
	(
		trap - EXIT INT TERM
		setsid sh -c 'while kill -0 "$1" 2> /dev/null; do sleep 1; done
		    postfix -c "$2" stop' sh "$$" "$PF" \
		    < /dev/null > /dev/null 2>&1 &
		echo "$!"
	) > "$T/guard.pid"
	PF_GUARD=$(cat "$T/guard.pid")
}

# ---------------------------------------------------------------------
# The maildesk user and an installed maildesk.

if ! id maildesk > /dev/null 2>&1; then
	# Another test may be creating it at the same time.
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin maildesk \
	    > "$T/useradd.log" 2>&1 || id maildesk > /dev/null 2>&1 ||
	    bail "cannot create the maildesk user: $(cat "$T/useradd.log")"
fi
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
FULL=$(find "$T/root" -name maildesk-full -type f | head -n 1)
echo "# maildesk: $BIN, $how"

# maildesk.conf: the store, our addresses, Postfix's smtpd as the relay,
# and LINEs ("[group]", "key = value") after that.
# write_conf PORT [LINE...]
write_conf() {
	_port=$1
	shift
	cat > "$T/maildesk.conf" <<EOC
[store]
path = $T/store
map-size-bytes = 268435456
[addresses]
support@example.com = support
sales@example.com = sales
[smtp]
host = 127.0.0.1
port = $_port
timeout-seconds = 10
[templates]
dir = $TPL
EOC
	for _l in "$@"; do
		printf '%s\n' "$_l" >> "$T/maildesk.conf"
	done
	chmod 644 "$T/maildesk.conf"
}

# As contrib/postfix/README says: the store is created by its owner.
install -d -o maildesk -g maildesk -m 0750 "$T/store"

# ---------------------------------------------------------------------
# The Postfix instance.

# pf_create SNIPPET TRANSPORT: main.cf (Debian's default, then what keeps
# the instance private, then the lines of SNIPPET), the transport map
# TRANSPORT, compiled, and the aliases.  SNIPPET and TRANSPORT are written
# for /etc/postfix, as those in contrib/postfix/ are.
pf_create() {
	mkdir -p "$PF" "$PFQ" "$PFD" "$T/mail"
	: > "$PF/master.cf"
	chown postfix "$PFD"
	chown nobody "$T/mail"

	if [ -r /usr/share/postfix/main.cf.debian ]; then
		cp /usr/share/postfix/main.cf.debian "$PF/main.cf"
	else
		: > "$PF/main.cf"
	fi
	postconf -c "$PF" -e \
	    "compatibility_level = 3.6" \
	    "config_directory = $PF" \
	    "queue_directory = $PFQ" \
	    "data_directory = $PFD" \
	    "maillog_file_prefixes = $T" \
	    "maillog_file = $PF_LOG" \
	    "syslog_name = postfix-maildesk-test" \
	    "myhostname = mx.example.com" \
	    "mydomain = example.com" \
	    "myorigin = example.com" \
	    "mydestination = example.com, example.net" \
	    "inet_interfaces = loopback-only" \
	    "inet_protocols = ipv4" \
	    "mynetworks = 127.0.0.0/8" \
	    "smtpd_peername_lookup = no" \
	    "default_transport = error:this test instance delivers nowhere else" \
	    "relay_transport = error:this test instance delivers nowhere else" \
	    "alias_maps = hash:$PF/aliases" \
	    "alias_database = hash:$PF/aliases" \
	    "delay_warning_time = 0" \
	    "biff = no" || bail "postconf -e failed"
	# The installed maildesk reads its config from $MAILDESK_CONFIG,
	# which pipe(8) passes on (export_environment); a system install
	# would use /etc/maildesk/maildesk.conf without it.
	postconf -c "$PF" -e \
	    "import_environment = $(postconf -c "$PF" -d -h import_environment) MAILDESK_CONFIG=$T/maildesk.conf" \
	    "export_environment = $(postconf -c "$PF" -d -h export_environment) MAILDESK_CONFIG" ||
	    bail "postconf -e failed"
	sed "s|/etc/postfix/|$PF/|g" "$1" >> "$PF/main.cf"
	cp "$2" "$PF/transport"
	postmap -c "$PF" "$PF/transport" || bail "postmap transport failed"
	# The customer's mailbox is a file; support@ and sales@ must be
	# known local recipients for smtpd (contrib/postfix/README, section
	# 4): should the transport map not take them, their mail ends up in
	# $T/mail/misrouted.
	cat > "$PF/aliases" <<EOA
postmaster: $T/mail/postmaster
MAILER-DAEMON: postmaster
paula: $MBOX
support: $T/mail/misrouted
sales: $T/mail/misrouted
EOA
	postalias -c "$PF" "$PF/aliases" || bail "postalias failed"
}

# master.cf: the daemons a small instance needs (no chroot: nothing of the
# host is copied into the queue), smtpd on 127.0.0.1:PORT, and then the
# lines of the file $PF_SERVICES.
# write_master PORT
write_master() {
	cat > "$PF/master.cf" <<EOM
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOM
	[ -z "${PF_SERVICES:-}" ] || cat "$PF_SERVICES" >> "$PF/master.cf"
}

# pf_start: starts the instance from a fresh state on a random free port
# of 127.0.0.1 (sets $PORT and $MASTER_PID), with its guard.
pf_start() {
	# "postfix check" creates the queue directories with their owners
	# and modes (post-install create-missing).
	write_master 25
	postfix -c "$PF" check > "$T/check.log" 2>&1 ||
	    bail "postfix check failed: $(cat "$T/check.log"; tail -n 5 "$PF_LOG")"
	# Start again on another port should it be taken between the look
	# and the bind.
	PORT=""
	_tries=0
	while [ "$_tries" -lt 10 ]; do
		_tries=$((_tries + 1))
		_p=$(_sink_random_port)
		_sink_busy "$_p" && continue
		write_master "$_p"
		if postfix -c "$PF" start > "$T/start.log" 2>&1; then
			PORT=$_p
			PF_STARTED=1
			break
		fi
		postfix -c "$PF" stop > /dev/null 2>&1
	done
	[ -n "$PORT" ] ||
	    bail "Postfix did not start: $(cat "$T/start.log"; tail -n 5 "$PF_LOG")"
	pf_guard
	MASTER_PID=$(sed -n '1s/[^0-9]//gp' "$PFQ/pid/master.pid")
}

# ---------------------------------------------------------------------
# Helpers.

tickets() {
	jqr 'length' ticket list --json
}

show() {
	jqr "$2" ticket show "$1" --json
}

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds, flushing the
# queue every few seconds; 1 when it never did.
wait_for() {
	_n=$(($1 * 4))
	shift
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		"$@" && return 0
		sleep 0.25
		_i=$((_i + 1))
		[ $((_i % 12)) -eq 0 ] && postqueue -c "$PF" -f > /dev/null 2>&1
	done
	"$@"
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

# qids: the queue ids in the Postfix queue, one a line.
qids() {
	postqueue -c "$PF" -j 2> /dev/null | jq -r '.queue_id'
}

queue_deferred() {
	[ "$(postqueue -c "$PF" -j 2> /dev/null |
	    jq -r 'select(.queue_name == "deferred") | .queue_id' |
	    wc -l | tr -d ' ')" = "$1" ]
}

queue_empty() {
	[ -z "$(qids)" ]
}

log_has() {
	grep -Eq -- "$1" "$PF_LOG" 2> /dev/null
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

