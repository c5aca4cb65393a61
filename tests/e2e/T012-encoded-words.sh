#!/bin/sh
# SPDX-License-Identifier: MIT
# RFC 2047 words as mailers write them (tests/corpus/encoded-words): runs of
# base64 words each ending in "=" padding (GMime 3.2 keeps only the first:
# these cases keep a GMime upgrade from bringing that back), characters
# split across words, words among raw 8-bit text, a language tag, an
# unknown charset name, a long subject; and names split at any white
# space, with initials kept in capitals.
. "$(dirname "$0")/lib.sh"

setup_store
C="$TEST_CORPUS/encoded-words"

alone "$C/padded-subject.eml"
is "$(get .subject)" "Bestellung 4711: Lieferung unvollständig" \
    "padded base64 run: subject whole"

alone "$C/padded-name.eml"
is "$(get .messages[0].from.name)" "Anna-Lena Schäfer" \
    "padded base64 run: display name whole"
is "$(get '"\(.customer.first_name) / \(.customer.last_name)"')" \
    "Anna-Lena / Schäfer" "padded base64 run: customer name"

alone "$C/padded-filename.eml"
is "$(get .messages[0].attachments[0].filename)" \
    "Kündigung Vertrag 2024.pdf" "padded base64 run: file name whole"

alone "$C/split-character.eml"
is "$(get .subject)" "Schöne Grüße" "a character split across Q words"
is "$(get .messages[0].from.name)" "Übergabe Team" \
    "a character split across B words"

alone "$C/mixed-raw-8bit.eml"
is "$(get .subject)" "Grüße aus Köln und Umgebung" \
    "encoded word among raw UTF-8"

alone "$C/language-tag.eml"
is "$(get .subject)" "Grüße" "RFC 2231 language tag in a word"
is "$(get .messages[0].from.name)" "Jörg Müller" "language tag in a name"

alone "$C/unknown-charset-word.eml"
is "$(get .subject)" "Réclamation commande 4410" \
    "a word in an unknown charset is detected"
is "$(get .messages[0].from.name)" "Renée François" "and in a name"
clean_text unknown-charset-word

alone "$C/long-subject.eml"
want="Ihre Anfrage zum Thema Rücksendung der Ware aus Bestellung 2024-55871 – bitte prüfen Sie auch die zweite Lieferung, die am Montag ankam, sowie die dritte vom Mittwoch, bei der ebenfalls Teile fehlten, nämlich die Schrauben, die Dübel und die Montageanleitung für den Schrank „Oslo“ in Eiche hell"
is "$(get .messages[0].subject)" "$want" "long subject decoded whole"
is "$(get '.subject | length')" 200 "the ticket title alone is shortened"

alone "$C/ideographic-space.eml"
is "$(get '"\(.customer.first_name) / \(.customer.last_name)"')" \
    "太郎 / 山田" "a name split at U+3000"

alone "$C/acronym-name.eml"
is "$(get '"\(.customer.first_name) / \(.customer.last_name)"')" \
    "TJ / Miller" "initials keep their capitals"

finish
