#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# soak.sh: a long soak run of maildesk against a real SMTP server.
#
# Usage: tests/soak/soak.sh [-n MAILS] [-s SENDERS] [-w WRITERS] [-S SEED] [-k]
#
#   -n MAILS    mails to deliver (default 20000)
#   -s SENDERS  customer addresses writing them (default 200, at least 20)
#   -w WRITERS  concurrent delivery loops, as the MTA's pipe processes
#               (default 4)
#   -S SEED     seed of the mail generator (default: taken from the clock;
#               the summary prints it, so a run can be repeated)
#   -k          keep the work directory (it is always kept after a failure)
#
# Environment: MAILDESK (the built binary; default $SRCDIR/build/maildesk),
# SRCDIR (the source tree; default two levels above this script), SMTP_SINK
# (default: smtp-sink from PATH or /usr/sbin), TMPDIR.  Needs smtp-sink(1)
# from Postfix, jq and awk; with faketime(1) expire removes tickets for real.
#
# What it does (tests/soak/README.md has the details): generates MAILS mails
# with awk (new tickets, customer replies by In-Reply-To/References, by the
# subject tag and by the signed reply address, auto-replies, DSN bounces,
# agent answers to their signed reply address, and reply-all traffic: new
# mail to support@ and sales@, agents' answers to their signed address and
# support@, customers' replies to their signed address and the other
# queue's address, each delivered once per address, both copies at the
# same time, as the MTA would), delivers them with WRITERS
# concurrent `maildesk deliver` loops that retry exit 75 like an MTA, runs
# `maildesk flush` every second against smtp-sink on 127.0.0.1, erases some
# senders with `maildesk customer erase` once their last mail is in, closes
# the tickets of others and runs `maildesk expire` (under faketime +30 days)
# every few seconds.  Then it checks: `maildesk check` is clean, the outbox
# is empty after a final flush, every delivered mail of a sender still there
# is stored exactly once (in a ticket of that sender, of the kind expected),
# nothing of an erased or expired sender is left, every acknowledgement the
# store holds reached the SMTP server exactly once (counted by Message-ID),
# no Message-ID reached it twice, every customer message notified each
# agent of its queue, every agent answer was relayed, and no answer was
# relayed twice nor any mail acknowledged twice.  It prints a
# summary and exits 0 if all held, 1 if any check failed, 2 on a usage or
# set-up error.

set -u

usage() {
	sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

N=20000
S=200
NW=4
SEED=""
KEEP=0
while getopts n:s:w:S:kh opt; do
	case $opt in
	n) N=$OPTARG ;;
	s) S=$OPTARG ;;
	w) NW=$OPTARG ;;
	S) SEED=$OPTARG ;;
	k) KEEP=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for v in "$N" "$S" "$NW" ${SEED:+"$SEED"}; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$N" -ge 100 ] && [ "$S" -ge 20 ] && [ "$NW" -ge 1 ] || usage
[ -n "$SEED" ] || SEED=$(( $(date +%s) % 1000000 ))

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAILDESK=${MAILDESK:-$SRCDIR/build/maildesk}
MAIN=$$
TAB=$(printf '\t')

die() {
	printf 'soak: %s\n' "$*" >&2
	exit 2
}

[ -x "$MAILDESK" ] || die "no maildesk binary at $MAILDESK (set MAILDESK)"
command -v jq > /dev/null 2>&1 || die "jq is needed"
SINK_BIN=${SMTP_SINK:-$(command -v smtp-sink 2> /dev/null || echo /usr/sbin/smtp-sink)}
[ -x "$SINK_BIN" ] || die "smtp-sink not found (install postfix)"
FAKE=()
if command -v faketime > /dev/null 2>&1 &&
    faketime '+30 days' true > /dev/null 2>&1; then
	FAKE=(faketime '+30 days')
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-soak.XXXXXX") ||
    die "cannot create a work directory"
mkdir -p "$W/mails" "$W/run" "$W/progress" "$W/log" "$W/sink" "$W/got" \
    "$W/w" || die "cannot populate $W"
: > "$W/failures"
: > "$W/idx.tsv"

BG=""		# our background processes, stopped on exit
SINK_PID=""
FAILED=0

cleanup() {
	for p in $BG $SINK_PID; do
		kill "$p" 2> /dev/null
	done
	for p in $BG $SINK_PID; do
		wait "$p" 2> /dev/null
	done
	if [ "$KEEP" -eq 0 ] && [ "$FAILED" -eq 0 ]; then
		rm -rf "$W"
	else
		printf 'soak: work directory kept: %s\n' "$W" >&2
	fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT
trap 'FAILED=1; exit 143' TERM

md() {
	"$MAILDESK" -c "$W/maildesk.conf" "$@"
}

# fail TEXT: records a failed check (any process of the run may call it).
fail() {
	printf '%s\n' "$*" | head -c 600 | tr '\n' ' ' >> "$W/failures"
	printf '\n' >> "$W/failures"
}

say() {
	printf '[%4ds] %s\n' "$SECONDS" "$*"
}

# ---------------------------------------------------------------------
# The relay: smtp-sink on a free port of 127.0.0.1, one file per mail.

port_busy() {
	command -v ss > /dev/null 2>&1 || return 1
	ss -ltn 2> /dev/null | awk -v p=":$1" '$4 ~ p"$" { f = 1 } END { exit !f }'
}

# sink_up PID PORT: PID listens on 127.0.0.1:PORT within 5 s.
sink_up() {
	i=0
	while [ "$i" -lt 50 ]; do
		kill -0 "$1" 2> /dev/null || return 1
		case $(ps -o stat= -p "$1" 2> /dev/null) in Z*) return 1 ;; esac
		if command -v ss > /dev/null 2>&1; then
			if ss -ltnp 2> /dev/null | grep -F "127.0.0.1:$2 " |
			    grep -q "pid=$1,"; then
				return 0
			fi
		elif [ "$i" -ge 15 ]; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

start_sink() {
	set --
	if [ "$(id -u)" -eq 0 ]; then
		# smtp-sink must drop root; nobody then writes the dumps.
		set -- -u nobody
		chmod 711 "$W"
		chown nobody "$W/sink" || die "cannot chown $W/sink to nobody"
	fi
	tries=0
	while [ "$tries" -lt 30 ]; do
		tries=$((tries + 1))
		n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
		port=$((20000 + n % 40001))
		port_busy "$port" && continue
		"$SINK_BIN" "$@" -d "$W/sink/%Y%m%d%H%M%S." "127.0.0.1:$port" \
		    1000 >> "$W/log/sink.log" 2>&1 &
		pid=$!
		if sink_up "$pid" "$port"; then
			SINK_PID=$pid
			SINK_PORT=$port
			# Should this shell die without its trap (SIGKILL), the
			# sink goes too.
			(
				trap - EXIT INT TERM
				while kill -0 "$MAIN" 2> /dev/null &&
				    kill -0 "$pid" 2> /dev/null; do
					sleep 2
				done
				kill "$pid" 2> /dev/null
			) < /dev/null > /dev/null 2>&1 &
			return 0
		fi
		kill "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
	done
	die "could not start smtp-sink: $(tail -n 3 "$W/log/sink.log")"
}

stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2> /dev/null
	wait "$SINK_PID" 2> /dev/null
	SINK_PID=""
}

# idx.awk FILES...: one line per dumped mail whose header is complete:
# file, Message-ID, recipients, In-Reply-To, Reply-To address, the ticket
# number in the Reply-To address, Auto-Submitted, envelope sender, ".".
# Ids without angle brackets, addresses in lower case, "-" for none.
cat > "$W/idx.awk" << 'EOF'
function id(v) {
	sub(/^[^<]*</, "", v)
	sub(/>.*$/, "", v)
	gsub(/[ \t]/, "", v)
	return v
}
function address(v) {
	if (v ~ /</) {
		sub(/^[^<]*</, "", v)
		sub(/>.*$/, "", v)
	}
	gsub(/[ \t]/, "", v)
	return tolower(v)
}
function header(   n, name, v) {
	if (h == "")
		return
	n = index(h, ":")
	name = tolower(substr(h, 1, n - 1))
	v = substr(h, n + 1)
	gsub(/^[ \t]+|[ \t]+$/, "", v)
	if (name == "message-id" && mid == "-")
		mid = id(v)
	else if (name == "in-reply-to" && irt == "-")
		irt = id(v)
	else if (name == "reply-to" && rt == "-")
		rt = address(v)
	else if (name == "auto-submitted" && as == "-")
		as = tolower(v)
	h = ""
}
FNR == 1 {
	state = 0; done = 0; h = ""
	rcpt = ""; mf = "-"; mid = "-"; irt = "-"; rt = "-"; as = "-"
}
done { next }
{ sub(/\r$/, "") }
state == 0 {
	if ($1 == "X-Rcpt-Args:") {
		v = $2; gsub(/^<|>.*$/, "", v)
		rcpt = rcpt (rcpt == "" ? "" : ",") tolower(v)
	} else if ($1 == "X-Mail-Args:") {
		v = $2; gsub(/^<|>.*$/, "", v)
		mf = v == "" ? "<>" : tolower(v)
	} else if ($1 == "Received:")
		state = 1
	next
}
state == 1 {
	if ($0 ~ /^[ \t]/)
		next
	state = 2
}
state == 2 {
	if ($0 == "") {
		header()
		tn = "-"
		if (match(rt, /\+[0-9]+\./))
			tn = substr(rt, RSTART + 1, RLENGTH - 2)
		print FILENAME "\t" mid "\t" (rcpt == "" ? "-" : rcpt) "\t" \
		    irt "\t" rt "\t" tn "\t" as "\t" mf "\t."
		done = 1
		next
	}
	if ($0 ~ /^[ \t]/) {
		h = h " " $0
		next
	}
	header()
	h = $0
}
EOF

# index_round: indexes the dumps whose header is complete and moves them
# to got/, where nothing changes them any more but the rest of the body.
index_round() {
	(cd "$W/sink" && find . -type f -size +0c -print0 |
	    xargs -0 -r awk -f "$W/idx.awk") > "$W/idx.new" 2> /dev/null
	if [ -s "$W/idx.new" ]; then
		cut -f1 "$W/idx.new" | (cd "$W/sink" && xargs -r mv -t "$W/got/")
		sed 's|^\./|got/|' "$W/idx.new" >> "$W/idx.tsv"
	fi
}

indexer() {
	while [ ! -e "$W/stop-indexer" ]; do
		kill -0 "$MAIN" 2> /dev/null || exit 0
		index_round
		sleep 0.3
	done
	index_round
}

# ---------------------------------------------------------------------
# Store, config, agents.

start_sink
{
	printf '[store]\npath = %s\nmap-size-bytes = 4294967296\n' "$W/store"
	printf '[addresses]\nsupport@example.com = support\n'
	printf 'sales@example.com = sales\n'
	if [ "${#FAKE[@]}" -gt 0 ]; then
		printf '[tickets]\nretention-days = 7\n'
	fi
	if [ "$(id -u)" -eq 0 ]; then
		# A real set-up runs deliver as its own user (maildesk(8)).
		printf '[deliver]\nallow-root = true\n'
	fi
	printf '[log]\nsyslog = false\n'
	printf '[smtp]\nhost = 127.0.0.1\nport = %s\ntimeout-seconds = 10\n' \
	    "$SINK_PORT"
	# A deferred mail is tried again within seconds, not minutes.
	printf '[outbox]\nretry-base-seconds = 1\nretry-max-seconds = 4\n'
	# Every new ticket gets its acknowledgement: no rate limit in the way.
	printf '[ack]\nper-hour = 1000000\nper-day = 1000000\n'
	printf 'domain-per-hour = 1000000\ndomain-per-day = 1000000\n'
	# Nor the loop breaker: agents answer fast here.
	printf '[agents]\nrelays-per-hour = 1000000\n'
	printf '[templates]\ndir = %s\n' "$SRCDIR/contrib/templates"
	printf '[queue sales]\nlanguage = de\n'
} > "$W/maildesk.conf"
md init > "$W/log/init.log" 2>&1 || die "maildesk init failed: $(cat "$W/log/init.log")"
md config check > "$W/log/config.log" 2>&1 ||
    die "config check failed: $(cat "$W/log/config.log")"
md agent add agent1@example.com --name "Agent One" --queue support > /dev/null &&
md agent add agent2@example.com --name "Agent Two" --queue support > /dev/null &&
md agent add agent3@example.com --name "Agent Drei" --queue sales > /dev/null ||
    die "agent add failed"
printf 'agent1@example.com\nagent2@example.com\nagent3@example.com\n' \
    > "$W/agents"

# ---------------------------------------------------------------------
# The mails.  Senders 1..E are erased once their last mail is in, E+1..E+X
# have their tickets closed then and expired, the next B have their
# acknowledgement bounced (and are marked bouncing), the rest write on.
E=$((S / 50)); [ "$E" -ge 2 ] || E=2
X=$((S / 100)); [ "$X" -ge 1 ] || X=1
[ "${#FAKE[@]}" -gt 0 ] || X=0
B=$((S / 20)); [ "$B" -ge 1 ] || B=1
D=$((3 * NW + 5))	# a mail refers to mails at least D earlier

PDF64=$(printf '%%PDF-1.4\n%% maildesk soak attachment\n%%%%EOF\n' | base64 | tr -d '\n')

LC_ALL=C awk -v N="$N" -v S="$S" -v E="$E" -v X="$X" -v B="$B" -v D="$D" \
    -v seed="$SEED" -v dir="$W/mails" -v plan="$W/plan.tsv" \
    -v senders="$W/senders.tsv" -v pdf="$PDF64" '
function rnd(n) { return 1 + int(rand() * n) }
function qenc(s,   t) {
	t = s
	gsub(/=/, "=3D", t); gsub(/_/, "=5F", t); gsub(/\?/, "=3F", t)
	gsub(/,/, "=2C", t); gsub(/"/, "=22", t)
	gsub(/ä/, "=C3=A4", t); gsub(/ö/, "=C3=B6", t); gsub(/ü/, "=C3=BC", t)
	gsub(/Ä/, "=C3=84", t); gsub(/Ö/, "=C3=96", t); gsub(/Ü/, "=C3=9C", t)
	gsub(/ß/, "=C3=9F", t); gsub(/ë/, "=C3=AB", t)
	gsub(/ /, "_", t)
	return "=?UTF-8?Q?" t "?="
}
function o(s) { print s > F }
function date(i) {
	return sprintf("%s, %02d Mar 2026 %02d:%02d:%02d +0100",
	    DAY[(int(i / 40000) % 7) + 1], 2 + int(i / 40000) % 20,
	    8 + int(i / 3600) % 12, int(i / 60) % 60, i % 60)
}
function qaddr(q) { return q == "sales" ? "sales@example.com" : "support@example.com" }
# A random customer mail of sender k at least D before i (0: none).
function older(k, i,   c) {
	c = NCM[k]
	while (c > 0 && CM[k, c] > i - D)
		c--
	return c > 0 ? CM[k, rnd(c)] : 0
}
function older_new(k, i,   c) {
	c = NNW[k]
	while (c > 0 && NW[k, c] > i - D)
		c--
	return c > 0 ? NW[k, rnd(c)] : 0
}
function any_cm(k) { return CM[k, rnd(NCM[k])] }
function agent_of(q) { return q == "sales" ? "agent3@example.com" : "agent" rnd(2) "@example.com" }
function text_body(k, i, de,   j) {
	if (de) {
		o("Guten Tag,"); o("")
		o(DETXT[rnd(NDETXT)])
	} else {
		o("Hello,"); o("")
		o(ENTXT[rnd(NENTXT)])
	}
	if (rand() < 0.05) {
		s = ""
		for (j = 0; j < 40; j++)
			s = s "lorem ipsum "
		o(s)
	}
	o(""); o("soak-token " i); o("")
	o(de ? "Mit freundlichen Grüßen" : "Regards,")
	o(FIRST[k])
}
# A customer mail: new ticket or reply (refs: header lines to add).
function customer_mail(k, i, to, subj, refs, q,   de, b) {
	de = q == "sales"
	o("From: " DISP[k]); o("To: " to); o("Subject: " subj)
	o("Date: " date(i)); o("Message-ID: <" MID[i] ">")
	if (refs != "")
		o(refs)
	o("MIME-Version: 1.0")
	if (rand() < 0.03) {
		b = "soak-b-" i
		o("Content-Type: multipart/mixed; boundary=\"" b "\""); o("")
		o("--" b)
		o("Content-Type: text/plain; charset=utf-8")
		o("Content-Transfer-Encoding: 8bit"); o("")
		text_body(k, i, de)
		o("--" b)
		o("Content-Type: application/pdf; name=\"beleg-" i ".pdf\"")
		o("Content-Disposition: attachment; filename=\"beleg-" i ".pdf\"")
		o("Content-Transfer-Encoding: base64"); o("")
		o(pdf)
		o("--" b "--")
	} else {
		o("Content-Type: text/plain; charset=utf-8")
		o("Content-Transfer-Encoding: 8bit"); o("")
		text_body(k, i, de)
	}
}
function dsn_head(i, q, subj) {
	o("From: Mail Delivery System <MAILER-DAEMON@mx" rnd(3) ".example.org>")
	o("To: " qaddr(q))
	o("Subject: " subj)
	o("Date: " date(i)); o("Message-ID: <" MID[i] ">")
	o("Auto-Submitted: auto-replied")
	o("MIME-Version: 1.0")
	o("Content-Type: multipart/report; report-type=delivery-status;")
	o("\tboundary=\"soak-r-" i "\""); o("")
	o("This is a MIME-encapsulated message."); o("")
	o("--soak-r-" i)
	o("Content-Type: text/plain; charset=us-ascii"); o("")
	o("This is the mail system at host mx.example.org.")
	o(""); o("I am sorry to have to inform you that your message could not")
	o("be delivered to one or more recipients."); o("")
}
function dsn_status(i, rcpt, code) {
	o("--soak-r-" i)
	o("Content-Type: message/delivery-status"); o("")
	o("Reporting-MTA: dns; mx.example.org")
	o("Arrival-Date: " date(i)); o("")
	o("Final-Recipient: rfc822; " rcpt)
	o("Original-Recipient: rfc822;" rcpt)
	o("Action: failed")
	o("Status: " code)
	o("Diagnostic-Code: smtp; 550 " code " <" rcpt ">: mailbox unavailable")
	o("")
}
# rfc822-headers part naming the reported mail by Message-ID (mid with <>).
function dsn_headers(i, q, rcpt, mid, subj) {
	o("--soak-r-" i)
	o("Content-Type: text/rfc822-headers"); o("")
	o("From: " qaddr(q)); o("To: " rcpt)
	o("Subject: " subj)
	o("Message-ID: " mid)
	o("Auto-Submitted: auto-replied")
	o("")
	o("--soak-r-" i "--")
}
BEGIN {
	srand(seed)
	split("Mon Tue Wed Thu Fri Sat Sun", DAY, " ")
	nf = split("anna ben clara david emma felix greta hans ida jonas karla lukas mia noah olga paul rosa sven tina uwe vera yann zoe juergen oemer", FA, " ")
	split("Anna Ben Clara David Emma Felix Greta Hans Ida Jonas Karla Lukas Mia Noah Olga Paul Rosa Sven Tina Uwe Vera Yann Zoë Jürgen Ömer", FD, " ")
	nl = split("mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann koch richter klein wolf schroeder neumann schwarz braun zimmermann krueger hartmann lange werner krause lehmann", LA, " ")
	split("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Schröder Neumann Schwarz Braun Zimmermann Krüger Hartmann Lange Werner Krause Lehmann", LD, " ")
	nd = split("example.net example.org kunde.example.de mail.example.net", DOM, " ")
	NEN = split("Printer prints blank pages|Invoice %d is wrong|Where is my order %d|Password reset does not work|Refund for order %d|App crashes on start|Cannot log in since update %d|Question about contract %d|Change of address|Upgrade to plan %d", EN, "|")
	NDE = split("Rückfrage zur Lieferung %d|Angebot für %d Lizenzen|Rechnung %d fehlerhaft|Kündigung Vertrag %d|Bitte um Rückruf|Größere Bestellung %d", DE, "|")
	NENTXT = split("the thing does not work as described, please help.|I have been waiting for an answer for a week now.|could you please check my account and tell me what is wrong?|thank you, but the problem is still there.|attached is what I see on the screen.", ENTXT, "|")
	NDETXT = split("leider funktioniert es immer noch nicht, bitte melden Sie sich.|ich warte seit einer Woche auf eine Antwort.|könnten Sie bitte meine Bestellung prüfen?|vielen Dank, aber das Problem besteht weiterhin.", DETXT, "|")

	for (k = 1; k <= S; k++) {
		fi = rnd(nf); li = rnd(nl)
		ADDR[k] = FA[fi] "." LA[li] "." k "@" DOM[rnd(nd)]
		FIRST[k] = FD[fi]
		st = k % 5
		if (st == 0) DISP[k] = FD[fi] " " LD[li] " <" ADDR[k] ">"
		else if (st == 1) DISP[k] = "\"" LD[li] ", " FD[fi] "\" <" ADDR[k] ">"
		else if (st == 2) DISP[k] = toupper(FA[fi] " " LA[li]) " <" ADDR[k] ">"
		else if (st == 3) DISP[k] = qenc(FD[fi] " " LD[li]) " <" ADDR[k] ">"
		else DISP[k] = ADDR[k]
		CUT[k] = N; ROLE[k] = "normal"
		if (k <= E) {
			ROLE[k] = "erase"
			CUT[k] = int(N * (0.15 + 0.55 * (k - 1) / (E > 1 ? E - 1 : 1)))
		} else if (k <= E + X) {
			ROLE[k] = "expire"
			j = k - E
			CUT[k] = int(N * (0.25 + 0.45 * (j - 1) / (X > 1 ? X - 1 : 1)))
		} else if (k <= E + X + B)
			ROLE[k] = "bounce"
	}

	for (i = 1; i <= N; i++) {
		# Each sender to erase or expire writes at least once, first:
		# else the run would erase somebody unknown.
		if (i <= E + X)
			k = i
		else
			do k = rnd(S); while (CUT[k] < i)
		MID[i] = "soak." seed "." i "@" (i % 3 ? "mua" : "mx") ".example.net"
		F = dir "/" i ".eml"
		owner = k; sender = ADDR[k]; need = "-"; after = 0; also = "-"
		dup = rand() < 0.01 ? 1 : 0
		r = rand()
		type = ""
		if (NCM[k] == 0)
			type = "new"
		else if (ROLE[k] == "bounce") {
			if (!BOUNCED[k] && NW[k, 1] <= i - D && r < 0.25)
				type = "dsn-ack"
			else if (r < 0.45) type = "new"
			else if (r < 0.8) type = "reply"
			else if (r < 0.92) type = "autoreply"
			else type = "dsn-msg"
		} else {
			if (r < 0.20) type = "new"
			else if (r < 0.42) type = "reply"
			else if (r < 0.50) type = "tag"
			else if (r < 0.55) type = "addr"
			else if (r < 0.63) type = "autoreply"
			else if (r < 0.77) type = "agent"
			else if (r < 0.81) type = "dsn-notif"
			else if (r < 0.83) type = "dsn-msg"
			else if (r < 0.845) type = "backscatter"
			else if (r < 0.87) type = "ra-new"
			else if (r < 0.90) type = "ra-agent"
			else if (r < 0.93) type = "ra-customer"
			else type = "refs"
		}
		# Runtime targets need a mail far enough back; else a reply.
		t = 0
		if (type == "tag" || type == "agent" || type == "ra-agent" ||
		    type == "dsn-notif" ||
		    type == "reply" || type == "refs" || type == "autoreply" ||
		    type == "dsn-msg") {
			t = older(k, i)
			if (t == 0)
				type = "new"
		} else if (type == "addr" || type == "ra-customer") {
			t = older_new(k, i)
			if (t == 0) {
				type = "reply"
				t = older(k, i)
				if (t == 0) type = "new"
			}
		}

		if (type == "new") {
			q = rand() < 0.7 ? "support" : "sales"
			if (q == "sales" && rand() < 0.7)
				subj = qenc(sprintf(DE[rnd(NDE)], rnd(99999)))
			else
				subj = sprintf(EN[rnd(NEN)], rnd(99999))
			Q[i] = q; SUBJ[i] = subj; ROOT[i] = i
			rcpt = qaddr(q); kind = "customer"
			customer_mail(k, i, rcpt, subj, "", q)
			NW[k, ++NNW[k]] = i
			CM[k, ++NCM[k]] = i
		} else if (type == "reply" || type == "refs") {
			q = Q[t]; Q[i] = q; SUBJ[i] = SUBJ[t]; ROOT[i] = ROOT[t]
			rcpt = qaddr(q); kind = "customer"; after = t
			refs = ROOT[t] == t ? "<" MID[t] ">" : "<" MID[ROOT[t]] "> <" MID[t] ">"
			if (type == "reply")
				customer_mail(k, i, rcpt, (q == "sales" ? "AW: " : "Re: ") SUBJ[t],
				    "In-Reply-To: <" MID[t] ">\nReferences: " refs, q)
			else
				customer_mail(k, i, rcpt, (q == "sales" ? "WG: " : "Fwd: ") SUBJ[t],
				    "References: " refs, q)
			CM[k, ++NCM[k]] = i
		} else if (type == "tag") {
			# [Ticket#N] alone: N from the notification about t.
			q = Q[t]; Q[i] = q; SUBJ[i] = SUBJ[t]; ROOT[i] = ROOT[t]
			rcpt = qaddr(q); kind = "customer"; after = t
			need = "notif:" MID[t] ":" agent_of(q)
			customer_mail(k, i, rcpt, "Re: [Ticket#@@TN@@] " SUBJ[t], "", q)
			CM[k, ++NCM[k]] = i
		} else if (type == "addr") {
			# To the signed Reply-To of the acknowledgement of t only.
			q = Q[t]; Q[i] = q; SUBJ[i] = SUBJ[t]; ROOT[i] = ROOT[t]
			rcpt = "@@RT@@"; kind = "customer"; after = t
			need = "ack:" MID[t] ":" ADDR[k]
			customer_mail(k, i, "@@RT@@", "Noch eine Frage / one more question", "", q)
			CM[k, ++NCM[k]] = i
		} else if (type == "ra-new") {
			# To support@, Cc sales@: one ticket, in support (listed
			# first in [addresses]), one ack.
			q = "support"; subj = sprintf(EN[rnd(NEN)], rnd(99999))
			Q[i] = q; SUBJ[i] = subj; ROOT[i] = i
			rcpt = "support@example.com"; also = "sales@example.com"
			if (rand() < 0.5) { rcpt = also; also = "support@example.com" }
			kind = "customer"
			customer_mail(k, i, "support@example.com", subj,
			    "Cc: sales@example.com", q)
			NW[k, ++NNW[k]] = i
			CM[k, ++NCM[k]] = i
		} else if (type == "ra-customer") {
			# Reply-all to the ack of t: its signed Reply-To and the
			# address of the other queue.
			q = Q[t]; Q[i] = q; SUBJ[i] = SUBJ[t]; ROOT[i] = ROOT[t]
			rcpt = "@@RT@@"; kind = "customer"; after = t
			also = q == "sales" ? "support@example.com" : "sales@example.com"
			need = "ack:" MID[t] ":" ADDR[k]
			customer_mail(k, i, "@@RT@@", (q == "sales" ? "AW: " : "Re: ") SUBJ[t],
			    "Cc: " also, q)
			CM[k, ++NCM[k]] = i
		} else if (type == "autoreply") {
			q = Q[t]; rcpt = qaddr(q); kind = "auto-reply"
			o("From: " DISP[k]); o("To: " rcpt)
			if (rand() < 0.75) {
				after = t
				o((q == "sales" ? "Subject: Automatische Antwort: " : "Subject: Out of Office: ") SUBJ[t])
				o("In-Reply-To: <" MID[t] ">"); o("References: <" MID[t] ">")
				o("Auto-Submitted: auto-replied")
			} else {
				o("Subject: Vacation notice")
				o("X-Autoreply: yes"); o("Precedence: auto_reply")
			}
			o("Date: " date(i)); o("Message-ID: <" MID[i] ">")
			o("MIME-Version: 1.0"); o("Content-Type: text/plain; charset=us-ascii"); o("")
			o("I am out of the office until further notice.")
			o("Your mail will not be forwarded.")
		} else if (type == "agent" || type == "ra-agent") {
			q = Q[t]; a = agent_of(q); after = t
			need = "notif:" MID[t] ":" a
			owner = k; sender = a; rcpt = "@@RT@@"
			MID[i] = "soak." seed "." i "." substr(a, 1, 6) "@example.com"
			note = rand() < 0.1
			kind = note ? "note" : "agent"
			o("From: Agent " substr(a, 6, 1) " <" a ">"); o("To: @@RT@@")
			if (type == "ra-agent") {
				# Reply-all: the address of the queue in Cc, and the
				# customer too (that copy never reaches us).
				also = qaddr(q)
				o("Cc: " qaddr(q) ", " ADDR[k])
				if (rand() < 0.5) { rcpt = also; also = "@@RT@@" }
			}
			o("Subject: Re: [Ticket#@@TN@@] " SUBJ[t])
			o("Date: " date(i)); o("Message-ID: <" MID[i] ">")
			o("In-Reply-To: @@MID@@"); o("References: @@MID@@")
			o("MIME-Version: 1.0"); o("Content-Type: text/plain; charset=utf-8")
			o("Content-Transfer-Encoding: 8bit"); o("")
			if (note) { o("#note"); o("") }
			o((q == "sales" ? "Hallo " : "Hello ") FIRST[k] ",")
			o(""); o("agent answer soak-token " i "."); o("")
			o("On Mon, 2 Mar 2026 at 10:00, Support <" qaddr(q) "> wrote:")
			o("> New message from a customer in ticket @@TN@@.")
			o(">"); o("> soak-token " t)
		} else if (type == "dsn-notif") {
			# The mailbox of the agent is full: our notification comes back.
			q = Q[t]; a = agent_of(q); after = t
			need = "notif:" MID[t] ":" a
			sender = "-"; rcpt = qaddr(q); kind = "bounce"
			dsn_head(i, q, "Undelivered Mail Returned to Sender")
			o("<" a ">: mailbox full")
			dsn_status(i, a, "5.2.2")
			dsn_headers(i, q, a, "@@MID@@", "[Ticket#@@TN@@] " SUBJ[t])
		} else if (type == "dsn-ack") {
			# The customer address is gone: our acknowledgement comes back.
			t = NW[k, 1]; q = Q[t]; after = t; BOUNCED[k] = 1
			need = "ack:" MID[t] ":" ADDR[k]
			sender = "-"; rcpt = qaddr(q); kind = "bounce"
			dsn_head(i, q, "Undelivered Mail Returned to Sender")
			o("<" ADDR[k] ">: user unknown")
			dsn_status(i, ADDR[k], "5.1.1")
			dsn_headers(i, q, ADDR[k], "@@MID@@", "[Ticket#@@TN@@] " SUBJ[t])
		} else if (type == "dsn-msg") {
			# A DSN returning the customer mail t itself.
			q = Q[t]; after = t
			sender = "-"; rcpt = qaddr(q); kind = "bounce"
			dsn_head(i, q, "Delivery Status Notification (Failure)")
			o("<someone@elsewhere.example>: host unreachable")
			dsn_status(i, "someone@elsewhere.example", "5.4.4")
			o("--soak-r-" i)
			o("Content-Type: message/rfc822"); o("")
			o("From: " DISP[k]); o("To: " qaddr(q))
			o("Subject: " SUBJ[t]); o("Message-ID: <" MID[t] ">"); o("")
			o("soak-token " t); o("")
			o("--soak-r-" i "--")
		} else if (type == "backscatter") {
			# A bounce of mail we never sent: a ticket of nobody.
			q = rand() < 0.5 ? "support" : "sales"
			owner = 0; sender = "-"; rcpt = qaddr(q); kind = "bounce"
			dsn_head(i, q, "failure notice")
			o("<victim" i "@elsewhere.example>: no such user")
			dsn_status(i, "victim" i "@elsewhere.example", "5.1.1")
			dsn_headers(i, q, "victim" i "@elsewhere.example",
			    "<forged." i "@spam.example>", "You won")
		}
		close(F)
		LAST[owner] = i
		print i "\t" type "\t" owner "\t" sender "\t" rcpt "\t" MID[i] "\t" \
		    need "\t" dup "\t" kind "\t" after "\t" also > plan
	}
	for (k = 1; k <= S; k++)
		print k "\t" ADDR[k] "\t" ROLE[k] "\t" CUT[k] "\t" LAST[k] + 0 > senders
}' || die "generating the mails failed"

# One plan per writer: mail i goes to writer (i - 1) % NW.
awk -F '\t' -v W="$NW" -v d="$W" '{ print > (d "/plan." (($1 - 1) % W)) }' \
    "$W/plan.tsv"

# ---------------------------------------------------------------------
# The writers: one `maildesk deliver` per mail, as the MTA's pipe would run
# it; exit 75 is retried after a pause, as the MTA would (sooner).

# minprog: every mail up to this number has been delivered.
minprog() {
	local f p m=$N
	for f in "$W"/progress/w*; do
		p=""
		read -r p < "$f" 2> /dev/null
		[ -n "$p" ] || p=0
		[ "$p" -lt "$m" ] && m=$p
	done
	echo "$m"
}

# resolve NEED: finds, at the relay, the mail that NEED names:
# notif:MID:AGENT (the notification about MID to AGENT) or ack:MID:ADDR
# (the acknowledgement of MID).  Sets R_MID, R_RT, R_TN.
resolve() {
	local kind=${1%%:*} rest=${1#*:} m who as line t0=$SECONDS
	m=${rest%%:*}
	who=${rest#*:}
	case $kind in
	notif) as=auto-generated ;;
	*) as=auto-replied ;;
	esac
	local pick='$9 == "." && $4 == m && $3 == r && $7 == a {
	    print $2 "\t" $5 "\t" $6; exit }'
	while :; do
		line=$(grep -F -- "$TAB$m$TAB" "$W/idx.tsv" 2> /dev/null |
		    awk -F '\t' -v m="$m" -v r="$who" -v a="$as" "$pick")
		[ -n "$line" ] && break
		# Not indexed yet: the few dumps the indexer has not moved.
		line=$(cd "$W/sink" && find . -type f -size +0c -print0 |
		    xargs -0 -r awk -f "$W/idx.awk" 2> /dev/null |
		    awk -F '\t' -v m="$m" -v r="$who" -v a="$as" "$pick")
		[ -n "$line" ] && break
		[ $((SECONDS - t0)) -lt 180 ] || return 1
		sleep 0.1
	done
	IFS=$'\t' read -r R_MID R_RT R_TN <<< "$line"
}

# deliver_one FILE SENDER RCPT IDX: 0 once stored, 1 on a failure.
deliver_one() {
	local rc t0=$SECONDS n=0 snd=$2
	local delays=(0.1 0.2 0.5 1 2)
	[ "$snd" = "-" ] && snd=""
	while :; do
		md deliver --sender "$snd" --recipient "$3" < "$1" \
		    > "$WD/out" 2> "$WD/err"
		rc=$?
		case $rc in
		0)
			if [ -s "$WD/out" ] || [ -s "$WD/err" ]; then
				fail "deliver mail $4 exit 0 but printed:" \
				    "$(cat "$WD/out" "$WD/err")"
			fi
			return 0 ;;
		75)
			printf '%s %s\n' "$4" "$(head -c 200 "$WD/err")" \
			    >> "$WD/retries"
			if [ $((SECONDS - t0)) -gt 900 ]; then
				fail "deliver mail $4: exit 75 for 900 s"
				return 1
			fi
			sleep "${delays[$n]}"
			[ "$n" -lt 4 ] && n=$((n + 1)) ;;
		*)
			fail "deliver mail $4 exit $rc: $(head -c 300 "$WD/err")"
			return 1 ;;
		esac
	done
}

# copies F SENDER RCPT ALSO IDX: delivers F to RCPT, and when ALSO is not
# "-" a second copy to ALSO at the same time, as the MTA does for a mail
# to two of our addresses; 0 once both are stored.
copies() {
	local bpid="" rcb=0 rca
	if [ "$4" != "-" ]; then
		(WD="$WD/b"; deliver_one "$1" "$2" "$4" "$5") &
		bpid=$!
	fi
	deliver_one "$1" "$2" "$3" "$5"
	rca=$?
	if [ -n "$bpid" ]; then
		wait "$bpid"
		rcb=$?
	fi
	[ "$rca" -eq 0 ] && [ "$rcb" -eq 0 ]
}

writer() {
	local w=$1 idx type sender rcpt need dup after also f t0 _
	WD="$W/w/$w"
	mkdir -p "$WD/b"
	: > "$WD/delivered"
	: > "$WD/retries"
	: > "$WD/b/retries"
	: > "$WD/dups"
	echo 0 > "$W/progress/w$w"
	while IFS=$'\t' read -r idx type _ sender rcpt _ need dup _ \
	    after also; do
		kill -0 "$MAIN" 2> /dev/null || exit 0
		if [ "$after" -gt 0 ]; then
			t0=$SECONDS
			while [ "$(minprog)" -lt "$after" ]; do
				if [ $((SECONDS - t0)) -gt 900 ]; then
					fail "mail $idx: mail $after never delivered"
					break
				fi
				sleep 0.05
			done
		fi
		f="$W/mails/$idx.eml"
		if [ "$need" != "-" ]; then
			if ! resolve "$need"; then
				fail "mail $idx ($type): no mail at the relay for $need"
				echo "$idx" > "$W/progress/w$w"
				continue
			fi
			sed -e "s|@@RT@@|$R_RT|g" -e "s|@@MID@@|<$R_MID>|g" \
			    -e "s|@@TN@@|$R_TN|g" "$f" > "$W/run/$idx.eml"
			f="$W/run/$idx.eml"
			[ "$rcpt" = "@@RT@@" ] && rcpt=$R_RT
			[ "$also" = "@@RT@@" ] && also=$R_RT
		fi
		if copies "$f" "$sender" "$rcpt" "$also" "$idx"; then
			echo "$idx" >> "$WD/delivered"
			# The MTA lost our exit status: the same mail again.
			if [ "$dup" = 1 ] && deliver_one "$f" "$sender" "$rcpt" "$idx"; then
				echo "$idx" >> "$WD/dups"
			fi
		fi
		echo "$idx" > "$W/progress/w$w"
	done < "$W/plan.$w"
	echo "$N" > "$W/progress/w$w"
}

flusher() {
	local out rc
	while [ ! -e "$W/stop" ]; do
		kill -0 "$MAIN" 2> /dev/null || exit 0
		out=$(md flush 2>&1)
		rc=$?
		printf '%s rc=%s %s\n' "$(date +%T)" "$rc" "$out" >> "$W/log/flush.log"
		[ "$rc" -eq 0 ] || fail "flush exit $rc: $out"
		sleep 1
	done
}

# run_expire: one `maildesk expire`, a month in the future when faketime
# is there (retention-days = 7: what was closed is due).
run_expire() {
	local out rc
	# faketime is an LD_PRELOAD: the sanitizer runtime must be told not
	# to insist on coming first (as in tests/e2e/T420).
	out=$(ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 "${FAKE[@]}" \
	    "$MAILDESK" -c "$W/maildesk.conf" expire 2>&1)
	rc=$?
	printf '%s rc=%s %s\n' "$(date +%T)" "$rc" "$out" >> "$W/log/expire.log"
	if [ "$rc" -ne 0 ]; then
		fail "expire exit $rc: $out"
		return 1
	fi
	printf '%s\n' "$out" | sed -n 's/^removed: \([0-9]*\) tickets.*/\1/p' \
	    >> "$W/expired.count"
}

expirer() {
	local i
	while [ ! -e "$W/stop" ]; do
		for i in 1 2 3 4 5 6; do
			[ -e "$W/stop" ] && return 0
			kill -0 "$MAIN" 2> /dev/null || exit 0
			sleep 0.5
		done
		run_expire
	done
}

# retry75 LOG CMD...: runs CMD (output to LOG) until it exits other than 75.
retry75() {
	local log=$1 rc n=0
	shift
	while :; do
		"$@" > "$log" 2>&1
		rc=$?
		[ "$rc" -eq 75 ] && [ "$n" -lt 60 ] || return "$rc"
		n=$((n + 1))
		sleep 1
	done
}

erase_sender() {
	local k=$1 a=$2
	if retry75 "$W/log/erase.$k" md customer erase "$a" --yes; then
		echo "$k" >> "$W/erased"
		say "erased sender $k ($a): $(head -n 1 "$W/log/erase.$k")"
	else
		fail "customer erase $a failed: $(cat "$W/log/erase.$k")"
	fi
}

close_sender() {
	local k=$1 a=$2 n c=0
	if ! retry75 "$W/log/close.$k" md ticket list --customer "$a" --json; then
		fail "ticket list --customer $a failed: $(cat "$W/log/close.$k")"
		return
	fi
	for n in $(jq -r '.[].number' "$W/log/close.$k"); do
		if retry75 "$W/log/close.$k.$n" md ticket set "$n" status closed; then
			c=$((c + 1))
		else
			fail "ticket set $n status closed: $(cat "$W/log/close.$k.$n")"
		fi
	done
	echo "$k" >> "$W/closed"
	say "closed the $c tickets of sender $k ($a) for expiry"
}

# ---------------------------------------------------------------------
# The run.

say "soak: $N mails from $S senders, $NW writers, seed $SEED, relay 127.0.0.1:$SINK_PORT"
say "work directory $W; $E senders to erase, $X to expire, $B bouncing"
[ "${#FAKE[@]}" -gt 0 ] ||
    say "no faketime: expire runs, but has nothing to remove"

indexer &
INDEXER=$!
flusher &
FLUSHER=$!
expirer &
EXPIRER=$!
BG="$INDEXER $FLUSHER $EXPIRER"

T0=$SECONDS
WRITERS=""
w=0
while [ "$w" -lt "$NW" ]; do
	echo 0 > "$W/progress/w$w"
	w=$((w + 1))
done
w=0
while [ "$w" -lt "$NW" ]; do
	writer "$w" &
	WRITERS="$WRITERS $!"
	w=$((w + 1))
done
BG="$BG $WRITERS"

# The senders to erase or expire once their last mail is in.
: > "$W/erased"
: > "$W/closed"
: > "$W/expired.count"
PENDING=$(awk -F '\t' '$3 == "erase" || $3 == "expire" {
    print $1 ":" $3 ":" $5 ":" $2 }' "$W/senders.tsv")
last_say=$SECONDS
while :; do
	alive=0
	for p in $WRITERS; do
		kill -0 "$p" 2> /dev/null && alive=1
	done
	mp=$(minprog)
	rest=""
	for x in $PENDING; do
		IFS=: read -r k role last a <<< "$x"
		if [ "$last" -gt "$mp" ]; then
			rest="$rest $x"
		elif [ "$role" = erase ]; then
			erase_sender "$k" "$a"
		else
			close_sender "$k" "$a"
		fi
	done
	PENDING=$rest
	[ "$alive" -eq 1 ] || break
	if [ $((SECONDS - last_say)) -ge 10 ]; then
		last_say=$SECONDS
		say "$(cat "$W"/w/*/delivered | wc -l) of $N delivered," \
		    "$(cat "$W"/w/*/retries | wc -l) exit-75 retries," \
		    "$(wc -l < "$W/idx.tsv") mails at the relay"
	fi
	sleep 0.5
done
for p in $WRITERS; do
	wait "$p"
done
T_DELIVER=$((SECONDS - T0))
[ "$T_DELIVER" -gt 0 ] || T_DELIVER=1
say "all writers done after ${T_DELIVER}s"
[ -z "$PENDING" ] || fail "senders never erased or expired: $PENDING"

touch "$W/stop"
wait "$FLUSHER" 2> /dev/null
wait "$EXPIRER" 2> /dev/null

# What was closed after the last expire run is due now.
if [ "${#FAKE[@]}" -gt 0 ]; then
	run_expire
fi

# The final flush: until nothing waits (a lease of a deliver that gave up
# on its one try runs out after lease-seconds).
t0=$SECONDS
while :; do
	md flush >> "$W/log/flush.log" 2>&1 || fail "final flush failed"
	md outbox --json > "$W/outbox.json" 2>> "$W/log/outbox.err" ||
	    fail "outbox --json failed"
	queued=$(jq '[.[] | select(.state == "queued")] | length' "$W/outbox.json")
	[ "${queued:-1}" -eq 0 ] && break
	if [ $((SECONDS - t0)) -gt 400 ]; then
		fail "$queued outbox entries still queued 400 s after the last delivery"
		break
	fi
	sleep 1
done
OUTBOX=$(jq length "$W/outbox.json")
[ "${OUTBOX:-1}" -eq 0 ] ||
    fail "the outbox is not empty after the final flush: $(jq -c '.[:5]' "$W/outbox.json")"

sleep 1
touch "$W/stop-indexer"
wait "$INDEXER" 2> /dev/null
stop_sink
T_ALL=$((SECONDS - T0))

# ---------------------------------------------------------------------
# The checks.

say "checking"
md check > "$W/log/check.log" 2>&1
CHECK_RC=$?
[ "$CHECK_RC" -eq 0 ] ||
    fail "maildesk check exit $CHECK_RC: $(tail -n 5 "$W/log/check.log")"

# Everything the relay received, from scratch.
(cd "$W" && find got sink -type f -size +0c -print0 |
    xargs -0 -r awk -f "$W/idx.awk") > "$W/sink.tsv"
SINK_FILES=$(cd "$W" && find got sink -type f -size +0c | wc -l)
SINK_MAILS=$(wc -l < "$W/sink.tsv")
[ "$SINK_FILES" -eq "$SINK_MAILS" ] ||
    fail "$((SINK_FILES - SINK_MAILS)) dumps at the relay without a complete header"

# Everything the store holds.
md ticket list --all --json > "$W/tickets.json" 2> "$W/log/list.err" ||
    fail "ticket list --json failed: $(cat "$W/log/list.err")"
jq -r '.[].number' "$W/tickets.json" > "$W/numbers"
TICKETS=$(wc -l < "$W/numbers")
split -n "l/2" "$W/numbers" "$W/numbers." 2> /dev/null ||
    cp "$W/numbers" "$W/numbers.aa"
for part in "$W"/numbers.a?; do
	(
		while read -r n; do
			md ticket show "$n" --json ||
			    echo "ticket show $n failed" >> "$W/show.err"
		done < "$part" > "$part.json"
	) &
done
wait
cat "$W"/numbers.a?.json | jq -r '. as $t | .messages[] |
    [$t.number, ($t.customer.email // "-"), $t.queue, .direction, .kind,
     (.message_id // "-"), (.from.email // "-"), (.flags | join(",")),
     (.in_reply_to // "-")] | map(tostring) | @tsv' > "$W/msgs.tsv" ||
    fail "reading the tickets' JSON failed"
[ -s "$W/show.err" ] && fail "$(head -n 3 "$W/show.err")"
md customer list --json > "$W/customers.json" 2>> "$W/log/list.err" ||
    fail "customer list --json failed"
md audit --json > "$W/audit.json" 2>> "$W/log/list.err" ||
    fail "audit --json failed"

cat "$W"/w/*/delivered | sort -n > "$W/delivered"
DELIVERED=$(wc -l < "$W/delivered")
REDELIVERED=$(cat "$W"/w/*/dups | wc -l)
RETRIES=$(cat "$W"/w/*/retries | wc -l)
[ "$DELIVERED" -eq "$N" ] || fail "only $DELIVERED of $N mails delivered"

# Removed senders: erased, or expired (all their tickets closed).
awk -F '\t' -v OFS='\t' -v erased="$W/erased" -v closed="$W/closed" '
    BEGIN {
	while ((getline k < erased) > 0) gone[k] = "erased"
	while ((getline k < closed) > 0) if (!(k in gone)) gone[k] = "expired"
    }
    { print $0, ($1 in gone ? gone[$1] : "-") }' "$W/senders.tsv" \
    > "$W/senders.final"
NERASED=$(wc -l < "$W/erased")
[ "$NERASED" -eq "$E" ] || fail "$NERASED of $E senders erased"

LC_ALL=C awk -F '\t' \
    -v F_SENDERS="$W/senders.final" -v F_AGENTS="$W/agents" \
    -v F_DELIVERED="$W/delivered" -v F_PLAN="$W/plan.tsv" \
    -v F_MSGS="$W/msgs.tsv" -v F_SINK="$W/sink.tsv" '
function bad(s) { print "FAIL\t" s; nbad++ }
FILENAME == F_SENDERS {
	ADDR[$1] = $2; ROLE[$1] = $3; GONE[$1] = $6 != "-"; BYADDR[$2] = $1
	next
}
FILENAME == F_AGENTS { AGENT[$1] = 1; next }
FILENAME == F_DELIVERED { DELIV[$1] = 1; next }
FILENAME == F_PLAN {
	PTYPE[$1] = $2; POWN[$1] = $3; PMID[$1] = $6; PKIND[$1] = $9
	PLANNED[$6] = $1
	if ($2 ~ /^ra-/ && ($1 in DELIV))
		NRA++
	# An agent answer delivered (in one copy or two): one relay.
	if ($9 == "agent" && ($1 in DELIV))
		EXPREL[ADDR[$3]]++
	next
}
FILENAME == F_MSGS {
	t = $1; cust = $2; dir = $4; kind = $5; mid = $6; from = tolower($7)
	flags = $8
	nmsgs++
	SCOUNT[mid]++; SKIND[mid] = kind; SCUST[mid] = cust
	if (!(t in TQUEUE)) {
		TQUEUE[t] = $3; TCUST[t] = cust; TFIRST[t] = kind
		TFIRSTFLAGS[t] = flags; TLIST[++ntickets] = t
	}
	k = BYADDR[cust]
	if (cust != "-" && k != "" && GONE[k])
		bad("ticket " t " of removed sender " k " is still there")
	k2 = BYADDR[from]
	if (k2 != "" && GONE[k2])
		bad("a message from removed sender " k2 " is still in ticket " t)
	if (flags ~ /unverified/)
		bad("message " mid " in ticket " t " is flagged unverified")
	if (dir == "out" && kind == "ack") {
		NACK[t]++; STOREACK[mid] = cust; nstoreack++
	} else if (!(mid in PLANNED))
		bad("ticket " t " holds a message the soak never sent: " mid " (" dir " " kind ")")
	if (dir == "out" && kind == "agent")
		AGENTOUT[cust]++
	if (dir == "in" && kind == "customer" && flags == "" && k != "" &&
	    !GONE[k] && ROLE[k] != "bounce")
		WANTNOTIF[mid] = $3 == "sales" ? 1 : 2
	next
}
FILENAME == F_SINK {
	mid = $2; rcpt = $3; irt = $4; as = $7
	nsink++; SINKN[mid]++
	if (rcpt in AGENT) {
		if (as == "auto-generated" && irt != "-") {
			cls = "notification"; NOTIF[irt]++
		} else if (as == "auto-generated")
			cls = "copy"
		else
			cls = "other"
	} else if (as == "auto-replied") {
		cls = "ack"; SINKACK[mid]++; SINKACKRCPT[mid] = rcpt
		ACKIRT[irt]++
	} else if (as == "-") {
		cls = "reply"; REPLIES[rcpt]++
	} else
		cls = "other"
	CLS[mid] = cls; NCLS[cls]++
	next
}
END {
	# Every delivered mail: stored once, where it belongs, as what it is.
	for (i in DELIV) {
		mid = PMID[i]; o = POWN[i]; c = SCOUNT[mid] + 0
		if (o > 0 && GONE[o]) {
			if (c > 0)
				bad("mail " i " (" PTYPE[i] ") of removed sender " o " is still stored")
			continue
		}
		if (c == 0) {
			bad("mail " i " (" PTYPE[i] ", " mid ") is missing from the store")
			continue
		}
		if (c > 1)
			bad("mail " i " (" PTYPE[i] ") is stored " c " times")
		if (SKIND[mid] != PKIND[i])
			bad("mail " i " (" PTYPE[i] ") stored as " SKIND[mid] ", not " PKIND[i])
		want = o > 0 ? ADDR[o] : "-"
		if (SCUST[mid] != want)
			bad("mail " i " (" PTYPE[i] ") filed in a ticket of " SCUST[mid] ", not " want)
	}
	# Every acknowledgement in the store reached the relay exactly once.
	for (mid in STOREACK) {
		n = SINKACK[mid] + 0
		if (n == 0)
			bad("ack " mid " to " STOREACK[mid] " never reached the relay")
		else if (n > 1)
			bad("ack " mid " reached the relay " n " times")
		else
			acks_ok++
	}
	for (mid in SINKACK)
		if (!(mid in STOREACK)) {
			k = BYADDR[SINKACKRCPT[mid]]
			if (k != "" && GONE[k])
				acks_gone++
			else
				bad("ack " mid " to " SINKACKRCPT[mid] " at the relay, unknown to the store")
		}
	# No Message-ID twice at the relay.
	for (mid in SINKN)
		if (SINKN[mid] > 1) {
			dups++
			bad(CLS[mid] " " mid " reached the relay " SINKN[mid] " times")
		}
	# A ticket a customer mail opened has one acknowledgement.
	for (j = 1; j <= ntickets; j++) {
		t = TLIST[j]; k = BYADDR[TCUST[t]]; n = NACK[t] + 0
		if (TFIRST[t] == "customer" && TFIRSTFLAGS[t] == "" && k != "" &&
		    ROLE[k] != "bounce") {
			if (n != 1)
				bad("ticket " t " opened by a customer mail holds " n " acks")
		} else if (n > 1 || (n == 1 && TFIRST[t] != "customer"))
			bad("ticket " t " (opened by " TFIRST[t] ") holds " n " acks")
	}
	# Every customer message notified each agent of its queue.
	for (mid in WANTNOTIF)
		if (NOTIF[mid] + 0 != WANTNOTIF[mid])
			bad("customer message " mid ": " NOTIF[mid] + 0 " notifications, want " WANTNOTIF[mid])
	# Every agent answer was relayed to its customer.
	for (c in AGENTOUT)
		if (REPLIES[c] + 0 != AGENTOUT[c])
			bad(c ": " AGENTOUT[c] " agent answers stored, " REPLIES[c] + 0 " relayed")
	for (c in REPLIES) {
		k = BYADDR[c]
		if (k != "" && GONE[k])
			continue
		nreplies += REPLIES[c]
		if (!(c in AGENTOUT))
			bad(c ": " REPLIES[c] " answers relayed, none stored")
	}
	# Reply-all: no mail acknowledged twice, no answer relayed twice.
	for (irt in ACKIRT)
		if (ACKIRT[irt] > 1) {
			dupacks += ACKIRT[irt] - 1
			bad("mail " irt " acknowledged " ACKIRT[irt] " times")
		}
	for (c in REPLIES) {
		k = BYADDR[c]
		if (k != "" && GONE[k])
			continue
		if (REPLIES[c] > EXPREL[c] + 0) {
			duprel += REPLIES[c] - EXPREL[c]
			bad(c ": " REPLIES[c] " answers relayed for " EXPREL[c] + 0 " agent answers delivered")
		}
	}
	printf "STAT\treply_all\t%d\n", NRA
	printf "STAT\tdup_acks\t%d\n", dupacks
	printf "STAT\tdup_relays\t%d\n", duprel
	printf "STAT\ttickets_seen\t%d\n", ntickets
	printf "STAT\tmessages\t%d\n", nmsgs
	printf "STAT\tstore_acks\t%d\n", nstoreack
	printf "STAT\tacks_ok\t%d\n", acks_ok
	printf "STAT\tsink_acks\t%d\n", NCLS["ack"]
	printf "STAT\tsink_acks_removed\t%d\n", acks_gone
	printf "STAT\tsink_notifications\t%d\n", NCLS["notification"]
	printf "STAT\tsink_copies\t%d\n", NCLS["copy"]
	printf "STAT\tsink_replies\t%d\n", NCLS["reply"]
	printf "STAT\tsink_other\t%d\n", NCLS["other"]
	printf "STAT\tsink_total\t%d\n", nsink
	printf "STAT\tsink_dups\t%d\n", dups
	printf "STAT\tfailures\t%d\n", nbad
}' "$W/senders.final" "$W/agents" "$W/delivered" "$W/plan.tsv" \
    "$W/msgs.tsv" "$W/sink.tsv" > "$W/verify.out"
grep '^FAIL' "$W/verify.out" | cut -f2- >> "$W/failures"
st() {
	awk -F '\t' -v k="$1" '$1 == "STAT" && $2 == k { print $3 }' "$W/verify.out"
}

# Nothing of a removed sender, bouncing where their ack bounced.
while IFS=$'\t' read -r k a role _ _ gone; do
	if [ "$gone" != "-" ]; then
		jq -e --arg a "$a" 'any(.[]; .email == $a)' "$W/customers.json" \
		    > /dev/null && fail "$gone sender $k ($a) still has a profile"
		md customer show "$a" > /dev/null 2>&1 &&
		    fail "customer show $a finds the $gone sender"
	elif [ "$role" = bounce ] &&
	    awk -F '\t' -v k="$k" '$3 == k && $2 == "dsn-ack" { f = 1 }
		END { exit !f }' "$W/plan.tsv"; then
		jq -e --arg a "$a" 'any(.[]; .email == $a and .bouncing)' \
		    "$W/customers.json" > /dev/null ||
		    fail "sender $k ($a): ack bounced, but not marked bouncing"
	fi
done < "$W/senders.final"
AUDIT_ERASE=$(jq '[.[] | select(.action == "erase")] | length' "$W/audit.json")
AUDIT_EXPIRE=$(jq '[.[] | select(.action == "expire")] | length' "$W/audit.json")
[ "${AUDIT_ERASE:-0}" -eq "$NERASED" ] ||
    fail "audit: $AUDIT_ERASE erase entries for $NERASED erasures"
EXPIRED=$(awk '{ s += $1 } END { print s + 0 }' "$W/expired.count")
NEXPIRE=$(awk -F '\t' '$6 == "expired"' "$W/senders.final" | wc -l)
if [ "$NEXPIRE" -gt 0 ] && [ "$EXPIRED" -eq 0 ]; then
	fail "$NEXPIRE senders' tickets closed, but expire removed no ticket"
fi

NFAIL=$(grep -c . "$W/failures")
[ "$NFAIL" -eq 0 ] || FAILED=1

# ---------------------------------------------------------------------
# Summary.

rate=$(awk -v n="$N" -v t="$T_DELIVER" 'BEGIN { printf "%.1f", n / t }')
cat << EOF

maildesk soak summary (seed $SEED, $NW writers)
  mails delivered         $DELIVERED of $N from $S senders ($REDELIVERED delivered twice, $RETRIES exit-75 retries)
  tickets in the store    $TICKETS ($(st messages) messages)
  erased senders          $NERASED (audit: ${AUDIT_ERASE:-?} erasures)
  expired                 $EXPIRED tickets of $NEXPIRE senders (audit: ${AUDIT_EXPIRE:-?} expire runs that removed something)
  acks sent (store)       $(st store_acks), each at the relay once: $(st acks_ok)
  acks at the relay       $(st sink_acks) ($(st sink_acks_removed) to erased/expired senders)
  other mail at relay     $(st sink_notifications) notifications, $(st sink_replies) relayed answers, $(st sink_copies) copies, $(st sink_other) other
  duplicates at relay     $(st sink_dups) (of $(st sink_total) mails)
  reply-all mails         $(st reply_all) (two copies each): $(st dup_relays) answers relayed twice, $(st dup_acks) mails acknowledged twice
  outbox after flush      ${OUTBOX:-?} entries
  maildesk check          exit $CHECK_RC
  elapsed                 ${T_DELIVER}s delivering, ${T_ALL}s with the final flush; ${SECONDS}s in all
  mails/s                 $rate
EOF
if [ "$NFAIL" -gt 0 ]; then
	printf '\nFAILED: %d checks\n' "$NFAIL"
	head -n 40 "$W/failures" | sed 's/^/  /'
	[ "$NFAIL" -le 40 ] || printf '  ... (%s/failures)\n' "$W"
	exit 1
fi
printf '\nPASSED\n'
exit 0
