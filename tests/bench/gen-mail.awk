# SPDX-License-Identifier: MIT
# Writes 4 KB mails with text to search into a Maildir, for
# search-bench.sh and engine-compare/: mails FIRST..FIRST+N-1 into DIR, in
# the shape of import-bench.sh's mails (5,000 customers), with a body of
# ~3,500 bytes of words drawn by Zipf's law from a vocabulary of 200,000
# (frequent English or German words first, then made-up ones), a made-up
# product code and a date in 2024-2026.  Every EVERY-th mail also writes a
# one-word query (rank drawn log-uniformly) to ONE, two of its words to
# TWO and two words of it in a row, as a phrase, to PHRASE.
#
#   awk -v dir=DIR -v first=FIRST -v n=N -v every=EVERY \
#       -v one=FILE -v two=FILE -v phrase=FILE -f gen-mail.awk
function word(r,    w) {
	if (r <= nhead)
		return head[r]
	w = ""
	r = r - nhead
	do {
		w = w syl[r % nsyl]
		r = int(r / nsyl)
	} while (r > 0 || length(w) < 5)
	return w
}
BEGIN {
	nsyl = split("ka to ri mus len dor fa pi sel ub an ver gol te " \
	    "bri on kus mal ne ro", syl, " ")
	for (i = 1; i <= nsyl; i++) syl[i - 1] = syl[i]
	en = "the and to of a in is for you it that on this with we be " \
	    "are have not your please thanks can our from will order " \
	    "printer invoice account password error delivery problem " \
	    "customer help working broken email payment refund update"
	de = "der die und das ist nicht ich sie wir mit fuer auf ein eine " \
	    "zu von den dem bitte danke ihre drucker rechnung konto " \
	    "passwort fehler lieferung problem kunde hilfe bestellung " \
	    "defekt zahlung erstattung"
	V = 200000
	srand(first + 1)
	for (i = first; i < first + n; i++) {
		nhead = split(i % 2 ? en : de, head, " ")
		d = i % 1096
		f = sprintf("%s/%d.bench:2,S", dir, 1000000000 + i)
		b = ""
		nw = 0
		while (length(b) < 3400) {
			w[++nw] = word(int(exp(rand() * log(V))))
			b = b w[nw] (nw % 14 ? " " : ".\n")
		}
		printf "From: Customer %d <c%d@example.net>\nTo: support@example.com\nSubject: Request %d %s %s\nDate: %02d Jan %d 10:00:00 +0100\nMessage-ID: <sb%d@example.net>\n\n%s\nCode K%x\n", \
		    i % 5000, i % 5000, i, w[1], w[2], d % 28 + 1, \
		    2024 + int(d / 365), i, b, (i * 2654435761) % 4294967296 > f
		close(f)
		if (i % every == 0) {
			print word(int(exp(log(30) + rand() * \
			    (log(V) - log(30))))) >> one
			a = int(rand() * (nw - 2)) + 1
			print w[a], w[int(rand() * nw) + 1] >> two
			print "\"" w[a], w[a + 1] "\"" >> phrase
		}
	}
}
