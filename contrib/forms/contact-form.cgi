#!/bin/bash
# SPDX-License-Identifier: MIT
# A contact form handler as a CGI script: the form posts name, email,
# subject and message; this script hands them to `maildesk submit`, which
# opens a ticket and sends the acknowledgement as if the person had
# written to the support address.
#
# Install it where the web server runs CGI scripts, give the web server's
# user the right to run maildesk on the store (e.g. through sudo for the
# maildesk user only:  www-data ALL=(maildesk) NOPASSWD: /usr/local/bin/maildesk submit *),
# and point the form's action at it.  contact-form.html beside it is a form
# that posts here.

MAILDESK=${MAILDESK:-/usr/local/bin/maildesk}
QUEUE=${MAILDESK_QUEUE:-support}
MAX=65536

reply() {
	printf 'Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\n' \
	    "$1" "$2"
	exit 0
}

# application/x-www-form-urlencoded: '+' is a space, %XX a byte.
urldecode() {
	printf '%b' "$(printf '%s' "$1" | sed 's/+/ /g; s/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g')"
}

field() {
	printf '%s' "$body" | tr '&' '\n' | sed -n "s/^$1=//p" | head -n 1
}

[ "${REQUEST_METHOD:-}" = POST ] || reply "405 Method Not Allowed" "POST only."
len=${CONTENT_LENGTH:-0}
case $len in ''|*[!0-9]*) reply "400 Bad Request" "No form data." ;; esac
[ "$len" -le "$MAX" ] || reply "413 Payload Too Large" "The message is too long."
body=$(head -c "$len")

name=$(urldecode "$(field name)")
email=$(urldecode "$(field email)")
subject=$(urldecode "$(field subject)")
message=$(urldecode "$(field message)")

case $email in
*@*.*) ;;
*) reply "400 Bad Request" "Please give a valid e-mail address." ;;
esac
[ -n "$subject" ] || subject="Contact form"
[ -n "$message" ] || reply "400 Bad Request" "Please write a message."

# No shell ever sees the values as code: they go in as arguments and stdin.
if printf '%s\n' "$message" | "$MAILDESK" submit --name "$name" \
    --email "$email" --subject "$subject" --queue "$QUEUE" > /dev/null; then
	reply "200 OK" "Thank you. We have received your message and will answer by e-mail."
else
	reply "503 Service Unavailable" "Sorry, please try again later."
fi
