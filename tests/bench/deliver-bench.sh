#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# deliver-bench.sh - cost of one `maildesk deliver` next to other local
# delivery agents.
#
# For three mails (4 KB plain text, 200 KB and 10 MB multipart/mixed with a
# base64 attachment) it measures, per delivered message, the median wall time
# and the peak RSS of
#   /bin/true      exec baseline (mail on stdin, not read)
#   procmail       `procmail -m RCFILE` into a Maildir
#   dovecot-lda    `dovecot-lda -c CONF -f SENDER` into a Maildir
#   maildesk       `maildesk -c CONF deliver --sender S --recipient R` into a
#                  store created fresh for each size, acknowledging every
#                  mail (rate limit lifted) through an smtp-sink on loopback
# and prints a Markdown table (also written to -o FILE), with maildesk's
# own per-phase timings (MAILDESK_TRACE=1).  deliver's sender process
# sends the acknowledgement after deliver has exited; the next run starts
# once it is done (outside the timed window), and the time from start to
# the acknowledgement recorded is shown too.  See README.md.
#
# Not a test; not registered with ctest.  Needs bash >= 5 (EPOCHREALTIME).

set -euo pipefail
export LC_ALL=C     # EPOCHREALTIME must use '.' as the decimal point

DOVECOT_LDA=${DOVECOT_LDA:-/usr/lib/dovecot/dovecot-lda}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
SENDER=customer@example.org
RCPT=support@example.com
TOOLS=(true procmail dovecot-lda maildesk)
SIZES=(4KB 200KB 10MB)

die() { printf 'deliver-bench: %s\n' "$*" >&2; exit 2; }
say() { printf 'deliver-bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# Measurement of one tool on one size.  Runs as the benchmark user (the
# script re-invokes itself with --_measure, possibly through setpriv).
# Environment: BW (work dir), MAILDESK.
# Writes $BW/res/TOOL.SIZE.us (one wall time in microseconds per line) and
# $BW/res/TOOL.SIZE.rss (peak RSS in KiB, the max over the RSS runs).
# Mail copies used: 0 = warm-up, 1..N = timed, N+1..N+R = RSS runs, so every
# delivery gets a Message-ID of its own.
# ---------------------------------------------------------------------------
tool_cmd() {  # TOOL SIZE -> array CMD
	case $1 in
	true)        CMD=(/bin/true) ;;
	procmail)    CMD=(procmail -m "$BW/procmail/$2.rc") ;;
	dovecot-lda) CMD=("$DOVECOT_LDA" -c "$BW/dovecot/$2.conf" -f "$SENDER") ;;
	maildesk)    CMD=("$MAILDESK" -c "$BW/maildesk/$2.conf" deliver
	                  --sender "$SENDER" --recipient "$RCPT") ;;
	*) die "unknown tool $1" ;;
	esac
}

# children_cpu: sets CPU_MS to the user + system time, in ms, of this
# shell's waited-for children (the second line of the `times` builtin,
# "XmY.YYYs XmY.YYYs").  Builtins only: a child would count itself.
children_cpu() {
	local line u sy m sec t=0
	times > "$BW/res/times.$$"
	{ read -r line; read -r u sy; } < "$BW/res/times.$$"
	for line in "$u" "$sy"; do
		m=${line%%m*}
		sec=${line#*m}
		sec=${sec%s}
		t=$(( t + (m * 60 + ${sec%.*}) * 1000 + 10#${sec#*.} ))
	done
	CPU_MS=$t
}

measure() {  # TOOL SIZE N R
	local tool=$1 size=$2 n=$3 r=$4
	local mails=$BW/mails/$size err=$BW/log/$tool.$size.err
	local i t0 t1 rc kb max=0
	local -a us=()
	tool_cmd "$tool" "$size"
	: > "$err"

	# Warm-up (page cache, dynamic loader, store/Maildir creation).
	rc=0
	"${CMD[@]}" < "$mails/0.eml" > /dev/null 2>> "$err" || rc=$?
	[ "$rc" -eq 0 ] || { echo "$tool: warm-up delivery failed (exit $rc)" >> "$err"; return 1; }
	sync

	# Timed runs: only the fork+exec+wait of the tool is inside the window.
	# maildesk writes its trace line to a file of its own; its sender is
	# waited for after the window (the time to the acknowledgement
	# recorded goes to TOOL.SIZE.ack).
	local -a ack=()
	local t2 trace=/dev/null lock=$BW/maildesk/$size/store/maildesk.send
	if [ "$tool" = maildesk ]; then
		trace=$BW/res/$tool.$size.trace
		: > "$trace"
		export MAILDESK_TRACE=1
	fi
	# CPU time of the children (user + system), before and after: what
	# the deliveries cost in CPU, which other work on the machine
	# inflates less than it does wall time.  A sender process is no
	# child of ours (it is reparented), so only the MTA's part counts.
	local c0 cpu=0
	for ((i = 1; i <= n; i++)); do
		children_cpu
		c0=$CPU_MS
		t0=$EPOCHREALTIME
		"${CMD[@]}" < "$mails/$i.eml" > /dev/null 2>> "$trace" || rc=$?
		t1=$EPOCHREALTIME
		[ "$rc" -eq 0 ] || { echo "$tool: delivery $i failed (exit $rc)" >> "$err"; return 1; }
		us+=($(( ${t1/./} - ${t0/./} )))
		children_cpu
		cpu=$(( cpu + CPU_MS - c0 ))
		if [ "$tool" = maildesk ]; then
			[ ! -e "$lock" ] || flock -x "$lock" true
			t2=$EPOCHREALTIME
			ack+=($(( ${t2/./} - ${t0/./} )))
		fi
	done
	unset MAILDESK_TRACE
	awk -v a="$cpu" -v n="$n" 'BEGIN { printf "%.2f\n", a / n }' \
		> "$BW/res/$tool.$size.cpu"
	printf '%s\n' "${us[@]}" > "$BW/res/$tool.$size.us"
	[ ${#ack[@]} -eq 0 ] || printf '%s\n' "${ack[@]}" > "$BW/res/$tool.$size.ack"

	# Peak RSS runs under GNU time (kept out of the timed runs above).
	for ((i = n + 1; i <= n + r; i++)); do
		"$GNU_TIME" -f %M -o "$BW/res/time.out" "${CMD[@]}" \
			< "$mails/$i.eml" > /dev/null 2>> "$err" || rc=$?
		[ "$rc" -eq 0 ] || { echo "$tool: RSS run $i failed (exit $rc)" >> "$err"; return 1; }
		kb=$(tail -n 1 "$BW/res/time.out")
		if [ "$kb" -gt "$max" ]; then max=$kb; fi
	done
	echo "$max" > "$BW/res/$tool.$size.rss"
}

if [ "${1:-}" = --_measure ]; then
	shift
	measure "$@"
	exit
fi

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------
usage() {
	cat <<EOF
usage: $0 [options]
  -o FILE        also write the Markdown result to FILE
  -n N           timed runs for the 4 KB and 200 KB mails (default 50)
  -N N           timed runs for the 10 MB mail (default 10)
  -r R           extra runs under GNU time for peak RSS (default 3)
  -m PATH        maildesk binary (default: build/maildesk of this checkout,
                 or \$MAILDESK); copied into the work dir at start
  -w DIR         where to create the work dir (default \${TMPDIR:-/tmp});
                 its file system is what gets fsync'ed
  -u USER        user to run the deliveries as when started as root
                 (default nobody; dovecot-lda refuses to deliver as root
                 without a running dovecot auth service)
  --install      apt-get install the missing packages (procmail dovecot-core
                 time); without it missing ones are only reported
  --keep         keep the work dir (mails, Maildirs, stores, logs)
  -h, --help     this text
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=
N_SMALL=50
N_LARGE=10
RSS_RUNS=3
MAILDESK=${MAILDESK:-$here/../../build/maildesk}
WORKBASE=${TMPDIR:-/tmp}
BENCH_USER=nobody
INSTALL=0
KEEP=0

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, got '$2'"; }
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=${2:?-o needs a file}; shift ;;
	-n) posint -n "${2:-}"; N_SMALL=$2; shift ;;
	-N) posint -N "${2:-}"; N_LARGE=$2; shift ;;
	-r) posint -r "${2:-}"; RSS_RUNS=$2; shift ;;
	-m) MAILDESK=${2:?-m needs a path}; shift ;;
	-w) WORKBASE=${2:?-w needs a dir}; shift ;;
	-u) BENCH_USER=${2:?-u needs a user}; shift ;;
	--install) INSTALL=1 ;;
	--keep) KEEP=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
	shift
done

[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "bash >= 5 needed (EPOCHREALTIME)"

# ---------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------
missing=()
command -v procmail > /dev/null 2>&1 || missing+=(procmail)
[ -x "$DOVECOT_LDA" ] || missing+=(dovecot-core)
[ -x "$GNU_TIME" ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$INSTALL" = 1 ]; then
		[ "$(id -u)" -eq 0 ] || die "--install needs root (missing: ${missing[*]})"
		say "installing: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 ||
			die "apt-get install failed"
	else
		die "missing packages: ${missing[*]} (run with --install, or: apt-get install -y ${missing[*]})"
	fi
fi
for c in base64 sed awk sort head sync; do
	command -v "$c" > /dev/null 2>&1 || die "missing command: $c"
done
MAILDESK=$(readlink -f "$MAILDESK" 2>/dev/null || echo "$MAILDESK")
[ -x "$MAILDESK" ] || die "no maildesk binary at $MAILDESK (build it: cd build && cmake .. && make, or use -m)"

# Who runs the deliveries.
DROP=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv > /dev/null 2>&1 || die "setpriv (util-linux) needed when run as root"
	b_uid=$(id -u "$BENCH_USER" 2>/dev/null) || die "no user '$BENCH_USER' (-u)"
	b_gid=$(id -g "$BENCH_USER")
	[ "$b_uid" -ne 0 ] || die "-u must name a non-root user: dovecot-lda does not deliver as root"
	DROP=(setpriv --reuid="$b_uid" --regid="$b_gid" --clear-groups)
	run_as="$BENCH_USER (uid $b_uid; started as root)"
else
	run_as="$(id -un) (uid $(id -u))"
fi

# ---------------------------------------------------------------------------
# Work dir
# ---------------------------------------------------------------------------
mkdir -p "$WORKBASE"
BW=$(mktemp -d "$WORKBASE/maildesk-bench.XXXXXX")
export BW MAILDESK
failed_log=
cleanup() {
	local st=$?
	if [ "$st" -ne 0 ] && [ -n "$failed_log" ] && [ -s "$failed_log" ]; then
		say "last lines of $failed_log:"
		tail -n 5 "$failed_log" >&2
	fi
	[ -z "${SINK_PID:-}" ] || kill "$SINK_PID" 2> /dev/null
	if [ "$KEEP" = 1 ]; then
		say "work dir kept: $BW"
	else
		rm -rf "$BW"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BW"/{bin,home,mails,procmail,dovecot/run,dovecot/state,maildesk,res,log}
cp "${BASH_SOURCE[0]}" "$BW/bin/deliver-bench.sh"   # readable by the bench user
# Snapshot the binary: one run measures one build even if build/ is rebuilt
# meanwhile, and the bench user can always execute the copy.
MAILDESK_SRC=$MAILDESK
MAILDESK=$BW/bin/maildesk
cp "$MAILDESK_SRC" "$MAILDESK"
# A statically linked maildesk runs maildesk-full (beside it) for the
# commands that print JSON, which the checks below use.
full="$(dirname "$MAILDESK_SRC")/maildesk-full"
[ -x "$full" ] && cp "$full" "$BW/bin/maildesk-full"
"$MAILDESK" --help > /dev/null 2>&1 || [ $? -lt 126 ] ||
	die "$MAILDESK_SRC does not run (still being built?)"

# The relay for maildesk's acknowledgements: Postfix's smtp-sink on a free
# port of loopback, keeping nothing.
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
[ -x "$SINK" ] || die "smtp-sink (postfix) needed as the relay"
command -v flock > /dev/null 2>&1 || die "flock (util-linux) needed"
SINK_PID=
for try in 1 2 3 4 5 6 7 8 9 10; do
	SINK_PORT=$(( 20000 + RANDOM % 40000 ))
	if [ "$(id -u)" -eq 0 ]; then
		"$SINK" -u nobody "127.0.0.1:$SINK_PORT" 64 > "$BW/log/sink.log" 2>&1 &
	else
		"$SINK" "127.0.0.1:$SINK_PORT" 64 > "$BW/log/sink.log" 2>&1 &
	fi
	SINK_PID=$!
	sleep 0.5
	kill -0 "$SINK_PID" 2> /dev/null && break
	SINK_PID=
done
[ -n "$SINK_PID" ] || die "smtp-sink did not start: $(tail -n 2 "$BW/log/sink.log")"
maildesk_sum=$(sha256sum "$MAILDESK" | cut -c1-12)

as_user() { env HOME="$BW/home" "${DROP[@]}" "$@"; }

fstype=$(stat -f -c %T "$BW")
case $fstype in
tmpfs|ramfs) say "warning: $BW is on $fstype; fsync costs nothing there (use -w)" ;;
esac

# ---------------------------------------------------------------------------
# Mails (generated once, copied with a distinct Message-ID per delivery;
# all of it outside the timed region)
# ---------------------------------------------------------------------------
headers() {  # SUBJECT [extra header lines...]
	local subj=$1; shift
	printf 'Return-Path: <%s>\n' "$SENDER"
	printf 'From: Carla Customer <%s>\n' "$SENDER"
	printf 'To: Support <%s>\n' "$RCPT"
	printf 'Subject: %s\n' "$subj"
	printf 'Date: Tue, 04 Mar 2025 10:15:00 +0100\n'
	printf 'Message-ID: <@@MSGID@@>\n'
	printf 'MIME-Version: 1.0\n'
	local h
	for h in "$@"; do printf '%s\n' "$h"; done
}

text_lines() {  # COUNT
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "Line %04d: my order has not arrived yet, could you please check the status of the shipment?\n", i
	}'
}

gen_plain() {  # FILE TOTAL_BYTES
	local f=$1 total=$2 hlen
	headers "Order status" 'Content-Type: text/plain; charset=utf-8' \
		'Content-Transfer-Encoding: 8bit' '' > "$f"
	hlen=$(stat -c %s "$f")
	# Body lines, the last one cut short so that the file is exactly TOTAL
	# bytes long and ends in a newline.
	awk -v left=$(( total - hlen )) 'BEGIN {
		for (i = 1; left > 0; i++) {
			l = sprintf("Line %04d: my order has not arrived yet, could you please check the status of the shipment?", i)
			if (length(l) + 1 > left)
				l = substr(l, 1, left - 1)
			print l
			left -= length(l) + 1
		}
	}' >> "$f"
}

gen_multipart() {  # FILE TOTAL_BYTES
	local f=$1 total=$2 b=bench-boundary-3f9c1 hlen raw
	{
		headers "Invoice and logs attached" \
			"Content-Type: multipart/mixed; boundary=\"$b\"" ''
		echo 'This is a multi-part message in MIME format.'
		echo
		echo "--$b"
		echo 'Content-Type: text/plain; charset=utf-8'
		echo 'Content-Transfer-Encoding: 8bit'
		echo
		text_lines 20
		echo
		echo "--$b"
		echo 'Content-Type: application/octet-stream; name="attachment.bin"'
		echo 'Content-Transfer-Encoding: base64'
		echo 'Content-Disposition: attachment; filename="attachment.bin"'
		echo
	} > "$f"
	hlen=$(( $(stat -c %s "$f") + ${#b} + 6 ))   # plus the closing boundary
	# base64 -w 76: 57 raw bytes -> 77 bytes of text per line.
	# shellcheck disable=SC2017  # whole lines on purpose
	raw=$(( (total - hlen) / 77 * 57 ))
	head -c "$raw" /dev/urandom | base64 -w 76 >> "$f"
	printf -- '--%s--\n' "$b" >> "$f"
}

declare -A BYTES NRUNS
NRUNS[4KB]=$N_SMALL
NRUNS[200KB]=$N_SMALL
NRUNS[10MB]=$N_LARGE

say "generating mails in $BW/mails"
for size in "${SIZES[@]}"; do
	tpl=$BW/mails/$size.tpl
	case $size in
	4KB)   gen_plain "$tpl" 4096 ;;
	200KB) gen_multipart "$tpl" $(( 200 * 1024 )) ;;
	10MB)  gen_multipart "$tpl" $(( 10 * 1024 * 1024 )) ;;
	esac
	BYTES[$size]=$(stat -c %s "$tpl")
	mkdir -p "$BW/mails/$size"
	for ((i = 0; i <= NRUNS[$size] + RSS_RUNS; i++)); do
		sed "s/@@MSGID@@/bench.$size.$i.$$@bench.example.org/" "$tpl" > "$BW/mails/$size/$i.eml"
	done
done

# ---------------------------------------------------------------------------
# Per-size targets: procmail rcfile, dovecot config, maildesk config
# ---------------------------------------------------------------------------
for size in "${SIZES[@]}"; do
	cat > "$BW/procmail/$size.rc" <<EOF
# Deliver everything into one Maildir (the trailing / makes it a Maildir).
SHELL=/bin/sh
MAILDIR=$BW/procmail/$size
DEFAULT=$BW/procmail/$size/Maildir/
EOF
	cat > "$BW/dovecot/$size.conf" <<EOF
# Minimal stand-alone config for dovecot-lda: no dovecot daemon, no auth
# service; the invoking (non-root) user is the mail user.
protocols =
ssl = no
base_dir = $BW/dovecot/run
state_dir = $BW/dovecot/state
log_path = /dev/stderr
info_log_path = /dev/null
mail_location = maildir:$BW/dovecot/$size/Maildir
mail_fsync = optimized
EOF
	cat > "$BW/maildesk/$size.conf" <<EOF
[store]
path = $BW/maildesk/$size/store
[addresses]
$RCPT = support
[log]
syslog = false
[templates]
dir = $BW/templates
[smtp]
# A relay on loopback (smtp-sink): the acknowledgement is composed and
# queued in the delivery's transaction, and sent by deliver's sender
# process after deliver has exited.
host = 127.0.0.1
port = $SINK_PORT
[ack]
# Every mail of the run is acknowledged.
per-hour = 1000000
per-day = 1000000
EOF
	mkdir -p "$BW/procmail/$size" "$BW/dovecot/$size" "$BW/maildesk/$size"
done

cp -r "$(dirname "${BASH_SOURCE[0]}")/../../contrib/templates" "$BW/templates"
chmod -R a+rX "$BW/mails" "$BW/bin" "$BW/templates"
if [ ${#DROP[@]} -gt 0 ]; then
	chown -R "$b_uid:$b_gid" "$BW"
fi

# ---------------------------------------------------------------------------
# Checks that every delivery really stored the mail
# ---------------------------------------------------------------------------
verify_maildir() {  # TOOL SIZE DIR COUNT
	local tool=$1 size=$2 dir=$3 want=$4 got last
	got=$(find "$dir/new" -type f | wc -l)
	[ "$got" -eq "$want" ] || die "$tool/$size: $got mails in $dir/new, expected $want"
	last=bench.$size.$(( want - 1 )).$$@bench.example.org
	grep -rlqF -- "<$last>" "$dir/new" || die "$tool/$size: last mail ($last) not found in $dir/new"
	# No stored file may be smaller than the mail that went in.
	if [ -n "$(find "$dir/new" -type f -size -"${BYTES[$size]}"c)" ]; then
		die "$tool/$size: a stored mail is shorter than ${BYTES[$size]} bytes"
	fi
}

verify_maildesk() {  # SIZE COUNT
	local size=$1 want=$2 conf=$BW/maildesk/$1.conf got
	got=$(as_user "$MAILDESK" -c "$conf" ticket list --all --json | grep -o '"number"' | wc -l)
	[ "$got" -eq "$want" ] || die "maildesk/$size: $got tickets, expected $want"
	# One ticket per delivery, numbered in delivery order: ticket K holds copy K-1.
	as_user "$MAILDESK" -c "$conf" ticket raw "$want" 1 |
		cmp -s - "$BW/mails/$size/$(( want - 1 )).eml" ||
		die "maildesk/$size: ticket $want is not byte-identical to the mail delivered"
	as_user "$MAILDESK" -c "$conf" check > "$BW/log/maildesk.$size.check" 2>&1 ||
		die "maildesk/$size: 'maildesk check' reports problems (see $BW/log/maildesk.$size.check)"
}

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------
median_ms() {  # FILE
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f", m / 1000 }'
}

# phase_medians TRACE: "phase=median-ms ..." over the lines
# "maildesk: trace: a=1.2 b=0.3 ..." that MAILDESK_TRACE=1 writes.
phase_medians() {
	awk '$1 == "maildesk:" && $2 == "trace:" {
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (!(kv[1] in seen)) { seen[kv[1]] = 1; order[++n] = kv[1] }
			print kv[1], kv[2]
		}
	} END { for (i = 1; i <= n; i++) print "#order", i, order[i] }' "$1" |
	sort -k1,1 -k2,2n | awk '
		$1 == "#order" { order[++n] = $3; next }
		{ v[$1, ++c[$1]] = $2 }
		END {
			for (i = 1; i <= n; i++) {
				k = order[i]; m = c[k]
				med = (m % 2) ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
				printf "%s=%.2f ", k, med
			}
		}'
}

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
declare -A MED RSS ACK PHASES CPU
for size in "${SIZES[@]}"; do
	n=${NRUNS[$size]}
	total=$(( n + RSS_RUNS + 1 ))
	as_user "$MAILDESK" -c "$BW/maildesk/$size.conf" init > /dev/null ||
		die "maildesk init failed for $size"
	for tool in "${TOOLS[@]}"; do
		say "$size: $tool ($n timed runs, $RSS_RUNS RSS runs)"
		failed_log=$BW/log/$tool.$size.err
		sync
		as_user bash "$BW/bin/deliver-bench.sh" --_measure "$tool" "$size" "$n" "$RSS_RUNS" ||
			die "$tool/$size: delivery failed (log: $failed_log)"
		failed_log=
		case $tool in
		procmail)    verify_maildir procmail "$size" "$BW/procmail/$size/Maildir" "$total" ;;
		dovecot-lda) verify_maildir dovecot-lda "$size" "$BW/dovecot/$size/Maildir" "$total" ;;
		maildesk)    verify_maildesk "$size" "$total" ;;
		esac
		# Exit status was 0 throughout; still show anything unexpected on stderr.
		# (procmail, run as a user whose home does not exist such as nobody,
		# warns that it cannot chdir there before it reads the rcfile.)
		if [ "$(grep -vc "Couldn't chdir to" "$BW/log/$tool.$size.err" || true)" -gt 0 ]; then
			say "warning: $tool/$size wrote to stderr:"
			sort "$BW/log/$tool.$size.err" | uniq -c | head -n 5 >&2 || true
		fi
		MED[$tool,$size]=$(median_ms "$BW/res/$tool.$size.us")
		CPU[$tool,$size]=$(cat "$BW/res/$tool.$size.cpu")
		if [ "$tool" = maildesk ]; then
			ACK[$size]=$(median_ms "$BW/res/$tool.$size.ack")
			PHASES[$size]=$(phase_medians "$BW/res/$tool.$size.trace")
		fi
		RSS[$tool,$size]=$(awk '{ printf "%.1f", $1 / 1024 }' "$BW/res/$tool.$size.rss")
	done
	# Keep disk use bounded: drop what this size delivered.
	[ "$KEEP" = 1 ] || rm -rf "$BW/procmail/$size" "$BW/dovecot/$size" "$BW/maildesk/$size"
done

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
label() { echo "${1%B}B" | sed 's/\([0-9]\)\([KM]B\)$/\1 \2/'; }
toolname() { [ "$1" = true ] && echo /bin/true || echo "$1"; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$here" status --porcelain -- src include CMakeLists.txt 2>/dev/null)" ]; then
	rev="$rev+dirty"
fi

report() {
	echo "## maildesk deliver benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(uname -sr), ${cpu:-unknown cpu}, $(nproc) CPUs"
	echo "- work dir file system: $fstype ($(df -P "$WORKBASE" | awk 'NR == 2 { print $1 }')); deliveries run as $run_as"
	echo "- maildesk $MAILDESK_SRC (git $rev, binary sha256 $maildesk_sum); $(procmail -v 2>&1 | head -n 1); dovecot $(dovecot --version 2>/dev/null || echo '?')"
	echo "- timed runs: ${N_SMALL} (4 KB, 200 KB), ${N_LARGE} (10 MB), after 1 warm-up; peak RSS = max over $RSS_RUNS further runs under GNU time (%M)"
	echo "- load average (1 min) at the start: $LOAD0, at the end: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shares its $(nproc) CPUs and disk)"
	echo "- every delivery has its own Message-ID; all three agents fsync the stored mail; maildesk acknowledges every mail through an smtp-sink on loopback (sent by its sender process after deliver exits)"
	echo
	echo "| size | tool | median ms | ratio vs procmail | CPU ms per delivery | CPU ratio vs procmail | peak RSS MB |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	for size in "${SIZES[@]}"; do
		for tool in "${TOOLS[@]}"; do
			printf '| %s (%s B) | %s | %s | %s | %s | %s | %s |\n' "$(label "$size")" "${BYTES[$size]}" \
				"$(toolname "$tool")" "${MED[$tool,$size]}" \
				"$(ratio "${MED[$tool,$size]}" "${MED[procmail,$size]}")" \
				"${CPU[$tool,$size]}" \
				"$(ratio "${CPU[$tool,$size]}" "${CPU[procmail,$size]}")" "${RSS[$tool,$size]}"
		done
	done
	echo
	echo "maildesk's own timings (MAILDESK_TRACE=1, medians in ms; startup-cpu is the CPU time spent before main(), the rest wall time of each phase in order; the time from the start of deliver until its sender had recorded the acknowledgement as sent is the last column):"
	echo
	echo "| size | phases | acknowledgement recorded |"
	echo "|---|---|---:|"
	for size in "${SIZES[@]}"; do
		printf '| %s | %s | %s |\n' "$(label "$size")" "${PHASES[$size]}" "${ACK[$size]}"
	done
	echo
	echo "| size | maildesk vs /bin/true | maildesk vs procmail | maildesk vs dovecot-lda |"
	echo "|---|---:|---:|---:|"
	for size in "${SIZES[@]}"; do
		printf '| %s | %s | %s | %s |\n' "$(label "$size")" \
			"$(ratio "${MED[maildesk,$size]}" "${MED[true,$size]}")" \
			"$(ratio "${MED[maildesk,$size]}" "${MED[procmail,$size]}")" \
			"$(ratio "${MED[maildesk,$size]}" "${MED[dovecot-lda,$size]}")"
	done
}

if [ -n "$OUT" ]; then
	report | tee "$OUT"
else
	report
fi
