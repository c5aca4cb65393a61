#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input on the command line: each mistake gets one clear line on
# standard error, an exit status that says what kind of mistake it was
# (64 usage, 73 an output that cannot be made, 78 configuration), and
# changes nothing in the store:
# - addresses are checked before the store is used (an empty one is not
#   looked up: LMDB refuses empty keys with MDB_BAD_VALSIZE);
# - customer set refuses field names that are no field, look-alikes of
#   the built-in ones, and values with control characters;
# - agent add --queue, ticket set queue: only queues of the config;
# - numbers are numbers: --older-than -1, hold --ticket -1;
# - customer export -o an existing file or a dangling link: exit 73;
# - every error line has its prefix once, an unknown subcommand is named;
# - config check refuses queue names with spaces, one address in two
#   letter cases for two queues, garbage in [forms] senders, a templates
#   dir that is not there, and prints each group once.
. "$(dirname "$0")/lib.sh"

setup_store "[smtp]" "host = 127.0.0.1" "port = 1" \
    "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $SRCDIR/contrib/templates"
C=carl.berger@example.net
md deliver --sender "$C" --recipient support@example.com \
    < "$TEST_CORPUS/plain/simple.eml" > /dev/null 2>&1 ||
    bail "deliver simple.eml failed"
md agent add agent1@example.com --name "Agent One" --queue support \
    > /dev/null || bail "agent add failed"
store_dump > "$T/dump0"
md audit --json > "$T/audit0"

# refused WANT-STATUS ERE NAME COMMAND...: the command exits WANT-STATUS
# with exactly one line on standard error matching ERE, nothing on
# standard output.
refused() {
	_want=$1
	_re=$2
	_name=$3
	shift 3
	md "$@" > "$T/out" 2> "$T/err"
	_rc=$?
	_lines=$(wc -l < "$T/err" | tr -d ' ')
	if [ "$_rc" -eq "$_want" ] && [ "$_lines" -eq 1 ] &&
	    [ ! -s "$T/out" ] && grep -Eq -- "$_re" "$T/err"; then
		ok "$_name"
	else
		not_ok "$_name" "exit $_rc, stderr [$(cat "$T/err")]," \
		    "stdout [$(cat "$T/out")]"
	fi
}

# --- Addresses --------------------------------------------------------
refused 64 '^maildesk: customer show: "" is not a mail address$' \
    "customer show '': exit 64, one clear line" customer show ''
grep -q MDB_ "$T/err" && not_ok "no LMDB error text" || ok "no LMDB error text"
refused 64 '^maildesk: customer restrict: "" is not a mail address$' \
    "customer restrict '': exit 64, one clear line" customer restrict ''
refused 64 'is not a mail address$' "customer erase 'no address' --yes" \
    customer erase 'no address' --yes
refused 64 'is not a mail address$' "customer export ''" customer export ''
refused 64 '^maildesk: ticket list: --customer: "" is not a mail address$' "ticket list --customer ''" \
    ticket list --customer ''
refused 64 'is not a mail address$' "customer set ADDR email 'x y@z'" \
    customer set "$C" email 'x y@z'

# --- customer set: fields and values ----------------------------------
refused 64 '^maildesk: customer set: "" is not a field' \
    "customer set ADDR '' value: refused" customer set "$C" '' value
refused 64 '^maildesk: customer set: "a b" is not a field' \
    "a field name with a newline: refused" customer set "$C" "$(printf 'a\nb')" v
refused 64 'did you mean first_name\?$' \
    "firstname: refused, first_name suggested" customer set "$C" firstname Bob
refused 64 'did you mean language\?$' \
    "lang: refused, language suggested" customer set "$C" lang de
refused 64 'control character' "a value with a newline: refused" \
    customer set "$C" phone "$(printf '030\n1234')"
refused 64 'control character' "a value with an escape: refused" \
    customer set "$C" first_name "$(printf 'Carl\033[2J')"
refused 64 'language "fr" is not one we answer in \(en, de\)$' \
    "language fr: refused" customer set "$C" language fr
md customer set "$C" language DE > /dev/null
is "$?" 0 "language DE: accepted"
is "$(md customer show "$C" --json | jq -r .fields.language)" de \
    "and stored as de"
md customer set "$C" language '' > /dev/null
md customer set "$C" phone "+49 30 1234567" > /dev/null
is "$?" 0 "a free field of a-z: accepted"
md customer set "$C" phone '' > /dev/null

# --- Queues -----------------------------------------------------------
refused 64 '^maildesk: agent add: --queue: "" is not a queue of the config \(support, sales\)$' \
    "agent add --queue '': refused" agent add a2@example.com --queue ''
refused 64 '"a b" is not a queue of the config' \
    "agent add --queue 'a b': refused" agent add a2@example.com --queue 'a b'
refused 64 '"nosuchqueue" is not a queue of the config' \
    "agent add --queue nosuchqueue: refused" \
    agent add a2@example.com --queue support --queue nosuchqueue
is "$(md agent list --json | jq length)" 1 "no agent was added"
refused 64 '^maildesk: ticket set: queue "nosuchqueue" is not a queue' \
    "ticket set N queue nosuchqueue: refused" ticket set 1 queue nosuchqueue

# --- Numbers and dates ------------------------------------------------
refused 64 '^maildesk: ticket list: --older-than: "-1" is not a number of days' \
    "ticket list --older-than -1: refused" ticket list --older-than -1
refused 64 '^maildesk: customer hold: --ticket: "-1" is not a number$' \
    "customer hold --ticket -1: refused" \
    customer hold --ticket -1 --until 2099-12-31 --reason x
grep -q 18446744073709551615 "$T/err" &&
    not_ok "no wrapped-around ticket number" ||
    ok "no wrapped-around ticket number"
refused 64 '^maildesk: customer hold: --until: 2001-01-01 is in the past$' \
    "customer hold --until a past date: refused" \
    customer hold "$C" --until 2001-01-01 --reason x

# --- Export to a path that cannot be a new directory ------------------
: > "$T/a-file"
refused 73 '^maildesk: customer export: .*/a-file: exists and is not a directory' \
    "customer export -o FILE: exit 73, says why" \
    customer export "$C" -o "$T/a-file"
is "$(wc -c < "$T/a-file" | tr -d ' ')" 0 "the file is untouched"
ln -s "$T/nowhere" "$T/dangling"
refused 73 '^maildesk: customer export: .*/dangling: a symbolic link to nothing' \
    "customer export -o DANGLING-LINK: exit 73, says why" \
    customer export "$C" -o "$T/dangling"
[ ! -e "$T/nowhere" ] && ok "nothing made where the link points" ||
    not_ok "nothing made where the link points"

# --- One prefix, the right word ---------------------------------------
refused 64 '^maildesk: ticket set: "foo" is not status, owner, queue, pending or pending-close$' \
    "ticket set: the prefix once" ticket set 1 foo bar
refused 64 '^maildesk: ticket: unknown subcommand "frob" \(list, show, raw, set, merge, reply, note\)$' \
    "ticket frob: names frob, lists the subcommands" ticket frob
refused 64 '^maildesk: ticket: a subcommand is missing' \
    "ticket alone: a subcommand is missing" ticket
refused 64 '^maildesk: unknown command "frob" \(see maildesk --help\)$' \
    "frob: unknown command, prefix once" frob
refused 64 '^maildesk: unknown option --bogus$' "--bogus: prefix once" --bogus
# Every line so far: no word repeated as a prefix ("x: x:").
for bad in "customer show ''" "ticket show 99" "ticket raw 1 x" \
    "customer erase nobody@example.net --yes" "agent remove x" \
    "import mbox $T/none" "customer hold nobody@example.net --lift" \
    "ticket set 99 status open" "audit --address ''"; do
	eval md "$bad" > /dev/null 2> "$T/err"
	if grep -Eq '^maildesk: ([^:]+): ([^:]+: )?\1:' "$T/err" ||
	    grep -q '^maildesk: maildesk:' "$T/err" ||
	    [ "$(wc -l < "$T/err" | tr -d ' ')" -ne 1 ]; then
		not_ok "$bad: one line, prefix once" "$(cat "$T/err")"
	else
		ok "$bad: one line, prefix once"
	fi
done

# Nothing of the above changed the store or wrote an audit entry.
store_dump > "$T/dump1"
cmp -s "$T/dump0" "$T/dump1" && ok "the store is unchanged" ||
    not_ok "the store is unchanged"
md audit --json | jq '[.[] | select(.detail != "field language" and
    .detail != "field phone")]' > "$T/audit1"
is "$(jq length "$T/audit1")" "$(jq length "$T/audit0")" \
    "no audit entry but those of the accepted corrections"

# --- config check -----------------------------------------------------
# badconf LINES...: $T/bad.conf is our config plus LINES.
badconf() {
	{ cat "$T/maildesk.conf"; printf '%s\n' "$@"; } > "$T/bad.conf"
}
check_bad() {
	"$MAILDESK" -c "$T/bad.conf" config check > "$T/out" 2> "$T/err"
	_rc=$?
	if [ "$_rc" -eq 78 ] && grep -Eq -- "$1" "$T/err" "$T/out"; then
		ok "$2"
	else
		not_ok "$2" "exit $_rc: $(cat "$T/err")"
	fi
}
badconf "[addresses]" "help desk@example.com = support"
check_bad 'is not a mail address' "an address with a space: exit 78"
badconf "[addresses]" "billing@example.com = first level"
check_bad 'queue name "first level" is not' \
    "a queue name with a space: exit 78"
badconf "[queue first level]" "language = de"
check_bad 'queue name "first level" is not' \
    "[queue NAME] with a space: exit 78"
badconf "[addresses]" "Support@Example.com = sales"
check_bad 'support@example.com is given twice .* support and sales' \
    "one address in two letter cases for two queues: exit 78"
badconf "[forms]" "senders = form@example.com; not an address"
check_bad '\[forms\] senders: "not" is not a mail address' \
    "garbage in [forms] senders: exit 78"
sed "s|^dir = .*|dir = $T/no-templates|" "$T/maildesk.conf" > "$T/bad.conf"
check_bad "problem: \\[templates\\] dir: $T/no-templates is not a directory" \
    "a templates dir that does not exist: exit 78"
like "$(cat "$T/err")" '^maildesk: config check: 1 problem found$' \
    "and one line says how many problems"
sed "s|^dir = .*|dir = $T/a-file|" "$T/maildesk.conf" > "$T/bad.conf"
check_bad "is not a directory" "a templates dir that is a file: exit 78"
mkdir "$T/empty-templates"
sed "s|^dir = .*|dir = $T/empty-templates|" "$T/maildesk.conf" > "$T/bad.conf"
"$MAILDESK" -c "$T/bad.conf" config check > /dev/null 2> "$T/err"
is "$?" 0 "a templates dir without ack.en.txt is fine: the binary has it"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$T/closed"
	cp "$SRCDIR"/contrib/templates/*.txt "$T/closed/"
	chmod 000 "$T/closed"
	sed "s|^dir = .*|dir = $T/closed|" "$T/maildesk.conf" > "$T/bad.conf"
	check_bad "closed" "an unreadable templates dir: exit 78"
	chmod 700 "$T/closed"
else
	skip "an unreadable templates dir: exit 78" "root reads every directory"
fi

md config check > "$T/out" 2> "$T/err"
is "$?" 0 "config check of the good config exits 0"
is "$(grep -c '^\[' "$T/out")" "$(grep '^\[' "$T/out" | sort -u | wc -l |
    tr -d ' ')" "config check prints each group once"
is "$(grep -c '^\[deliver\]$' "$T/out")" 1 "[deliver] once"
is "$(grep -c '^\[tickets\]$' "$T/out")" 1 "[tickets] once"
like "$(sed -n '/^\[deliver\]$/,/^\[/p' "$T/out")" 'allow-root = true' \
    "[deliver] holds allow-root"

finish
