/* SPDX-License-Identifier: MIT */
/*
 * Charset decisions for text from mail (bodies, header words, raw 8-bit
 * header bytes).  The order is fixed: ASCII needs nothing; ISO-2022-JP is
 * known by its escapes; valid UTF-8 beats a single-byte label; a label
 * that converts cleanly is believed (read as its superset, as browsers
 * do: GB2312 as GB18030, Shift_JIS as CP932); then the context's hint,
 * then uchardet, then windows-1252.  Detection only runs when the label
 * is missing or wrong, so plain mail never pays for it.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/charset.h"

static gboolean
is_label(const char *charset, const char *const *labels)
{
	for (const char *const *l = labels; *l != NULL; l++)
		if (g_ascii_strcasecmp(charset, *l) == 0)
			return TRUE;
	return FALSE;
}

/* Labels that promise nothing beyond ASCII, or nothing at all. */
static gboolean
means_undeclared(const char *charset)
{
	static const char *const labels[] = {
		"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us",
		"unknown-8bit", "x-unknown", "unknown", "default", "none",
		"8bit", "x-user-defined", "charset", "", NULL
	};

	return is_label(charset, labels);
}

gboolean
md_charset_is_undeclared(const char *label)
{
	return label == NULL || means_undeclared(label);
}

static gboolean
means_utf8(const char *charset)
{
	static const char *const labels[] = { "utf-8", "utf8", "x-utf8",
		"utf-8-bom", NULL };

	return is_label(charset, labels);
}

gboolean
md_charset_is_wide(const char *label)
{
	return label != NULL && (g_ascii_strncasecmp(label, "utf-16", 6) == 0 ||
	    g_ascii_strncasecmp(label, "utf-32", 6) == 0 ||
	    g_ascii_strncasecmp(label, "ucs-2", 5) == 0 ||
	    g_ascii_strncasecmp(label, "ucs-4", 5) == 0 ||
	    g_ascii_strcasecmp(label, "utf-7") == 0 ||
	    g_ascii_strcasecmp(label, "unicode-1-1-utf-7") == 0);
}

/*
 * Labels read as a superset, as the WHATWG encoding standard does: mail
 * labelled GB2312 carries GBK characters, Shift_JIS mail the NEC and IBM
 * extensions of CP932, Latin-1 mail the typographic quotes of
 * windows-1252.  Each superset decodes every valid text of its label the
 * same way.
 */
static const char *
superset(const char *label)
{
	static const struct {
		const char *const labels[12];
		const char *use;
	} sets[] = {
		{ { "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936",
		    "euc-cn", "csgb2312", "gb_2312-80", "chinese", "gb2312-80",
		    NULL }, "GB18030" },
		{ { "big5", "x-x-big5", "cn-big5", "csbig5", "big-5", NULL },
		    "BIG5-HKSCS" },
		{ { "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji",
		    "csshiftjis", "windows-31j", "x-ms-cp932", "ms932", NULL },
		    "CP932" },
		{ { "euc-kr", "ks_c_5601-1987", "ks_c_5601", "ksc5601",
		    "ksc_5601", "korean", "csksc56011987", "x-windows-949",
		    "windows-949", "ms949", NULL }, "CP949" },
		{ { "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		    "cp819", "ibm819", "iso-ir-100", "csisolatin1", NULL },
		    "WINDOWS-1252" },
		{ { "iso-8859-9", "iso8859-9", "latin5", "l5", NULL },
		    "WINDOWS-1254" },
		{ { "tis-620", "iso-8859-11", "windows-874", NULL }, "CP874" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(sets); i++)
		if (is_label(label, sets[i].labels))
			return sets[i].use;
	return NULL;
}

/* @len bytes in @charset as valid UTF-8, or NULL if any byte is invalid. */
static char *
convert_strict(const char *data, gsize len, const char *charset)
{
	const char *name = g_mime_charset_iconv_name(charset);
	gsize written = 0;
	char *out;

	if (name == NULL)
		return NULL;
	out = g_convert(data, len, "UTF-8", name, NULL, &written, NULL);
	if (out == NULL)
		return NULL;
	if (strlen(out) != written) {
		/* NULs (UTF-16 text, broken mailers) would cut a C string. */
		gsize o = 0;

		for (gsize i = 0; i < written; i++)
			if (out[i] != '\0')
				out[o++] = out[i];
		out[o] = '\0';
	}
	return out;
}

/* The label's superset, then the label itself; NULL if neither fits. */
static char *
convert_label(const char *data, gsize len, const char *label)
{
	const char *wider = superset(label);
	char *out = NULL;

	if (wider != NULL)
		out = convert_strict(data, len, wider);
	if (out == NULL)
		out = convert_strict(data, len, label);
	/* EUC-JP mail carries the NEC extensions too. */
	if (out == NULL && g_ascii_strcasecmp(label, "euc-jp") == 0)
		out = convert_strict(data, len, "EUC-JP-MS");
	return out;
}

/*
 * Like convert_strict, but an invalid byte becomes U+FFFD and the rest is
 * still converted.  Only for the last resort, where nothing fits.
 */
static char *
convert_lossy(const char *data, gsize len, const char *charset)
{
	GString *out = g_string_sized_new(len + 16);
	const char *name = g_mime_charset_iconv_name(charset);

	while (len > 0) {
		g_autoptr(GError) e = NULL;
		gsize read = 0, written = 0;
		g_autofree char *part = g_convert(data, len, "UTF-8", name,
		    &read, &written, &e);

		if (part != NULL) {
			g_string_append_len(out, part, written);
			break;
		}
		if (read > 0) {
			g_autofree char *ok = g_convert(data, read, "UTF-8",
			    name, NULL, &written, NULL);

			if (ok != NULL)
				g_string_append_len(out, ok, written);
		}
		g_string_append(out, "\xef\xbf\xbd");
		read++;
		if (read > len)
			read = len;
		data += read;
		len -= read;
	}
	{
		char *v = g_utf8_make_valid(out->str, out->len);

		g_string_free(out, TRUE);
		return v;
	}
}

static gboolean
has_high_bytes(const char *data, gsize len, gsize *count)
{
	gsize n = 0;

	for (gsize i = 0; i < len; i++)
		if ((guchar)data[i] >= 0x80)
			n++;
	*count = n;
	return n > 0;
}

/* ESC $ or ESC ( : the designations of ISO-2022-JP (RFC 1468). */
static gboolean
has_iso2022_escape(const char *data, gsize len)
{
	const char *p = memchr(data, 0x1b, len);

	while (p != NULL && p + 1 < data + len) {
		if (p[1] == '$' || p[1] == '(')
			return TRUE;
		p = memchr(p + 1, 0x1b, data + len - p - 1);
	}
	return FALSE;
}

/*
 * ISO-2022-JP as CP932 bytes, so that iconv's CP932 table reads what the
 * strict ISO-2022-JP converter refuses: the NEC row 13 (circled digits,
 * Roman numerals) and the IBM extensions that Windows writes into
 * ISO-2022-JP (CP50220/CP50221).  Only the shifts are handled here; the
 * characters are iconv's.  JIS X 0212 and other sets give 0xFF, which
 * CP932 rejects.
 */
static GString *
iso2022jp_as_cp932(const char *data, gsize len)
{
	enum { ASCII, KANJI, KANA, OTHER } mode = ASCII;
	GString *out = g_string_sized_new(len);
	gboolean so = FALSE;

	for (gsize i = 0; i < len; i++) {
		guchar c = data[i];

		if (c == 0x1b && i + 2 < len) {
			const char *e = data + i + 1;

			if (e[0] == '(' && (e[1] == 'B' || e[1] == 'J' ||
			    e[1] == 'H'))
				mode = ASCII;
			else if (e[0] == '(' && e[1] == 'I')
				mode = KANA;
			else if (e[0] == '$' && (e[1] == '@' || e[1] == 'B'))
				mode = KANJI;
			else if (e[0] == '$' && e[1] == '(' && i + 3 < len &&
			    (e[2] == 'B' || e[2] == '@' || e[2] == 'Q')) {
				mode = KANJI;
				i++;
			} else if (e[0] == '$' || e[0] == '(') {
				mode = OTHER;
				if (e[1] == '(' && i + 3 < len)
					i++;
			} else {
				g_string_append_c(out, (char)0xff);
				continue;
			}
			i += 2;
			continue;
		}
		if (c == 0x0e || c == 0x0f) {
			so = c == 0x0e;
			continue;
		}
		if (c == '\n' || c == '\r') {
			/* Lines end in ASCII (RFC 1468); sloppy encoders
			 * forget to say so. */
			mode = ASCII;
			so = FALSE;
			g_string_append_c(out, c);
			continue;
		}
		if ((mode == KANA || so) && c >= 0x21 && c <= 0x5f) {
			g_string_append_c(out, (char)(c + 0x80));
		} else if (mode == KANJI && c >= 0x21 && c <= 0x7e &&
		    i + 1 < len && (guchar)data[i + 1] >= 0x21 &&
		    (guchar)data[i + 1] <= 0x7e) {
			guchar c2 = data[++i];
			guchar s1 = ((c + 1) >> 1) + (c <= 0x5e ? 0x70 : 0xb0);
			guchar s2 = c2 + ((c & 1) ? (c2 >= 0x60 ? 0x20 : 0x1f) :
			    0x7e);

			g_string_append_c(out, (char)s1);
			g_string_append_c(out, (char)s2);
		} else if (mode == OTHER && c >= 0x21 && c <= 0x7e) {
			g_string_append_c(out, (char)0xff);
		} else
			g_string_append_c(out, c);
	}
	return out;
}

/*
 * ISO-2022-JP: strict, then its -2 superset, then through CP932; the
 * last resort keeps what it can and marks the rest with U+FFFD, so that
 * no escape sequence is ever shown as text.
 */
static char *
convert_iso2022jp(const char *data, gsize len, const char **guessed)
{
	g_autoptr(GString) sjis = NULL;
	char *out;

	static const char *const strict[] = { "ISO-2022-JP", "ISO-2022-JP-2" };

	/* iconv passes an escape it does not know through as text. */
	for (gsize i = 0; i < G_N_ELEMENTS(strict); i++) {
		if ((out = convert_strict(data, len, strict[i])) != NULL &&
		    strchr(out, 0x1b) == NULL)
			return out;
		g_clear_pointer(&out, g_free);
	}
	/* Windows' name for ISO-2022-JP with its extensions. */
	*guessed = g_intern_static_string("CP50221");
	sjis = iso2022jp_as_cp932(data, len);
	if ((out = convert_strict(sjis->str, sjis->len, "CP932")) != NULL)
		return out;
	return convert_lossy(sjis->str, sjis->len, "CP932");
}

static gboolean
is_iso2022_other(const char *label)
{
	return label != NULL && (g_ascii_strncasecmp(label, "iso-2022-kr",
	    11) == 0 || g_ascii_strncasecmp(label, "iso-2022-cn", 11) == 0);
}

gboolean
md_charset_is_single_byte(const char *label)
{
	const char *wider = superset(label);

	if (wider != NULL)
		return g_ascii_strncasecmp(wider, "WINDOWS-", 8) == 0 ||
		    strcmp(wider, "CP874") == 0;
	return g_ascii_strncasecmp(label, "iso-8859", 8) == 0 ||
	    g_ascii_strncasecmp(label, "iso8859", 7) == 0 ||
	    g_ascii_strncasecmp(label, "windows-", 8) == 0 ||
	    g_ascii_strncasecmp(label, "cp12", 4) == 0 ||
	    g_ascii_strncasecmp(label, "koi8", 4) == 0 ||
	    g_ascii_strncasecmp(label, "ibm", 3) == 0 ||
	    g_ascii_strncasecmp(label, "cp8", 3) == 0 ||
	    g_ascii_strncasecmp(label, "mac", 3) == 0;
}

/*
 * Fewer 8-bit bytes than this, valid as UTF-8 and as a multi-byte label
 * (a GBK or Shift_JIS name of two characters can be both): the label
 * decides.  Beyond it, valid UTF-8 by chance is all but impossible.
 */
#define UTF8_BEATS_MULTIBYTE_LABEL 8

/*
 * Text that is UTF-8 but for a stray broken byte (a mailer that cut a
 * character, a bad line in a quoted-printable part): it stays UTF-8 with
 * U+FFFD for that byte, rather than becoming mojibake from end to end.
 */
static gboolean
mostly_utf8(const char *data, gsize len)
{
	gsize valid = 0, invalid = 0;
	const char *p = data, *end = data + len;

	while (p < end) {
		gunichar c;

		if ((guchar)*p < 0x80) {
			p++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			invalid++;
			p++;
		} else {
			valid++;
			p = g_utf8_next_char(p);
		}
	}
	return valid >= 4 && invalid * 8 <= valid;
}

/*
 * UTF-8 with C1 controls (U+0080-U+009F) was windows-1252 once, read as
 * Latin-1 on its way into UTF-8: "\xc2\x80" was a euro sign.  No text
 * means a C1 control, so each becomes the windows-1252 character of its
 * byte (the five bytes windows-1252 leaves undefined stay as they are).
 */
static char *
utf8_copy(const char *data, gsize len)
{
	GString *out;

	for (gsize i = 0; i + 1 < len; i++)
		if ((guchar)data[i] == 0xc2 && (guchar)data[i + 1] >= 0x80 &&
		    (guchar)data[i + 1] <= 0x9f)
			goto repair;
	return g_strndup(data, len);
repair:
	out = g_string_sized_new(len);
	for (gsize i = 0; i < len; i++) {
		if (i + 1 < len && (guchar)data[i] == 0xc2 &&
		    (guchar)data[i + 1] >= 0x80 && (guchar)data[i + 1] <= 0x9f) {
			g_autofree char *c = g_convert(data + i + 1, 1, "UTF-8",
			    "WINDOWS-1252", NULL, NULL, NULL);

			if (c != NULL) {
				g_string_append(out, c);
				i++;
				continue;
			}
		}
		g_string_append_c(out, data[i]);
	}
	return g_string_free(out, FALSE);
}

static const char *
guess(const char *name)
{
	return g_intern_string(name);
}

char *
md_charset_to_utf8(const char *data, gsize len, const char *label,
    const char *hint, const char **guessed)
{
	const char *dummy;
	gsize high;
	gboolean utf8;
	char *out;

	if (guessed == NULL)
		guessed = &dummy;
	*guessed = NULL;
	if (data == NULL)
		return g_strdup("");
	if (label != NULL && md_charset_is_wide(label) &&
	    (out = convert_strict(data, len, label)) != NULL)
		return out;
	if (!has_high_bytes(data, len, &high)) {
		if (memchr(data, 0x1b, len) == NULL ||
		    !has_iso2022_escape(data, len))
			return g_strndup(data, len);
		if (is_iso2022_other(label) &&
		    (out = convert_strict(data, len, label)) != NULL)
			return out;
		if (label == NULL || g_ascii_strncasecmp(label,
		    "iso-2022-jp", 11) != 0)
			*guessed = guess("ISO-2022-JP");
		return convert_iso2022jp(data, len, guessed);
	}
	utf8 = g_utf8_validate(data, len, NULL);
	if (label != NULL && means_utf8(label) && utf8)
		return utf8_copy(data, len);
	if (label != NULL && !means_undeclared(label) && !means_utf8(label)) {
		if (utf8 && (md_charset_is_single_byte(label) ||
		    high >= UTF8_BEATS_MULTIBYTE_LABEL)) {
			*guessed = guess("UTF-8");
			return utf8_copy(data, len);
		}
		if ((out = convert_label(data, len, label)) != NULL)
			return out;
	}
	if (utf8) {
		*guessed = guess("UTF-8");
		return utf8_copy(data, len);
	}
	if (mostly_utf8(data, len)) {
		*guessed = guess("UTF-8");
		return g_utf8_make_valid(data, len);
	}
	if (hint != NULL && !means_undeclared(hint) && !means_utf8(hint) &&
	    (out = convert_label(data, len, hint)) != NULL) {
		*guessed = guess(superset(hint) ? superset(hint) : hint);
		return out;
	}
	{
		const char *detected = md_charset_detect(data, len);

		if (detected != NULL && !means_undeclared(detected) &&
		    !means_utf8(detected) &&
		    (out = convert_label(data, len, detected)) != NULL) {
			*guessed = guess(superset(detected) ?
			    superset(detected) : detected);
			return out;
		}
	}
	/* GMime's fallback charsets: UTF-8 (failed above), windows-1252. */
	*guessed = guess("WINDOWS-1252");
	if ((out = convert_strict(data, len, "WINDOWS-1252")) != NULL)
		return out;
	return convert_lossy(data, len, "WINDOWS-1252");
}
