#!/bin/sh
# SPDX-License-Identifier: MIT
# contrib/forms/contact-form.cgi, run as a web server runs a CGI script:
# a posted form becomes a ticket of the person in the form; bad input is
# refused with a clear answer and stores nothing.
. "$(dirname "$0")/lib.sh"

setup_store "[smtp]" "port = 1" "[outbox]" "deliver-flush-seconds = 0"
printf '#!/bin/sh\nexec "%s" -c "%s" "$@"\n' "$MAILDESK" "$T/maildesk.conf" \
    > "$T/md"
chmod +x "$T/md"
cgi="${SRCDIR:-$(dirname "$0")/../..}/contrib/forms/contact-form.cgi"

post() {
	printf '%s' "$1" | REQUEST_METHOD=POST CONTENT_LENGTH=${#1} \
	    MAILDESK="$T/md" bash "$cgi"
}

out=$(post 'name=Erika+M%C3%BCller&email=erika%40example.org&subject=Lieferung+%26+Rechnung&message=Guten+Tag%2C%0Awo+bleibt+meine+Bestellung%3F')
like "$out" '^Status: 200' "a complete form is accepted"
is "$(jqr '.[0].customer.email' ticket list --json)" erika@example.org \
    "the ticket is filed under the person in the form"
is "$(jqr '.[0].customer.first_name + " " + .[0].customer.last_name' ticket list --json)" \
    "Erika Müller" "with the name from the form, decoded"
is "$(jqr '.subject' ticket show 1 --json)" "Lieferung & Rechnung" \
    "the subject survives URL encoding"
like "$(jqr '.messages[0].text' ticket show 1 --json)" 'wo bleibt meine Bestellung\?' \
    "and so does the message"

out=$(post 'name=X&email=not-an-address&subject=S&message=M')
like "$out" '^Status: 400' "a bad address is refused"
out=$(post 'name=X&email=x%40example.org&subject=S&message=')
like "$out" '^Status: 400' "an empty message is refused"
out=$(printf '' | REQUEST_METHOD=GET bash "$cgi")
like "$out" '^Status: 405' "GET is refused"
is "$(md ticket list --json | jq length)" 1 "refused forms store nothing"
# Shell syntax in a field is data, never code.
out=$(post 'name=%24%28touch+%2Ftmp%2Fmaildesk-pwned%29&email=y%40example.org&subject=%60id%60&message=x')
like "$out" '^Status: 200' "a form with shell syntax in it is accepted"
[ ! -e /tmp/maildesk-pwned ] && ok "and nothing in it was run" ||
    not_ok "a form field was run as a command"
is "$(jqr '.[1].subject' ticket list --json)" '`id`' "it is stored as text"
finish
