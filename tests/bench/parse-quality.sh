#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# parse-quality.sh - how much of a mail corpus maildesk reads right.
#
# Delivers every file of a corpus (default tests/corpus/real-world, or the
# .eml files under any directory given) into a fresh store, without an
# envelope sender, so the sender must come from the headers, and looks at
# what `ticket show --json` gives back.  A mail counts as read right when
#   - it has a sender address (From, Reply-To, Sender or the customer)
#     whenever its raw originator headers hold an "@",
#   - its subject, sender name and text hold no U+FFFD (unless the raw
#     mail does), no C1 control, no ESC (undecoded ISO-2022-JP), no UTF-8
#     read as Latin-1 ("Ã¼"), and no encoded word left undecoded,
#   - (for "everything") no uuencoded file is left in the text and every
#     attachment has a name.
# Prints one line per failed mail with -v, then Markdown tables.
#
# Not a test; not registered with ctest.  Results go in README.md.

set -euo pipefail

usage() {
	echo "usage: parse-quality.sh [-v] [-m MAILDESK] [DIR...]" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/../.." && pwd)
maildesk=${MAILDESK:-$top/build/maildesk}
verbose=0
while getopts vm: opt; do
	case $opt in
	v) verbose=1 ;;
	m) maildesk=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- "$top/tests/corpus/real-world"
[ -x "$maildesk" ] || { echo "parse-quality: no $maildesk" >&2; exit 2; }
command -v jq > /dev/null || { echo "parse-quality: needs jq" >&2; exit 2; }

w=$(mktemp -d "${TMPDIR:-/tmp}/parse-quality.XXXXXX")
trap 'rm -rf "$w"' EXIT

# The per-mail verdict: one word per problem, nothing when it is clean.
# $addr: the raw originator headers hold an "@"; $fffd: the raw mail
# itself holds U+FFFD (then it is no decoding error of ours).
# shellcheck disable=SC2016
filter='
def bad: test(if $fffd then "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u0080-\u009f]"
    else "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u0080-\u009f\ufffd]" end);
def undecoded: test("=\\?[^?]+\\?[bBqQ]\\?[^?]*\\?=");
def mojibake: test("\u00c3[\u0080-\u00bf]|\u00e2\u20ac|\u00c2[\u00a0-\u00bf]");
.messages[0] as $m |
[ (if $addr and (($m.from.email // $m.reply_to.email // .customer.email // "")
      | length) == 0 then "no-sender" else empty end),
  (if ($m.subject // "") | bad then "subject" else empty end),
  (if ($m.from.name // "") | bad then "name" else empty end),
  (if ($m.text // "") | bad then "text" else empty end),
  (if (($m.subject // "") + ($m.from.name // "") + ($m.text // ""))
      | mojibake then "mojibake" else empty end),
  (if (($m.subject // "") + ($m.from.name // "")) | undecoded
      then "undecoded-word" else empty end),
  (if ($m.text // "") | test("(^|\n)begin [0-7]{3,4} ")
      then "uuencode-in-text" else empty end),
  (if [$m.attachments[] | select(.filename == null or .filename == "")]
      | length > 0 then "attachment-name" else empty end),
  (if $m.kind == "unparsed" then "unparsed" else empty end)
] | join(" ")'

# The core problems: sender, subject and text.
core="no-sender subject name text mojibake undecoded-word unparsed"

# The raw header block, unfolded, bare CRs read as line ends.
header_block() {
	if [ "$(head -c 65536 "$1" | tr -cd '\n' | wc -c)" -eq 0 ]; then
		tr '\r' '\n' < "$1"
	else
		tr -d '\r' < "$1"
	fi | awk 'NR > 1 && /^$/ { exit } /^[ \t]/ { printf " %s", $0; next }
	    { printf "\n%s", $0 } END { print "" }'
}

printf '[store]\npath = %s/store\n[deliver]\nallow-root = true\n' "$w" \
    > "$w/conf"
printf '[addresses]\nsupport@example.com = support\n' >> "$w/conf"
printf '[smtp]\nport = 1\n[outbox]\ndeliver-flush-seconds = 0\n' >> "$w/conf"

declare -A problems=()
rows=""

# measure DIR: one table row for the mails under DIR.
measure() {
	local corpus=$1 total=0 good=0 good_core=0 f verdict addr fffd hit p

	while IFS= read -r -d '' f; do
		total=$((total + 1))
		rm -rf "$w/store"
		"$maildesk" -c "$w/conf" init > /dev/null
		if ! "$maildesk" -c "$w/conf" deliver \
		    --recipient support@example.com < "$f" > /dev/null 2>&1; then
			verdict="deliver-failed"
		else
			addr=false
			header_block "$f" | grep -qiE \
			    '^(from|reply-to|sender|return-path)[ \t]*:.*@' &&
			    addr=true
			fffd=false
			grep -q $'\xef\xbf\xbd' "$f" && fffd=true
			verdict=$("$maildesk" -c "$w/conf" ticket show 1 --json |
			    jq -r --argjson addr "$addr" --argjson fffd "$fffd" \
			    "$filter")
		fi
		hit=0
		for p in $verdict; do
			case " $core " in *" $p "*) hit=1 ;; esac
		done
		[ "$hit" -eq 0 ] && good_core=$((good_core + 1))
		if [ -z "$verdict" ]; then
			good=$((good + 1))
			continue
		fi
		for p in $verdict; do
			problems[$p]=$(( ${problems[$p]:-0} + 1 ))
		done
		[ "$verbose" -eq 1 ] &&
		    printf '%s: %s\n' "${f#"$corpus"/}" "$verdict"
	done < <(find "$corpus" -type f -name '*.eml' -print0 | sort -z)
	[ "$total" -gt 0 ] ||
	    { echo "parse-quality: no mail in $corpus" >&2; exit 2; }
	rows+=$(printf '| %s | %d | %d (%s) | %d (%s) |' "${corpus#"$top"/}" \
	    "$total" "$good_core" "$(share "$good_core" "$total")" "$good" \
	    "$(share "$good" "$total")")$'\n'
}

share() { printf '%d.%d %%' $(($1 * 100 / $2)) $(($1 * 1000 / $2 % 10)); }

for dir in "$@"; do
	measure "${dir%/}"
done
echo
echo "| corpus | mails | sender, subject, text right | everything right |"
echo "|---|---:|---:|---:|"
printf '%s' "$rows"
echo
echo "| problem | mails |"
echo "|---|---:|"
for p in "${!problems[@]}"; do
	printf '| %s | %d |\n' "$p" "${problems[$p]}"
done | sort
