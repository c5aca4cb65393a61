#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end throughput behind a real Postfix: Postfix's smtp-source sends
# N 4 KB mails over loopback SMTP, with C connections, to a private Postfix
# instance (tests/e2e/pf-lib.sh) that delivers them to
#
#   discard   Postfix's discard(8): the ceiling, Postfix alone
#   pipe      maildesk deliver through pipe(8) (contrib/postfix/master.cf)
#   lmtpd     maildesk lmtpd through lmtp(8)
#   dovecot   dovecot's LMTP server into a Maildir (mail_fsync = optimized)
#
# and, without Postfix, smtp-source speaking LMTP straight to the two
# servers (lmtpd-direct, dovecot-direct): what the agents take by
# themselves, where Postfix is the limit.
#
# at C = 1, 4 and 16 connections, Postfix's delivery concurrency set to C
# as well.  Printed per run: mails per second from the start of
# smtp-source until Postfix has logged the last delivery, and the median
# and 99th percentile of Postfix's delay (queue arrival to the delivery
# agent's answer: the 250 after the commit for LMTP, the exit of deliver
# for pipe(8); Postfix logs it to 10 ms).  Then "a lone mail": the time
# one LMTP transaction takes (connect to the 250), lmtpd and dovecot,
# against procmail and `maildesk deliver` delivering the same mail, the
# median of R each.  maildesk acknowledges every mail (the rate limit is
# lifted) through an smtp-sink on loopback.
#
#   flock /var/lock/bench.lock tests/bench/mta-bench.sh [-n N] [-c "1 4 16"]
#       [-r R] [-v "discard pipe lmtpd dovecot lmtpd-direct dovecot-direct"]
#       [-o FILE]
#
# Needs root, postfix (smtp-source), procmail, dovecot-lmtpd, python3,
# jq, util-linux (setpriv).  Timings are never asserted: a script, not a
# test.
set -u

N=1000
CONNS="1 4 16"
LONE=50
VARIANTS="discard pipe lmtpd dovecot lmtpd-direct dovecot-direct"
OUT=
while getopts n:c:r:v:o: opt; do
	case $opt in
	n) N=$OPTARG ;; c) CONNS=$OPTARG ;; r) LONE=$OPTARG ;;
	v) VARIANTS=$OPTARG ;; o) OUT=$OPTARG ;;
	*) exit 64 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "mta-bench: needs root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$here/../.." && pwd)
MAILDESK=${MAILDESK:-$SRCDIR/build/maildesk}
export MAILDESK SRCDIR
for c in smtp-source smtp-sink procmail dovecot python3 jq setpriv; do
	command -v "$c" > /dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v "$c" > /dev/null 2>&1 ||
	    { echo "mta-bench: $c not found" >&2; exit 1; }
done
[ -x /usr/lib/dovecot/lmtp ] ||
    { echo "mta-bench: dovecot-lmtpd not installed" >&2; exit 1; }

# The test libraries give the temp dir $T, the private Postfix, and a
# copy of maildesk that the maildesk user can run; their TAP lines go to
# the log.
. "$SRCDIR/tests/e2e/lib.sh" > /dev/null
. "$SRCDIR/tests/e2e/pf-lib.sh" > "$T/setup.log"
maildesk_user
copy_maildesk
BIN=$T/bin/maildesk
FULL=$T/bin/maildesk-full
[ -x "$FULL" ] || FULL=$BIN
TPL=$T/templates
chmod 755 "$T"
LMTPD_PID=""
DOVECOT_PID=""
SINK=""
stop_all() {
	[ -z "$LMTPD_PID" ] || kill "$LMTPD_PID" 2> /dev/null
	[ -z "$DOVECOT_PID" ] || kill "$DOVECOT_PID" 2> /dev/null
	[ -z "$SINK" ] || kill "$SINK" 2> /dev/null
	wait 2> /dev/null
	pf_stop
	_lib_cleanup
}
trap stop_all EXIT
say() { echo "mta-bench: $*" >&2; }

# ---------------------------------------------------------------------
# The relay for maildesk's acknowledgements: an smtp-sink that keeps
# nothing.

SINK_P=$(_sink_random_port)
smtp-sink -u nobody "127.0.0.1:$SINK_P" 256 > "$T/sink.log" 2>&1 &
SINK=$!

# ---------------------------------------------------------------------
# Postfix: one address per variant.

pf_main_cf
sed "s|/etc/postfix/|$PF/|g" "$SRCDIR/contrib/postfix/main.cf.snippet" \
    >> "$PF/main.cf"
cat > "$PF/transport" <<EOT
discard@example.com     discard:
pipe@example.com        maildesk:
lmtpd@example.com       lmtp:unix:$T/lmtp/sock
dovecot@example.com     lmtp:unix:$T/dovecot/lmtp
EOT
postmap -c "$PF" "$PF/transport"
{
	echo "postmaster: $T/mail/postmaster"
	for a in discard pipe lmtpd dovecot; do
		echo "$a: $T/mail/misrouted"
	done
} > "$PF/aliases"
postalias -c "$PF" "$PF/aliases"
# pipe(8) runs the copy of maildesk with the config of the pipe variant.
postconf -c "$PF" -e \
    "import_environment = $(postconf -c "$PF" -d -h import_environment) MAILDESK_CONFIG=$T/maildesk.conf" \
    "export_environment = $(postconf -c "$PF" -d -h export_environment) MAILDESK_CONFIG"
write_master() {  # PORT
	{
		echo "127.0.0.1:$1 inet n - n - - smtpd"
		pf_daemons
		echo 'lmtp      unix  -       -       n       -       -       lmtp'
		sed "s|/usr/local/bin/maildesk|$BIN|g" \
		    "$SRCDIR/contrib/postfix/master.cf"
	} > "$PF/master.cf"
}
write_master 25
pf_check
pf_start_on_port
say "Postfix on 127.0.0.1:$PORT, smtp-sink (acks) on 127.0.0.1:$SINK_P"

# maildesk: one store for pipe(8), one for lmtpd; every mail acknowledged.
conf() {  # FILE STORE
	cat > "$1" <<EOF
[store]
path = $2
map-size-bytes = 4294967296
[addresses]
pipe@example.com = support
lmtpd@example.com = support
[smtp]
host = 127.0.0.1
port = $SINK_P
[templates]
dir = $TPL
[ack]
per-hour = 1000000
per-day = 1000000
[lmtp]
listen = unix:$T/lmtp/sock
EOF
	chmod 644 "$1"
	install -d -o maildesk -g maildesk -m 0750 "$2"
	runuser -u maildesk -- "$BIN" -c "$1" init > /dev/null
}
conf "$T/maildesk.conf" "$T/store"
conf "$T/lmtpd.conf" "$T/store-lmtpd"
install -d -o maildesk -g postfix -m 2750 "$T/lmtp"
setpriv --reuid=maildesk --regid=maildesk --clear-groups \
    "$FULL" -c "$T/lmtpd.conf" lmtpd > "$T/lmtpd.log" 2>&1 &
LMTPD_PID=$!

# dovecot: LMTP into Maildirs under $T/dovecot/mail, as user nobody.
mkdir -p "$T/dovecot/run" "$T/dovecot/state" "$T/dovecot/mail"
chown nobody:nogroup "$T/dovecot/mail"
cat > "$T/dovecot/dovecot.conf" <<EOF
protocols = lmtp
ssl = no
base_dir = $T/dovecot/run
state_dir = $T/dovecot/state
log_path = $T/dovecot/dovecot.log
info_log_path = /dev/null
mail_location = maildir:$T/dovecot/mail/%n/Maildir
mail_fsync = optimized
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$T/dovecot/mail/%n
}
passdb {
  driver = static
  args = nopassword=y
}
service lmtp {
  unix_listener $T/dovecot/lmtp {
    mode = 0666
  }
}
EOF
dovecot -F -c "$T/dovecot/dovecot.conf" > /dev/null 2>&1 &
DOVECOT_PID=$!
i=0
while { [ ! -S "$T/lmtp/sock" ] || [ ! -S "$T/dovecot/lmtp" ]; } &&
    [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$T/lmtp/sock" ] || { say "lmtpd did not start"; exit 1; }
[ -S "$T/dovecot/lmtp" ] || { say "dovecot did not start"; exit 1; }

# ---------------------------------------------------------------------
# Runs.

sent_count() {  # ADDRESS
	grep -c "to=<$1>.*status=sent" "$PF_LOG"
}

# direct AGENT SOCKET C: N mails straight into an LMTP server, smtp-source
# speaking LMTP with C connections, no Postfix: the agent's own capacity.
# Prints "rate - -" (smtp-source ends when every mail got its 250).
direct() {
	local t0 t1
	t0=$EPOCHREALTIME
	smtp-source -L -s "$3" -m "$N" -l 4096 -f customer@example.net \
	    -t "$1@example.com" -S "Direct at $3" "unix:$2"
	t1=$EPOCHREALTIME
	echo "$N / ($t1 - $t0)" | bc -l | awk '{ printf "%.0f - -\n", $1 }'
}

# run VARIANT C: N mails with C connections; prints "rate p50 p99".
run() {
	local v=$1 c=$2 before t0 t1 n
	case $v in
	lmtpd-direct) direct lmtpd "$T/lmtp/sock" "$c"; return ;;
	dovecot-direct) direct dovecot "$T/dovecot/lmtp" "$c"; return ;;
	esac
	postconf -c "$PF" -e "initial_destination_concurrency = $c" \
	    "default_destination_concurrency_limit = $c" \
	    "maildesk_destination_concurrency_limit = $c" \
	    "lmtp_destination_concurrency_limit = $c"
	postfix -c "$PF" reload > /dev/null 2>&1
	sleep 1
	sync
	before=$(sent_count "$v@example.com")
	t0=$EPOCHREALTIME
	smtp-source -s "$c" -m "$N" -l 4096 -f customer@example.net \
	    -t "$v@example.com" -S "Load at $c" "127.0.0.1:$PORT"
	while :; do
		n=$(( $(sent_count "$v@example.com") - before ))
		[ "$n" -ge "$N" ] && break
		sleep 0.05
	done
	t1=$EPOCHREALTIME
	grep "to=<$v@example.com>.*status=sent" "$PF_LOG" | tail -n "$N" |
	    sed -n 's/.* delay=\([0-9.]*\),.*/\1/p' | sort -n |
	    awk -v n="$N" -v t="$(echo "$t1 - $t0" | bc -l)" '
		{ d[NR] = $1 }
		END {
			p50 = d[int((NR + 1) / 2)]; p99 = d[int(NR * 0.99 + 0.999)]
			printf "%.0f %.0f %.0f\n", n / t, p50 * 1000, p99 * 1000
		}'
}

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
declare -A R
for c in $CONNS; do
	for v in $VARIANTS; do
		say "$v, $c connections, $N mails"
		R[$v,$c]=$(run "$v" "$c")
		say "  ${R[$v,$c]} (mails/s, p50 ms, p99 ms)"
	done
done

# ---------------------------------------------------------------------
# A lone mail: one LMTP transaction, and procmail and deliver on the
# same mail, one after the other, R times each.

mkdir -p "$T/procmail"
chown nobody "$T/procmail"
printf 'SHELL=/bin/sh\nMAILDIR=%s/procmail\nDEFAULT=%s/procmail/Maildir/\n' \
    "$T" "$T" > "$T/procmail.rc"
chmod 644 "$T/procmail.rc"
lone_mail() {  # ID
	printf 'From: Lone Customer <lone.%s@example.net>\n' "$1"
	printf 'To: lmtpd@example.com\nSubject: One mail\n'
	printf 'Message-ID: <lone.%s.%s@example.net>\n\n' "$1" "$$"
	head -c 4000 /dev/zero | tr '\0' 'x' | fold -w 72
}
lone_lmtp() {  # SOCKET RCPT: prints the ms of each of R transactions
	python3 - "$1" "$2" "$LONE" "$$" <<'EOP'
import socket, sys, time
path, rcpt, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
body = b"x" * 72 + b"\r\n"
for i in range(n):
    msg = (b"From: Lone Customer <lone.%d@example.net>\r\nTo: %s\r\n"
           b"Subject: One mail\r\nMessage-ID: <lmtp.%d.%s.%s@example.net>"
           b"\r\n\r\n" % (i, rcpt.encode(), i, tag.encode(),
           path.encode().replace(b"/", b".")) + body * 55)
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rb")
    def reply():
        while True:
            l = f.readline()
            if l[3:4] != b"-":
                return l[:3]
    reply()
    s.sendall(b"LHLO bench\r\nMAIL FROM:<lone.%d@example.net>\r\n"
              b"RCPT TO:<%s>\r\nDATA\r\n" % (i, rcpt.encode()))
    for _ in range(4):
        reply()
    s.sendall(msg + b".\r\n")
    code = reply()
    t1 = time.perf_counter()
    s.sendall(b"QUIT\r\n")
    s.close()
    if code != b"250":
        sys.exit("lmtp: " + code.decode())
    print("%.3f" % ((t1 - t0) * 1000))
EOP
}
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }
lone_cmd() {  # CMD...: prints the ms of each of R runs on fresh mails
	local i s e
	for ((i = 0; i < LONE; i++)); do
		lone_mail "$i.$RANDOM" > "$T/lone.eml"
		chmod 644 "$T/lone.eml"
		s=$EPOCHREALTIME
		"$@" < "$T/lone.eml" 2> /dev/null
		e=$EPOCHREALTIME
		echo "($e - $s) * 1000" | bc -l
		senders_wait "$T/store"
	done
}
say "a lone mail, $LONE times each"
L_LMTPD=$(lone_lmtp "$T/lmtp/sock" lmtpd@example.com | median)
L_DOVECOT=$(lone_lmtp "$T/dovecot/lmtp" dovecot@example.com | median)
L_PROCMAIL=$(lone_cmd setpriv --reuid=nobody --regid=nogroup --clear-groups \
    procmail -m "$T/procmail.rc" | median)
L_DELIVER=$(lone_cmd setpriv --reuid=maildesk --regid=maildesk --clear-groups \
    env MAILDESK_CONFIG="$T/maildesk.conf" "$BIN" deliver \
    --recipient pipe@example.com | median)

# ---------------------------------------------------------------------
# Report.

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
report() {
	echo "## maildesk behind Postfix: end-to-end benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs; file system $(stat -f -c %T "$T")"
	echo "- maildesk git $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null); $(postconf -d -h mail_version | sed 's/^/Postfix /'); dovecot $(dovecot --version | cut -d' ' -f1)"
	echo "- load average (1 min) at the start: $LOAD0, at the end: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shares its $(nproc) CPUs and disk)"
	echo "- $N mails of 4 KB per run (smtp-source -l 4096), every maildesk mail acknowledged through an smtp-sink on loopback"
	echo "- mails/s: from the start of smtp-source to Postfix's log of the last delivery; p50/p99: Postfix's delay (arrival to the agent's answer, 10 ms resolution); *-direct: smtp-source -L straight into the LMTP server, no Postfix, until the last 250"
	echo
	echo "| connections | agent | mails/s | p50 ms | p99 ms | vs discard | vs dovecot |"
	echo "|---:|---|---:|---:|---:|---:|---:|"
	for c in $CONNS; do
		for v in $VARIANTS; do
			local dv=dovecot
			case $v in *-direct) dv=dovecot-direct ;; esac
			set -- ${R[$v,$c]}
			printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$c" "$v" \
			    "$1" "$2" "$3" \
			    "$(ratio "$1" "$(echo ${R[discard,$c]:-0} | cut -d' ' -f1)")" \
			    "$(ratio "$1" "$(echo ${R[$dv,$c]:-0} | cut -d' ' -f1)")"
		done
	done
	echo
	echo "A lone 4 KB mail, median of $LONE (ms): lmtpd $L_LMTPD (one LMTP transaction, connect to 250); dovecot LMTP $L_DOVECOT; procmail $L_PROCMAIL; maildesk deliver $L_DELIVER (process start to exit).  lmtpd / procmail = $(ratio "$L_LMTPD" "$L_PROCMAIL")."
}
if [ -n "$OUT" ]; then
	report | tee "$OUT"
else
	report
fi
