# SPDX-License-Identifier: MIT
# A private Postfix instance for the end-to-end tests, entirely inside the
# test's temp dir: its config, queue, data and log.  Source it after
# lib.sh; it replaces lib.sh's traps so that the instance is stopped on
# exit, and pf_guard stops it should this shell be killed without running
# them.  Needs root (else the test is skipped), Postfix, util-linux and jq.
#
#   pf_main_cf       main.cf from Debian's, loopback only, delivering nowhere
#                    but where the test says (default_transport = error)
#   pf_aliases       the customer's mailbox $MBOX, support@ and sales@
#   pf_daemons       the master.cf lines of the daemons a small instance
#                    needs, without chroot and without smtpd
#   pf_start         postfix check and start; pf_stop; pf_guard
#   pf_start_on_port pf_start with smtpd on a random free port ($PORT)
#   pf_procs         the process ids working in this instance's queue
#   wait_for, qids, queue_deferred, queue_empty, log_has: the queue and log

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (a private Postfix, a maildesk user)"
	exit 0
fi
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

# pf_main_cf: the directories and main.cf.  Mail for example.com and
# example.net is local; aliases in $PF/aliases (the test writes them).
pf_main_cf() {
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
}

# pf_aliases: the aliases of the tests with a customer: her mailbox is the
# file $MBOX, postmaster's $T/mail/postmaster; support@ and sales@ must be
# known local recipients for smtpd (contrib/postfix/README, section 4):
# should the transport map not take them, their mail ends up in
# $T/mail/misrouted.
pf_aliases() {
	cat > "$PF/aliases" <<EOA
postmaster: $T/mail/postmaster
MAILER-DAEMON: postmaster
paula: $MBOX
support: $T/mail/misrouted
sales: $T/mail/misrouted
EOA
	postalias -c "$PF" "$PF/aliases" || bail "postalias failed"
}

# pf_daemons: master.cf lines (no chroot: nothing of the host is copied
# into the queue).
pf_daemons() {
	cat <<EOM
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
}

# pf_check: "postfix check" from a fresh state creates the queue
# directories with their owners and modes (post-install create-missing).
pf_check() {
	postfix -c "$PF" check > "$T/check.log" 2>&1 ||
	    bail "postfix check failed: $(cat "$T/check.log"; tail -n 5 "$PF_LOG")"
}

# pf_start: starts the instance and its guard; 1 when it did not start.
pf_start() {
	postfix -c "$PF" start > "$T/start.log" 2>&1 || return 1
	PF_STARTED=1
	pf_guard
	return 0
}

# pf_start_on_port: starts the instance with its smtpd on a random free
# port of 127.0.0.1 (the test's write_master PORT writes master.cf for
# it), again on another port should the one chosen be taken between the
# look and the bind; sets $PORT.
pf_start_on_port() {
	PORT=""
	_tries=0
	while [ "$_tries" -lt 10 ]; do
		_tries=$((_tries + 1))
		_p=$(_sink_random_port)
		_sink_busy "$_p" && continue
		write_master "$_p"
		if pf_start; then
			PORT=$_p
			return 0
		fi
		postfix -c "$PF" stop > /dev/null 2>&1
	done
	bail "Postfix did not start: $(cat "$T/start.log"; tail -n 5 "$PF_LOG")"
}

# pf_procs: the ids of the processes working in this instance's queue
# (every Postfix daemon works in queue_directory).
pf_procs() {
	for d in /proc/[0-9]*; do
		case $(readlink "$d/cwd" 2> /dev/null) in
		"$PFQ"|"$PFQ"/*) printf ' %s' "${d#/proc/}" ;;
		esac
	done
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
