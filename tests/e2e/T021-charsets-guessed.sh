#!/bin/sh
# SPDX-License-Identifier: MIT
# Text whose charset label is missing or wrong (tests/corpus/charsets-guessed):
# raw GBK, Shift_JIS and Big5 in headers and bodies, UTF-8 labelled
# Latin-1 or windows-1252, ISO-2022-JP without a label and with the
# Microsoft extensions, CP949 under a KS C 5601 label, HTML that names its
# charset only in <meta>.  The right text, and the guess recorded in
# charset_detected.
. "$(dirname "$0")/lib.sh"

setup_store
C="$TEST_CORPUS/charsets-guessed"

alone "$C/gbk-raw-headers.eml"
is "$(get .subject)" "关于发票的问题" "raw GBK subject"
is "$(get .messages[0].from.name)" "王小明" "raw GBK display name"
like "$(get .messages[0].text)" "北京喆达科技有限公司" \
    "GB2312 label read as GB18030 (喆 is GBK only)"
is "$(get .messages[0].charset_detected)" GB18030 "guess recorded"
clean_text gbk-raw-headers

alone "$C/gb2312-no-label.eml"
is "$(get .subject)" "【优惠】本周特价商品，全场五折起" "unlabelled GB2312 subject"
like "$(get .messages[0].text)" "^尊敬的客户：" "unlabelled GB2312 text"
is "$(get .messages[0].charset_detected)" GB18030 "detected GB18030"
clean_text gb2312-no-label

alone "$C/shift-jis-no-label.eml"
is "$(get .subject)" "お問い合わせ：請求書の再発行について" \
    "unlabelled Shift_JIS subject"
is "$(get .messages[0].from.name)" "鈴木 一郎" "Shift_JIS display name"
is "$(get '"\(.customer.first_name) / \(.customer.last_name)"')" \
    "一郎 / 鈴木" "Shift_JIS name, family name first"
like "$(get .messages[0].text)" "請求書番号は２０２４年３月分です。" \
    "unlabelled Shift_JIS text"
is "$(get .messages[0].charset_detected)" CP932 "detected Shift_JIS (CP932)"
clean_text shift-jis-no-label

alone "$C/big5-no-label.eml"
is "$(get .subject)" "關於退貨的問題" "unlabelled Big5 subject"
like "$(get .messages[0].text)" "訂單編號：TW-55120" "unlabelled Big5 text"
is "$(get .messages[0].charset_detected)" BIG5-HKSCS "detected Big5"
clean_text big5-no-label

alone "$C/utf8-labelled-latin1.eml"
like "$(get .messages[0].text)" "die Größe „XL“ bestellt – geliefert" \
    "valid UTF-8 wins over an ISO-8859-1 label"
is "$(get .messages[0].charset_detected)" UTF-8 "guess recorded"
clean_text utf8-labelled-latin1

alone "$C/utf8-labelled-cp1252.eml"
is "$(get .subject)" "Facture erronée – 120 €" \
    "UTF-8 bytes in a windows-1252 encoded word"
like "$(get .messages[0].text)" "la facture n° 88 indique 120 €" \
    "valid UTF-8 wins over a windows-1252 label"
clean_text utf8-labelled-cp1252

alone "$C/iso2022jp-no-label.eml"
is "$(get .subject)" "見積もりのお願い" "raw ISO-2022-JP subject"
like "$(get .messages[0].text)" "^いつもお世話になっております。" \
    "ISO-2022-JP known by its escapes"
is "$(get .messages[0].charset_detected)" ISO-2022-JP "guess recorded"
clean_text iso2022jp-no-label

alone "$C/iso2022jp-nec.eml"
is "$(get .subject)" "会議室の予約①と②" "NEC circled digits in a subject"
like "$(get .messages[0].text)" "①　三月十八日　第Ⅲ会議室" \
    "NEC extensions in the text, read through CP932"
is "$(get .messages[0].charset_detected)" CP50221 "guess recorded"
clean_text iso2022jp-nec

alone "$C/ks-c-5601-cp949.eml"
is "$(get .subject)" "배송 안내" "KS C 5601 subject"
like "$(get .messages[0].text)" '"똠방각하"' "CP949 syllable under a KS C label"
clean_text ks-c-5601-cp949

alone "$C/latin1-raw-filename.eml"
is "$(get .subject)" "Übersicht für März" "raw Latin-1 subject"
is "$(get .messages[0].attachments[0].filename)" "Übersicht März.pdf" \
    "raw Latin-1 file name"
clean_text latin1-raw-filename

alone "$C/utf8-one-broken-byte.eml"
like "$(get .messages[0].text)" "^Здравствуйте!" \
    "one broken byte leaves UTF-8 text UTF-8"
is "$(get '.messages[0].text | [scan("\ufffd")] | length')" 1 \
    "with one U+FFFD for that byte"

alone "$C/html-meta-charset.eml"
like "$(get .messages[0].text)" "^Добрый день!" \
    "HTML with its charset only in <meta>"
clean_text html-meta-charset

finish
