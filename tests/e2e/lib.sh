# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests: a temp store and config, TAP
# output, and small assertions.  Source it; then call `finish` at the end.
#
# Environment (set by ctest): MAILDESK (binary), TEST_CORPUS, SHARED_CORPUS,
# SRCDIR, MAILDESK_SHIM.

set -u
: "${MAILDESK:?MAILDESK must point to the built binary}"
: "${TEST_CORPUS:=$(dirname "$0")/../corpus}"

T=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
tap_n=0
tap_fail=0

# Writes $T/maildesk.conf with our two addresses plus any extra lines given
# as arguments ("[group]" and "key = value" lines), and initialises the store.
# A test that names no [templates] or [ack] group sends no acknowledgement:
# the templates compiled into the binary would otherwise answer every mail.
setup_store() {
	_ack=off
	for _l in "$@"; do
		case $_l in "[templates]"|"[ack]") _ack=on ;; esac
	done
	{
		printf '[store]\npath = %s\nmap-size-bytes = %s\n' \
		    "$T/store" "${MAP_SIZE:-268435456}"
		printf '[addresses]\nsupport@example.com = support\n'
		printf 'sales@example.com = sales\n'
		# The tests run as root in CI; a real set-up runs deliver
		# as its own user (maildesk(8)).
		printf '[deliver]\nallow-root = true\n'
		for line in "$@"; do printf '%s\n' "$line"; done
		[ "$_ack" = on ] || printf '[ack]\nenabled = false\n'
	} > "$T/maildesk.conf"
	md init > /dev/null || bail "maildesk init failed"
}

# md ARGS...: runs maildesk with the test's config; then waits for the
# sender processes that a delivery started (see senders_wait), so that
# what they send is at the relay when md returns, as it was when deliver
# sent itself.
md() {
	"$MAILDESK" -c "$T/maildesk.conf" "$@"
	_md_rc=$?
	_md_store=$T/store
	while [ $# -gt 1 ]; do
		[ "$1" = --store ] && _md_store=$2
		shift
	done
	senders_wait "$_md_store"
	return $_md_rc
}

# senders_wait [STORE]: waits until no sender process of STORE (default
# $T/store) runs: each holds a shared lock on STORE/maildesk.send from
# before its delivery exits until it is done (maildesk(8), FILES).
senders_wait() {
	_sw=${1:-$T/store}/maildesk.send
	[ -e "$_sw" ] || return 0
	flock -x "$_sw" true
}

# deliver FILE [ARGS...]: delivers FILE, sets $rc, keeps stderr in $T/err.
deliver() {
	f=$1
	shift
	md deliver "$@" < "$f" > "$T/out" 2> "$T/err"
	rc=$?
}

# ago DAYS COMMAND...: runs maildesk DAYS days in the past, under
# faketime(1) (an LD_PRELOAD library; the sanitizer runtime is told not to
# insist on coming first).
ago() {
	_d=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "-${_d}d" \
	    "$MAILDESK" -c "$T/maildesk.conf" "$@"
}

ok() {
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s\n' "$tap_n" "$1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	printf 'not ok %d - %s\n' "$tap_n" "$1"
	if [ $# -gt 1 ]; then printf '#   %s\n' "$2"; fi
}

# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got [$1], want [$2]"
	fi
}

# like GOT PATTERN NAME (grep -E pattern)
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "[$1] does not match /$2/"
	fi
}

bail() {
	printf 'Bail out! %s\n' "$1"
	exit 1
}

# maildesk_user: the system user "maildesk" exists (root only).
maildesk_user() {
	id maildesk > /dev/null 2>&1 && return 0
	# Another test may be creating it at the same time.
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin maildesk \
	    > "$T/useradd.log" 2>&1 || id maildesk > /dev/null 2>&1 ||
	    bail "cannot create the maildesk user: $(cat "$T/useradd.log")"
}

# copy_maildesk: copies that other users (the maildesk user) can run and
# read: $T/bin/maildesk, with maildesk-full beside it when the build has
# one, and the templates in $T/templates.
copy_maildesk() {
	mkdir -p "$T/bin" "$T/templates"
	cp "$MAILDESK" "$T/bin/maildesk" || bail "cannot copy $MAILDESK"
	_b=$(dirname "$MAILDESK")
	[ -x "$_b/maildesk-full" ] && cp "$_b/maildesk-full" "$T/bin/"
	cp "$SRCDIR"/contrib/templates/*.txt "$T/templates/"
	chmod -R a+rX "$T/bin" "$T/templates"
}

# jq over a command's JSON: jqr FILTER COMMAND...
jqr() {
	filter=$1
	shift
	md "$@" | jq -r "$filter"
}

# A snapshot of everything the store holds, for "unchanged" checks;
# arguments go to maildesk before the command (--store DIR: another store).
store_dump() {
	# A legal hold is not content: setting one changes nothing stored.
	md "$@" ticket list --all --json | jq -S 'map(del(.hold))'
	n=$(md "$@" ticket list --all --json | jq length)
	i=1
	while [ "$i" -le "$n" ]; do
		md "$@" ticket show "$i" --json |
		    jq -S 'del(.messages[].received) | del(.hold)'
		i=$((i + 1))
	done
}

finish() {
	printf '1..%d\n' "$tap_n"
	if [ "$tap_fail" -gt 0 ]; then
		printf '# %d of %d failed\n' "$tap_fail" "$tap_n"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------------
# Outgoing mail: an smtp-sink(1) (from Postfix) as the relay, dumping each
# mail it receives into a file in $T/sink, and helpers to read those files.

: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
SINK_PID=""
SINK_PORT=""
_sink_pids=""

# Stops every sink still running, then removes $T.  Replaces the trap set
# above (which only removed $T); INT and TERM now end the test as well.
_lib_cleanup() {
	for _p in $_sink_pids; do
		_sink_kill "$_p"
	done
	_sink_pids=""
	rm -rf "$T"
}
trap '_lib_cleanup' EXIT
trap '_lib_cleanup; exit 130' INT
trap '_lib_cleanup; exit 143' TERM

# _sink_kill SINK:GUARD: stops a sink and its guard.
_sink_kill() {
	kill "${1#*:}" "${1%%:*}" 2> /dev/null
	wait "${1%%:*}" 2> /dev/null
	wait "${1#*:}" 2> /dev/null
}

# _sink_guard PID: starts a process that stops sink PID should this shell
# be killed (SIGKILL, a test timeout) without running its trap; prints its
# process id.
_sink_guard() {
	(
		trap - EXIT INT TERM
		while kill -0 "$$" 2> /dev/null && kill -0 "$1" 2> /dev/null; do
			sleep 2
		done
		kill -0 "$$" 2> /dev/null || kill "$1" 2> /dev/null
	) < /dev/null > /dev/null 2>&1 &
	echo "$!"
}

# A random port in 20000-60000.
_sink_random_port() {
	_n=$(od -An -N2 -tu2 /dev/urandom 2> /dev/null | tr -d ' \n')
	[ -n "$_n" ] ||
	    _n=$(awk -v s="$$" 'BEGIN { srand(); print int(rand() * 65536) + s }')
	echo $((20000 + _n % 40001))
}

# Lines of `ss -ltn(p)` for a listener on port $1 (any address).
_sink_ss() {
	ss -ltnp 2> /dev/null | awk -v p="$1" '{
		for (i = 1; i <= NF; i++) {
			n = split($i, a, ":")
			if (n > 1 && a[n] == p && i < NF) { print; next }
		}
	}'
}

# _sink_connects PORT: something accepts connections on 127.0.0.1:PORT.
_sink_connects() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
	    "$1" 2> /dev/null
}

# _sink_busy PORT: something listens on PORT already (as far as we can tell).
_sink_busy() {
	if command -v ss > /dev/null 2>&1; then
		[ -n "$(_sink_ss "$1")" ]
	elif command -v python3 > /dev/null 2>&1; then
		_sink_connects "$1"
	else
		return 1
	fi
}

# _sink_alive PID: PID runs (an exited child not yet waited for does not).
_sink_alive() {
	kill -0 "$1" 2> /dev/null || return 1
	case $(ps -o stat= -p "$1" 2> /dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

# _sink_up PID PORT: 0 once PID listens on 127.0.0.1:PORT, 1 if PID died or
# it did not come up within 5 s.  smtp-sink binds first thing; if the port
# is taken it exits, but only after the 1 s pause of Postfix's msg_fatal().
_sink_up() {
	_i=0
	while [ "$_i" -lt 50 ]; do
		_sink_alive "$1" || return 1
		if command -v ss > /dev/null 2>&1; then
			_l=$(_sink_ss "$2" | grep '127\.0\.0\.1:')
			case $_l in
			*"pid=$1,"*) return 0 ;;
			*pid=*) ;;	# another process's: ours dies on bind
			?*)		# ss without process details
				sleep 1.5
				_sink_alive "$1" && return 0
				return 1 ;;
			esac
		elif command -v python3 > /dev/null 2>&1; then
			if _sink_connects "$2"; then
				sleep 1.5
				_sink_alive "$1" && return 0
				return 1
			fi
		else
			sleep 1.5
			_sink_alive "$1" && return 0
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# start_sink [SMTP-SINK OPTIONS...]: starts smtp-sink on a free port of
# 127.0.0.1 (e.g. `start_sink -f RCPT` rejects every recipient with 5xx,
# `-r RCPT` with 4xx, `-w N` waits N s before answering DATA).  Sets
# $SINK_PORT and $SINK_PID; each received mail becomes a file in $T/sink
# (files from earlier sinks stay: see sink_reset).  The sink is stopped on
# exit.  As root the sink runs as nobody.
start_sink() {
	_sink_bin=${SMTP_SINK:-$(command -v smtp-sink 2> /dev/null ||
	    echo /usr/sbin/smtp-sink)}
	[ -x "$_sink_bin" ] || bail "smtp-sink not found (install postfix)"
	mkdir -p "$T/sink" || bail "cannot create $T/sink"
	if [ "$(id -u)" -eq 0 ]; then
		# smtp-sink must drop root; nobody then writes the dumps.
		set -- -u nobody "$@"
		chmod a+x "$T"
		chown nobody "$T/sink" || bail "cannot chown $T/sink to nobody"
	fi
	_tries=0
	while [ "$_tries" -lt 30 ]; do
		_tries=$((_tries + 1))
		_port=$(_sink_random_port)
		_sink_busy "$_port" && continue
		"$_sink_bin" "$@" -d "$T/sink/%Y%m%d%H%M%S." \
		    "127.0.0.1:$_port" 100 >> "$T/sink.log" 2>&1 &
		_pid=$!
		if _sink_up "$_pid" "$_port"; then
			SINK_PID=$_pid
			SINK_PORT=$_port
			_sink_pids="$_sink_pids $_pid:$(_sink_guard "$_pid")"
			return 0
		fi
		kill "$_pid" 2> /dev/null
		wait "$_pid" 2> /dev/null
	done
	bail "could not start smtp-sink: $(tail -n 3 "$T/sink.log" 2> /dev/null)"
}

# stop_sink: stops the sink started last.  $SINK_PORT is kept: nothing
# listens there any more, a relay that is down.
stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	_rest=""
	for _p in $_sink_pids; do
		if [ "${_p%%:*}" = "$SINK_PID" ]; then
			_sink_kill "$_p"
		else
			_rest="$_rest $_p"
		fi
	done
	_sink_pids=$_rest
	SINK_PID=""
}

# sink_mails: the files of the mails received so far, oldest first.  A
# transaction in progress has an empty file; it is not listed.
sink_mails() {
	[ -d "$T/sink" ] || return 0
	find "$T/sink" -type f -size +0c | sort
}

# sink_count: how many mails the sinks received.
sink_count() {
	sink_mails | wc -l | tr -d ' '
}

# sink_reset: forgets the mails received so far.
sink_reset() {
	[ -d "$T/sink" ] || return 0
	find "$T/sink" -type f -exec rm -f {} +
}

# sink_mail_from FILE: the envelope sender (MAIL FROM) of a dumped mail.
sink_mail_from() {
	awk '/^Received: /{ exit }
	    /^X-Mail-Args: / { s = $2; sub(/^</, "", s); sub(/>.*/, "", s)
	    print s; exit }' "$1"
}

# sink_rcpts FILE: the envelope recipients (RCPT TO), one a line.
sink_rcpts() {
	awk '/^Received: /{ exit }
	    /^X-Rcpt-Args: / { s = $2; sub(/^</, "", s); sub(/>.*/, "", s)
	    print s }' "$1"
}

# sink_message FILE: the mail as the client sent it, without smtp-sink's
# lines before it (the line ends are LF; smtp-sink adds one empty line at
# the end).
sink_message() {
	awk 'm { print; next }
	    /^Received: / { r = 1; next }
	    r && /^[ \t]/ { next }
	    r { m = 1; print }' "$1"
}

# mail_headers FILE: the header block of a dumped mail, one unfolded header
# a line.
mail_headers() {
	sink_message "$1" | awk '
	    /^$/ { exit }
	    /^[ \t]/ { h = h $0; next }
	    { if (h != "") print h; h = $0 }
	    END { if (h != "") print h }'
}

# mail_header FILE NAME: the value of each header NAME (any case), one a
# line, white space around it removed, still RFC 2047 encoded.
mail_header() {
	mail_headers "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) } {
		i = index($0, ":")
		if (i > 1 && tolower(substr($0, 1, i - 1)) == n) {
			v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v)
			print v
		}
	}'
}

# sink_find NAME ERE: the dumped mails with a header NAME whose value
# matches ERE (case-insensitive), oldest first.
sink_find() {
	for _f in $(sink_mails); do
		if mail_header "$_f" "$1" | grep -Eiq -- "$2"; then
			echo "$_f"
		fi
	done
}

have_python() {
	command -v python3 > /dev/null 2>&1
}

# skip NAME REASON: a TAP test skipped.
skip() {
	ok "$1 # SKIP $2"
}

# mail_decoded FILE WHAT [ARG]: with python3, decodes a dumped mail.
#   subject        the Subject, RFC 2047 decoded
#   header NAME    every header NAME, decoded, one a line
#   text           the text/plain parts that are no attachment, decoded
#   attachment FN  the bytes of the attachment with file name FN
#   filenames      the file names of all attachments, one a line
mail_decoded() {
	sink_message "$1" | python3 -c '
import sys, email, email.policy
m = email.message_from_binary_file(sys.stdin.buffer,
                                   policy=email.policy.default)
what = sys.argv[1]
out = sys.stdout
if what == "subject":
    out.write(str(m.get("Subject", "")) + "\n")
elif what == "header":
    for v in m.get_all(sys.argv[2], []):
        out.write(str(v) + "\n")
elif what == "text":
    for p in m.walk():
        if p.get_content_type() == "text/plain" and not p.is_attachment():
            out.write(p.get_content())
elif what == "attachment":
    for p in m.walk():
        if p.get_filename() == sys.argv[2]:
            sys.stdout.buffer.write(p.get_payload(decode=True))
            break
elif what == "filenames":
    for p in m.walk():
        if p.get_filename() is not None:
            out.write(p.get_filename() + "\n")
' "$2" ${3+"$3"}
}

# ---------------------------------------------------------------------
# One mail on its own: `alone FILE [ARGS...]` delivers FILE into a new
# store and keeps ticket 1 as JSON in $J; `get FILTER` reads from it.
alone() {
	_f=$1
	shift
	rm -rf "$T/store"
	md init > /dev/null || bail "maildesk init failed"
	deliver "$_f" "$@"
	is "$rc" 0 "deliver $(basename "$_f") exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver $(basename "$_f") is silent" \
		    "$(cat "$T/out" "$T/err")"
	fi
	J=$(md ticket show 1 --json)
}

get() {
	printf '%s\n' "$J" | jq -r "$1"
}

# No U+FFFD, no C1 control and no ESC in anything the ticket shows: the
# signs of a missing or wrong charset conversion.
clean_text() {
	is "$(get '[.. | strings | select(test("[\u001b\u0080-\u009f\ufffd]"))] |
	    length')" 0 "$1: no U+FFFD, C1 control or escape"
}
