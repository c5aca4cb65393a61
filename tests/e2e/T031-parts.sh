#!/bin/sh
# SPDX-License-Identifier: MIT
# Parts and attachments (tests/corpus/parts): unpadded base64, uuencode with
# and without "begin", a uuencoded file inside the text, names from
# Content-Location or made from the type, winmail.dat unpacked, Apple
# Mail's interleaved text and images as one body, alternatives that are no
# attachments, attached messages measured as their bytes in the mail.
. "$(dirname "$0")/lib.sh"

setup_store
C="$TEST_CORPUS/parts"

# atts: "name type size" per attachment, one a line.
atts() {
	get '.messages[0].attachments[] | "\(.filename) \(.content_type) \(.size)"'
}

alone "$C/unpadded-base64.eml"
is "$(atts)" "digits.bin application/octet-stream 10" \
    "unpadded base64 keeps its last bytes"
is "$(get .messages[0].attachments[0].sha256)" \
    84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882 \
    "and they are the right bytes"

report=42d16a363afcb6d09315292a2303abadd078265969bfb8955a303c2e87ba917f
for f in x-uuencode uuencode-no-begin; do
	alone "$C/$f.eml"
	is "$(get '.messages[0].attachments[0] | "\(.filename) \(.size)"')" \
	    "device.log 150" "$f: decoded"
	is "$(get .messages[0].attachments[0].sha256)" "$report" \
	    "$f: the right bytes"
done

alone "$C/uuencode-in-text.eml"
is "$(get '.messages[0].attachments[0] | "\(.filename) \(.size)"')" \
    "error report.txt 150" "a uuencoded file in the text is an attachment"
is "$(get .messages[0].attachments[0].sha256)" "$report" "the right bytes"
is "$(get .messages[0].text)" "Hello,

the log is below.


Regards,
Old Client" "the text around it stays the body"

alone "$C/part-names.eml"
is "$(atts)" "chart.png image/png 70
image-3.png image/png 70
part-4.html text/html 17
message-5.eml message/rfc822 52" \
    "names: Content-Location, else made from place and type"
is "$(get '[.messages[0].attachments[] | select(.filename == null)] |
    length')" 0 "no attachment without a name"

alone "$C/winmail-dat.eml"
is "$(atts)" "AUTHORS application/octet-stream 244
README application/octet-stream 893" "winmail.dat unpacked into its files"
is "$(get '[.messages[0].attachments[].sha256] | join(" ")')" \
    "36c47da7d11846caf0474a4b3df83bb4eba9ea01d2bca500c288fa108e123d28 d0f163180d6ad5d8d3b4e7c6bc0cc948d05888bff0f69dba375b946ea4c6b0fa" \
    "with the right bytes"
md ticket raw 1 1 | cmp -s - "$C/winmail-dat.eml" &&
    ok "the winmail.dat stays in the raw mail" ||
    not_ok "the winmail.dat stays in the raw mail"

alone "$C/apple-interleaved.eml"
is "$(get .messages[0].text)" "Here is the first photo:

and the second one:

Thanks, Lisa" "interleaved inline text parts are one body, in order"
is "$(atts)" "IMG_0001.png image/png 70
IMG_0002.png image/png 70" "the images are the attachments"

alone "$C/alternative-three.eml"
is "$(get .messages[0].text)" "Review on Friday at 10:00." \
    "alternative: the plain text"
like "$(get .messages[0].html)" "<b>Review</b>" "alternative: the HTML"
is "$(get '.messages[0].attachments | length')" 0 \
    "the other alternative is no attachment"

alone "$C/rfc822-crlf.eml"
is "$(atts)" "order99.eml message/rfc822 156
empty.eml message/rfc822 0" "attached messages measured as their bytes"
is "$(get .messages[0].attachments[0].sha256)" \
    33d1eb017f2eba1ad81afb02ebd61ced71735cbdb085021a9be9c2357048e4de \
    "the digest of those bytes"

finish
