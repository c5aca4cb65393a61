#!/bin/sh
# SPDX-License-Identifier: MIT
# The acknowledgement speaks the customer's language: the profile's
# "language" field if set, else the mail's Content-Language, else a guess
# from the words of the mail, else the queue's language.  Relayed answers
# come from "Agent Name via Queue <queue address>", quoted as RFC 5322
# wants where the name needs it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-lib.sh"

# mail TO FROM-ADDRESS MESSAGE-ID [HEADER] < BODY: a customer mail with
# BODY as its text, delivered to TO.
mail() {
	{
		printf 'From: %s\nTo: %s\nSubject: Frage %s\n' "$2" "$1" "$3"
		printf 'Date: Mon, 02 Mar 2026 10:00:00 +0100\n'
		printf 'Message-ID: <%s>\nMIME-Version: 1.0\n' "$3"
		printf 'Content-Type: text/plain; charset=utf-8\n'
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		printf '\n'
		cat
	} > "$T/mail.eml"
	dlv "$T/mail.eml" --sender "$2" --recipient "$1"
}

# ack_of N: the first line of ticket N's acknowledgement.
ack_of() {
	show "$1" '[.messages[] | select(.kind == "ack")][0].text' | head -n 1
}

GERMAN='Guten Tag,'
ENGLISH='Hello,'

conf "[queue sales]" "language = de"

# A German mail to the English queue: German.
mail support@example.com jana@example.de l1@lang.test <<'EOM'
Hallo,

ich habe eine Frage zu meiner Rechnung. Der Betrag ist leider nicht
richtig, bitte prüfen Sie das.

Vielen Dank und freundliche Grüße
Jana
EOM
is "$(ack_of 1)" "$GERMAN" "a German mail to an English queue: German ack"

# An English mail to the German queue: English.
mail sales@example.com emma@example.com l2@lang.test <<'EOM'
Hello,

I have a question about the price of your product. Could you please
send me an offer for the large one? Thank you.

Emma
EOM
is "$(ack_of 2)" "$ENGLISH" "an English mail to a German queue: English ack"

# Too few words to tell, but Content-Language says German.
mail support@example.com karl@example.de l3@lang.test \
    'Content-Language: de-DE' <<'EOM'
Rechnung 4711 anbei.
EOM
is "$(ack_of 3)" "$GERMAN" "Content-Language: de-DE: German ack"

# Too few words and no header: the queue's language.
mail sales@example.com otto@example.de l4@lang.test <<'EOM'
Rechnung 4711 anbei.
EOM
is "$(ack_of 4)" "$GERMAN" "no clue in the mail: the queue's language (de)"
mail support@example.com olga@example.de l5@lang.test <<'EOM'
Rechnung 4711 anbei.
EOM
is "$(ack_of 5)" "$ENGLISH" "no clue in the mail: the queue's language (en)"

# The profile's language beats the mail: Karl wants English.
md customer set karl@example.de language en > /dev/null ||
    not_ok "customer set karl language en"
mail sales@example.com karl@example.de l6@lang.test \
    'Content-Language: de' <<'EOM'
Hallo, ich habe noch eine Frage zu der Rechnung, bitte melden Sie sich.
EOM
is "$(ack_of 6)" "$ENGLISH" \
    "the profile's language (en) beats Content-Language and the text"

# --- Relayed answers: "Agent Name via Queue" ---------------------------
md agent add alice@example.com --name "Alice Agent" --queue support \
    > /dev/null || bail "agent add alice"
md agent add bob@example.com --name "Agent, Bob" --queue support \
    > /dev/null || bail "agent add bob"
md agent add carol@example.com --queue support > /dev/null ||
    bail "agent add carol"
settle
sink_reset
echo "Your invoice is corrected." |
    md ticket reply 1 --from alice@example.com > /dev/null ||
    not_ok "ticket reply 1 --from alice"
echo "Second answer." |
    md ticket reply 5 --from bob@example.com > /dev/null ||
    not_ok "ticket reply 5 --from bob"
echo "Third answer." |
    md ticket reply 3 --from carol@example.com > /dev/null ||
    not_ok "ticket reply 3 --from carol"
settle
A=$(one "$(sink_to jana@example.de)")
is "$(mail_header "$A" From)" 'Alice Agent via Support <support@example.com>' \
    "relayed answer: From Alice Agent via Support <support@...>"
B=$(one "$(sink_to olga@example.de)")
is "$(mail_header "$B" From)" \
    '"Agent, Bob via Support" <support@example.com>' \
    "a name with a comma is quoted (RFC 5322)"
if have_python; then
	is "$(sink_message "$B" | python3 -c '
import sys, email, email.policy, email.utils
m = email.message_from_binary_file(sys.stdin.buffer,
                                   policy=email.policy.compat32)
print("|".join(email.utils.parseaddr(m["From"])))')" \
	    'Agent, Bob via Support|support@example.com' \
	    "and parses back to the name and our address"
else
	skip "and parses back to the name and our address" "no python3"
fi
K=$(one "$(sink_to karl@example.de)")
is "$(mail_header "$K" From)" 'Support <support@example.com>' \
    "an agent without a name: the queue's name alone"

finish
