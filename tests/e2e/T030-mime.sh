#!/bin/sh
# SPDX-License-Identifier: MIT
# MIME structure (tests/corpus/mime): text from HTML-only mail, the text and
# HTML parts of alternatives, attachment names (RFC 2231 continuations,
# RFC 2047 in a name parameter), inline images, attached messages and nested
# multiparts.  Sizes and SHA-256 of decoded attachments are recomputed here
# from the fixture's base64, independently of maildesk.
. "$(dirname "$0")/lib.sh"

setup_store
M="$TEST_CORPUS/mime"

file() {
	deliver "$M/$1"
	is "$rc" 0 "deliver mime/$1 exits 0"
	if [ -s "$T/out" ] || [ -s "$T/err" ]; then
		not_ok "deliver mime/$1 is silent" "$(cat "$T/out" "$T/err")"
	fi
}

show() {
	jqr "$2" ticket show "$1" --json
}

# b64_of FILE MARKER: the base64 body of the part whose headers contain
# the line MARKER (a fixed string): from the blank line after the headers
# to the next blank line or boundary.
b64_of() {
	awk -v m="$2" '
		!f && index($0, m) { f = 1; next }
		f == 1 && /^\r?$/ { f = 2; next }
		f == 2 && (/^\r?$/ || /^--/) { exit }
		f == 2 { print }
	' "$1"
}

# expect_attachment N I FILE MARKER: attachment I (0-based) of ticket N
# has the size and SHA-256 of the base64 part MARKER in FILE, decoded.
expect_attachment() {
	b64_of "$3" "$4" | base64 -d > "$T/part" ||
	    not_ok "fixture part $4 of $3 decodes"
	want_size=$(wc -c < "$T/part" | tr -d ' ')
	want_sum=$(sha256sum < "$T/part" | cut -d' ' -f1)
	[ "$want_size" -gt 0 ] || not_ok "fixture part $4 of $3 is not empty"
	is "$(show "$1" ".messages[0].attachments[$2].size")" "$want_size" \
	    "ticket $1 attachment $2: size $want_size"
	is "$(show "$1" ".messages[0].attachments[$2].sha256")" "$want_sum" \
	    "ticket $1 attachment $2: sha256 of the decoded bytes"
}

# 1: a single text/html part, quoted-printable.
file html-only.eml
html_text=$(show 1 .messages[0].text)
is "$html_text" "Hello support team,

the app crashes when I open Settings > Export.
Steps:

- Open the app
- Tap \"Export\"
- Crash & restart

Grüße, Renée Dupont" "HTML-only mail gives readable text"
nbsp=$(printf '\302\240')
for bad in "must not appear in text" "ignored title" "font-family" \
    "<" "&gt;" "&amp;" "&uuml;" "&nbsp;" "$nbsp"; do
	case $html_text in
	*"$bad"*) not_ok "text has no [$bad]" ;;
	*) ok "text has no [$bad]" ;;
	esac
done
like "$(show 1 .messages[0].html)" '<script>var tracking = "must not' \
    "html keeps the HTML, QP-decoded"
like "$(show 1 .messages[0].html)" '<p>Gr&uuml;&szlig;e, Renée&nbsp;Dupont' \
    "html keeps entities as written"
is "$(show 1 '.messages[0].attachments | length')" 0 "no attachments"

# 2: multipart/alternative: text is the plain part, html the HTML part.
file alternative.eml
is "$(show 2 .customer.email)" nora.blake@example.org "alternative customer"
is "$(show 2 .messages[0].text)" "Hi,

the billing address form says \"saved\" but shows the old address again.

Nora" "alternative: text from text/plain"
like "$(show 2 .messages[0].html)" '^<div dir="ltr"><div>Hi,</div>' \
    "alternative: html from text/html"
is "$(show 2 '.messages[0].attachments | length')" 0 \
    "alternative: no attachments"

# 3: RFC 2231 continuations; the split falls inside the UTF-8 of "ä".
file rfc2231-continuation.eml
is "$(show 3 '.messages[0].attachments | length')" 1 "rfc2231: 1 attachment"
is "$(show 3 .messages[0].attachments[0].filename)" \
    "Kostenvoranschlag für die Reparatur der Heizungsanlage März 2024.pdf" \
    "rfc2231: file name joined and decoded"
is "$(show 3 .messages[0].attachments[0].content_type)" application/pdf \
    "rfc2231: application/pdf"
is "$(show 3 .messages[0].attachments[0].size)" 613 "rfc2231: size 613"
expect_attachment 3 0 "$M/rfc2231-continuation.eml" "filename*2*="
like "$(show 3 .messages[0].text)" "^Hallo,

anbei der Kostenvoranschlag" "rfc2231: text from the text part"

# 4: the file name only as an RFC 2047 word in Content-Type name=.
file rfc2047-name.eml
is "$(show 4 .messages[0].attachments[0].filename)" "Prüfbericht.pdf" \
    "rfc2047 name= decoded"
is "$(show 4 .messages[0].attachments[0].content_type)" application/pdf \
    "rfc2047: application/pdf"
is "$(show 4 .messages[0].attachments[0].size)" 602 "rfc2047: size 602"
expect_attachment 4 0 "$M/rfc2047-name.eml" "Content-Type: application/pdf"

# 5: multipart/related: HTML plus an inline image with a Content-ID.
file inline-image.eml
is "$(show 5 '.messages[0].attachments | length')" 1 "inline: 1 attachment"
is "$(show 5 '.messages[0].attachments[0] | [.filename, .content_type,
    .size, .disposition, .content_id] | map(tostring) | join(" ")')" \
    "screenshot.png image/png 69 inline screenshot.1a2b3c@example.net" \
    "inline image: name, type, size, inline, content_id"
expect_attachment 5 0 "$M/inline-image.eml" "Content-ID: <screenshot"
like "$(show 5 .messages[0].html)" 'src="cid:screenshot.1a2b3c@example.net"' \
    "inline: html kept"
is "$(show 5 .messages[0].text)" "Hello, this is what I see after login:

Jonas" "inline: text from the HTML"

# 6: a forwarded mail as message/rfc822.
file attached-message.eml
is "$(show 6 .messages[0].text)" "Hello,

see the attached confirmation: the price differs from the web shop.

Ulla" "attached message: text is the outer text only"
is "$(show 6 '.messages[0].attachments | length')" 1 \
    "attached message: one attachment"
is "$(show 6 '.messages[0].attachments[0] | [.filename, .content_type] |
    join(" | ")')" "Your order confirmation 6031.eml | message/rfc822" \
    "attached message: listed as message/rfc822 attachment"
# The attachment is the embedded message as it stands in the mail: the
# lines after its part headers, without the newline before the boundary.
awk '
	!f && index($0, "Content-Type: message/rfc822") { f = 1; next }
	f == 1 && /^$/ { f = 2; next }
	f == 2 && /^--------------fwd0A1B2C3D4E5F6--/ { exit }
	f == 2 { if (n++) printf "\n"; printf "%s", $0 }
' "$M/attached-message.eml" > "$T/inner"
is "$(show 6 .messages[0].attachments[0].size)" \
    "$(wc -c < "$T/inner" | tr -d ' ')" "attached message: size"
is "$(show 6 .messages[0].attachments[0].sha256)" \
    "$(sha256sum < "$T/inner" | cut -d' ' -f1)" "attached message: sha256"
is "$(show 6 .customer.email)" ulla.meier@example.org \
    "attached message: the outer sender is the customer"
is "$(show 6 .messages[0].message_id)" 20240308130000.fwd1@example.org \
    "attached message: the outer Message-ID"
md customer show shop@example.com > /dev/null 2>&1
is "$?" 1 "attached message: no profile for the inner sender"

# 7: mixed[ alternative[ text/plain, related[ text/html, png ] ], pdf ].
file nested.eml
is "$(show 7 .messages[0].text)" "Hello,
attached are the short manual and our logo for the login page.
Sara" "nested: text from text/plain"
like "$(show 7 .messages[0].html)" '^<p>Hello,<br>attached are' \
    "nested: html from the related HTML"
is "$(show 7 '[.messages[0].attachments[] |
    "\(.filename) \(.content_type) \(.size) \(.disposition)"] | join(", ")')" \
    "logo.png image/png 69 inline, manual-short.pdf application/pdf 601 attachment" \
    "nested: logo.png inline and manual-short.pdf"
expect_attachment 7 0 "$M/nested.eml" "Content-ID: <logo-77aa"
expect_attachment 7 1 "$M/nested.eml" 'filename="manual-short.pdf"'
# The same PNG bytes in two mails give the same digest.
is "$(show 7 .messages[0].attachments[0].sha256)" \
    "$(show 5 .messages[0].attachments[0].sha256)" \
    "the same image has the same sha256 in both mails"

# A forwarded mail's inner Message-ID is no threading or dedupe key: a mail
# whose own Message-ID is the inner one is a new mail in a new ticket.
md deliver > /dev/null 2>&1 <<'EOF'
From: Example Shop <shop@example.com>
To: support@example.com
Subject: Your order confirmation 6031
Date: Wed, 6 Mar 2024 18:22:10 +0100
Message-ID: <order-6031.confirm@shop.example.com>

Thank you for your order 6031.
EOF
is "$?" 0 "mail with the inner Message-ID delivered"
is "$(jqr 'length' ticket list --json)" 8 "it opened ticket 8"
is "$(show 6 '.messages | length')" 1 "ticket 6 still has one message"

# Every mail is stored byte for byte.
n=1
for f in html-only alternative rfc2231-continuation rfc2047-name \
    inline-image attached-message nested; do
	is "$(md ticket raw "$n" | sha256sum | cut -d' ' -f1)" \
	    "$(sha256sum < "$M/$f.eml" | cut -d' ' -f1)" "raw of $f.eml"
	n=$((n + 1))
done

finish
