#!/bin/sh
# SPDX-License-Identifier: MIT
# Character sets (tests/corpus/charsets): raw UTF-8 headers, Latin-1 and
# undeclared windows-1252 bodies, ISO-2022-JP headers and body.  Subjects,
# names and text must come out as exactly the right UTF-8, never with
# U+FFFD or C1 control characters.
. "$(dirname "$0")/lib.sh"

setup_store
C="$TEST_CORPUS/charsets"

file() {
	deliver "$C/$1"
	is "$rc" 0 "deliver charsets/$1 exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver charsets/$1 is silent" "$(cat "$T/out" "$T/err")"
	fi
}

# show N FILTER: one value of ticket N.
show() {
	jqr "$2" ticket show "$1" --json
}

# clean N: no replacement character and no C1 control in anything the
# ticket shows (a sign of a wrong or missing conversion).
clean() {
	is "$(show "$1" '[.. | strings | select(test("[\u0080-\u009f\ufffd]"))] |
	    length')" 0 "ticket $1 has no U+FFFD and no C1 controls"
}

# 1: raw 8-bit UTF-8 in From and Subject (RFC 6532).
file utf8-raw-headers.eml
is "$(show 1 .subject)" "Größe der Lieferung falsch – bitte prüfen" \
    "raw UTF-8 subject"
is "$(show 1 .messages[0].from.name)" "Zoë Ångström" "raw UTF-8 from.name"
is "$(jqr '"\(.first_name) / \(.last_name)"' customer show \
    zoe.angstrom@example.org --json)" "Zoë / Ångström" "raw UTF-8 names"
is "$(show 1 .messages[0].text)" "Hej,

ich habe Größe M bestellt und Größe XL bekommen. Können Sie das prüfen?

Zoë Ångström" "UTF-8 text"
clean 1

# 2: declared ISO-8859-1 body.
file latin1-body.eml
is "$(show 2 .messages[0].text)" "Sehr geehrte Damen und Herren,

die Kaffeemaschine tropft nach zwei Wochen. Schöne Grüße aus Köln,
und bitte um Rückruf unter 0221 555 0123.

Monika Brenner" "Latin-1 text converted"
clean 2

# 3: windows-1252 bytes, no charset declared, in Subject and body.
file cp1252-undeclared.eml
is "$(show 3 .subject)" "Rechnung über 49,90 € – falscher Betrag" \
    "undeclared windows-1252 subject"
is "$(show 3 .messages[0].subject)" "Rechnung über 49,90 € – falscher Betrag" \
    "message subject the same"
is "$(show 3 .messages[0].text)" "Hallo,

auf der Rechnung steht „49,90 €“, vereinbart waren 39,90 € – bitte korrigieren.
Grüße
Frank Ziegler" "undeclared windows-1252 text"
clean 3

# 4: ISO-2022-JP encoded words and a 7bit ISO-2022-JP body.
file iso-2022-jp-subject.eml
is "$(show 4 .subject)" "注文について" "ISO-2022-JP subject"
is "$(show 4 .messages[0].from.name)" "山田 太郎" "ISO-2022-JP from.name"
is "$(show 4 .messages[0].text)" "お世話になっております。
注文番号 8120 の配送状況を教えてください。

山田 太郎" "ISO-2022-JP text"
# Written in Japanese, the family name comes first: Yamada Taro.
is "$(jqr '"\(.first_name) / \(.last_name)"' customer show \
    taro.yamada@example.org --json)" "太郎 / 山田" "Japanese name order"
clean 4

# 5: declared ISO-8859-1 but with windows-1252 quotes and euro sign, as
# Outlook writes them; the label means windows-1252 in practice.
file latin1-label-cp1252.eml
is "$(show 5 .messages[0].text)" "Die Gutschrift „GS-0815“ über 12,50 € fehlt noch.
Grüße, Bärbel Köhler" "windows-1252 characters in a Latin-1 body"
is "$(jqr '"\(.first_name) / \(.last_name)"' customer show \
    baerbel.koehler@example.org --json)" "Bärbel / Köhler" \
    "Latin-1 Q-encoded name"
clean 5

# Every ticket list entry is valid UTF-8 JSON (jq would refuse otherwise).
is "$(jqr '[.[].subject] | length' ticket list --json)" 5 \
    "ticket list is valid JSON with 5 subjects"

finish
