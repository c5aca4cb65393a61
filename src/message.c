/* SPDX-License-Identifier: MIT */
/*
 * GMime -> MdMessage.  Everything here works on a parsed copy; the raw bytes
 * are stored untouched elsewhere, so a parsing mistake can always be redone.
 * Attachments are decoded through a checksum filter into a null stream, so
 * a 10 MB attachment is never held twice in memory.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/address.h"
#include "maildesk/autocleanups.h"
#include "maildesk/charset.h"
#include "maildesk/digest.h"
#include "maildesk/header-text.h"
#include "maildesk/html-text.h"
#include "maildesk/message-parts.h"
#include "maildesk/message.h"
#include "maildesk/mime-text.h"

void
md_attachment_free(MdAttachment *a)
{
	if (a == NULL)
		return;
	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->disposition);
	g_free(a->content_id);
	g_free(a->sha256);
	g_free(a);
}

MdMessage *
md_message_new(void)
{
	MdMessage *m = g_new0(MdMessage, 1);

	m->references = g_ptr_array_new_with_free_func(g_free);
	m->to = g_ptr_array_new_with_free_func((GDestroyNotify)md_mailbox_free);
	m->cc = g_ptr_array_new_with_free_func((GDestroyNotify)md_mailbox_free);
	m->attachments = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_attachment_free);
	m->headers = g_ptr_array_new_with_free_func(g_free);
	m->original_ids = g_ptr_array_new_with_free_func(g_free);
	m->also_to = g_ptr_array_new_with_free_func(g_free);
	return m;
}

void
md_message_free(MdMessage *m)
{
	if (m == NULL)
		return;
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_unref(m->references);
	md_mailbox_free(m->from);
	md_mailbox_free(m->reply_to);
	md_mailbox_free(m->sender);
	g_ptr_array_unref(m->to);
	g_ptr_array_unref(m->cc);
	g_free(m->subject);
	g_free(m->text);
	g_free(m->html);
	g_ptr_array_unref(m->attachments);
	g_ptr_array_unref(m->headers);
	g_ptr_array_unref(m->original_ids);
	g_ptr_array_unref(m->also_to);
	g_free(m->mime_type);
	g_free(m->report_type);
	g_free(m->envelope_sender);
	g_free(m->recipient);
	g_free(m->queue);
	g_free(m->raw_sha256);
	g_free(m->charset_detected);
	g_free(m->return_path);
	g_free(m);
}

static const char *const kind_names[] = {
	[MD_KIND_CUSTOMER] = "customer",
	[MD_KIND_AGENT] = "agent",
	[MD_KIND_NOTE] = "note",
	[MD_KIND_ACK] = "ack",
	[MD_KIND_NOTIFICATION] = "notification",
	[MD_KIND_AUTO_REPLY] = "auto-reply",
	[MD_KIND_BOUNCE] = "bounce",
	[MD_KIND_UNPARSED] = "unparsed",
};

static const char *const flag_names[] = {
	"unparsed", "auto-submitted", "auto-reply", "dsn", "report", "list",
	"bulk", "loop", "null-sender", "daemon", "noreply", "suppress",
	"no-sender", "cited-tag", "unverified", "restricted", "erased",
	"header-cut", "cited-reference", "auth-failed", "refused",
};

const char *
md_message_kind_name(MdKind kind)
{
	if ((gsize)kind >= G_N_ELEMENTS(kind_names))
		return "customer";
	return kind_names[kind];
}

gboolean
md_message_kind_from_name(const char *name, MdKind *kind)
{
	for (gsize i = 0; i < G_N_ELEMENTS(kind_names); i++)
		if (g_strcmp0(kind_names[i], name) == 0) {
			*kind = (MdKind)i;
			return TRUE;
		}
	return FALSE;
}

char **
md_message_flag_names(guint32 flags)
{
	GPtrArray *v = g_ptr_array_new();

	for (gsize i = 0; i < G_N_ELEMENTS(flag_names); i++)
		if (flags & (1u << i))
			g_ptr_array_add(v, g_strdup(flag_names[i]));
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}

guint32
md_message_flags_from_names(const char *const *names)
{
	guint32 flags = 0;

	for (; names != NULL && *names != NULL; names++)
		for (gsize i = 0; i < G_N_ELEMENTS(flag_names); i++)
			if (strcmp(*names, flag_names[i]) == 0)
				flags |= 1u << i;
	return flags;
}

const char *
md_message_header(const MdMessage *m, const char *name)
{
	for (guint i = 0; i + 1 < m->headers->len; i += 2)
		if (g_ascii_strcasecmp(g_ptr_array_index(m->headers, i),
		    name) == 0)
			return g_ptr_array_index(m->headers, i + 1);
	return NULL;
}

const MdMailbox *
md_message_sender_mailbox(const MdMessage *m)
{
	/* One per thread: several threads parse at once (lmtpd, import). */
	static _Thread_local MdMailbox envelope;

	if (m->from != NULL && m->from->email != NULL)
		return m->from;
	if (m->reply_to != NULL && m->reply_to->email != NULL)
		return m->reply_to;
	if (m->sender != NULL && m->sender->email != NULL)
		return m->sender;
	if (m->envelope_sender != NULL && m->envelope_sender[0] != '\0' &&
	    strchr(m->envelope_sender, '@') != NULL) {
		envelope.name = NULL;
		envelope.email = m->envelope_sender;
		return &envelope;
	}
	/* The Return-Path an earlier hop wrote, when no envelope came. */
	if (m->envelope_sender == NULL && m->return_path != NULL) {
		envelope.name = NULL;
		envelope.email = m->return_path;
		return &envelope;
	}
	return NULL;
}

char *
md_message_base_subject(const char *subject)
{
	static const char *const prefixes[] = {
		"re", "aw", "fwd", "fw", "wg", "antw", "sv", "vs", "tr", "rv",
		"ref", "r", NULL
	};
	const char *p = subject;
	gboolean again = TRUE;

	if (subject == NULL)
		return g_strdup("");
	while (again) {
		again = FALSE;
		while (g_ascii_isspace(*p))
			p++;
		for (const char *const *x = prefixes; *x != NULL; x++) {
			gsize n = strlen(*x);
			const char *q = p + n;

			if (g_ascii_strncasecmp(p, *x, n) != 0)
				continue;
			/* "Re[2]:" and "Re(2):" as some clients write. */
			if (*q == '[' || *q == '(') {
				const char *e = q + 1;

				while (g_ascii_isdigit(*e))
					e++;
				if (e > q + 1 && (*e == ']' || *e == ')'))
					q = e + 1;
			}
			while (*q == ' ')
				q++;
			if (*q == ':' || (*q == '\xef' && q[1] == '\xbc' &&
			    q[2] == '\x9a')) {
				p = q + (*q == ':' ? 1 : 3);
				again = TRUE;
				break;
			}
		}
	}
	return g_strstrip(g_strdup(p));
}

static void
add_id_list(GPtrArray *out, const char *value)
{
	GMimeReferences *refs;

	if (value == NULL)
		return;
	refs = g_mime_references_parse(NULL, value);
	if (refs == NULL)
		return;
	for (int i = 0; i < g_mime_references_length(refs); i++) {
		char *id = md_header_text_clean_id(
		    g_mime_references_get_message_id(refs, i));

		if (id != NULL)
			g_ptr_array_add(out, id);
	}
	g_mime_references_free(refs);
}

static GMimeParserOptions *
parser_options(void)
{
	static GMimeParserOptions *options;
	static gsize once;

	/* Once, whichever thread parses first (lmtpd, import). */
	if (g_once_init_enter(&once)) {
		static const char *fallback[] = { "utf-8", "windows-1252",
			NULL };

		options = g_mime_parser_options_new();
		g_mime_parser_options_set_fallback_charsets(options, fallback);
		g_mime_parser_options_set_rfc2047_compliance_mode(options,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_address_compliance_mode(options,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_parameter_compliance_mode(options,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_once_init_leave(&once, 1);
	}
	return options;
}

typedef struct {
	const guint8 *raw;
	gsize len;
} DigestJob;

static gpointer
digest_thread(gpointer data)
{
	DigestJob *job = data;

	return md_digest_sha256_hex(job->raw, job->len);
}

/*
 * Above this size the raw digest runs in a second thread while GMime
 * parses: hashing 10 MB costs as much as parsing it, and the MTA waits.
 */
#define DIGEST_THREAD_MIN_BYTES (256 * 1024)

/*
 * GMime keeps a header block in memory many times over (an address list
 * costs about forty times its bytes), so a header block over
 * MD_MESSAGE_MAX_HEADER_BYTES is cut at the last line end before the
 * limit for parsing, as Postfix's header_size_limit does; the body stays.
 * The stored raw bytes are never cut.  NULL when nothing is cut.
 */
static GByteArray *
cut_headers(const guint8 *raw, gsize len)
{
	gsize end, cut, body;
	GByteArray *a;

	if (len <= MD_MESSAGE_MAX_HEADER_BYTES)
		return NULL;
	end = md_header_text_block_end(raw, len, 0, &body);
	if (end <= MD_MESSAGE_MAX_HEADER_BYTES)
		return NULL;
	for (cut = MD_MESSAGE_MAX_HEADER_BYTES; cut > 0 && raw[cut - 1] != '\n';
	    cut--)
		;
	a = g_byte_array_sized_new(cut + (len - end));
	g_byte_array_append(a, raw, cut);
	g_byte_array_append(a, raw + end, len - end);
	return a;
}


/* "Name:" at the start of a line: a header field (RFC 5322 2.2). */
static gboolean
is_field_line(const guint8 *p, gsize n)
{
	gsize i = 0;

	while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	if (i == 0)
		return FALSE;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

static gsize
line_length(const guint8 *p, gsize n)
{
	const guint8 *nl = memchr(p, '\n', n);

	return nl ? (gsize)(nl - p) + 1 : n;
}

#define LEADING_MAX_LINES 32

/*
 * Where parsing starts: past a UTF-8 byte order mark and past lines
 * before the header block that are no header field (a forwarding
 * banner, a ">From " line, a blank line, garbage), which would leave
 * GMime with no headers at all.  Where no field follows, nothing is
 * skipped.
 */
static gsize
header_start(const guint8 *raw, gsize len)
{
	gsize start = 0, p;

	if (len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	if (is_field_line(raw + start, len - start))
		return start;
	p = start;
	for (int i = 0; i < LEADING_MAX_LINES && p < len; i++) {
		gsize n = line_length(raw + p, len - p);
		gsize next = p + n;

		/* A field, followed by another field or its folded line. */
		if (is_field_line(raw + p, n) && next < len &&
		    (is_field_line(raw + next, len - next) ||
		    raw[next] == ' ' || raw[next] == '\t'))
			return p;
		p = next;
	}
	return start;
}

/*
 * Old Mac mail ends its lines in a bare CR, which GMime reads as one
 * long line.  Where bare CRs outnumber LFs, the copy for parsing gets
 * LFs instead (byte for byte, so every offset stays); NULL otherwise.
 */
static GByteArray *
cr_to_lf(const guint8 *raw, gsize len)
{
	gsize head = MIN(len, 65536), lf = 0, cr = 0;
	GByteArray *a;

	for (gsize i = 0; i < head; i++) {
		if (raw[i] == '\n')
			lf++;
		else if (raw[i] == '\r' && (i + 1 >= len || raw[i + 1] != '\n'))
			cr++;
	}
	if (cr <= lf)
		return NULL;
	a = g_byte_array_sized_new(len);
	g_byte_array_append(a, raw, len);
	for (gsize i = 0; i < len; i++)
		if (a->data[i] == '\r' &&
		    (i + 1 >= len || a->data[i + 1] != '\n'))
			a->data[i] = '\n';
	return a;
}


/* The charset the first text part declares, if it is not just ASCII. */
static const char *
declared_charset(GMimeObject *obj, int depth)
{
	if (obj == NULL || depth > 8)
		return NULL;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
			const char *c = declared_charset(
			    g_mime_multipart_get_part(mp, i), depth + 1);

			if (c != NULL)
				return c;
		}
		return NULL;
	}
	if (GMIME_IS_PART(obj)) {
		const char *c = g_mime_object_get_content_type_parameter(obj,
		    "charset");

		if (c != NULL && g_ascii_strcasecmp(c, "us-ascii") != 0 &&
		    g_ascii_strncasecmp(c, "utf", 3) != 0)
			return c;
	}
	return NULL;
}

/*
 * The charset for raw 8-bit bytes in the headers, for a mail that has
 * bytes that are not UTF-8 there: a multi-byte charset the body declares
 * (spam writes its GBK subject like its GB2312 body), else uchardet's
 * guess from all such header bytes at once (more to go on than one
 * header), else the single-byte charset the body declares.
 */
static const char *
header_hint(GMimeMessage *msg)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(msg));
	g_autoptr(GString) sample = NULL;
	const char *declared, *detected;

	for (int i = 0; i < g_mime_header_list_get_count(list); i++) {
		const char *raw = g_mime_header_get_raw_value(
		    g_mime_header_list_get_header_at(list, i));
		gboolean high = FALSE;

		for (const char *p = raw; p != NULL && *p != '\0'; p++)
			high |= (guchar)*p >= 0x80;
		if (!high || g_utf8_validate(raw, -1, NULL))
			continue;
		if (sample == NULL)
			sample = g_string_new(NULL);
		g_string_append(sample, raw);
	}
	if (sample == NULL)
		return NULL;
	declared = declared_charset(g_mime_message_get_mime_part(msg), 0);
	if (declared != NULL && !md_charset_is_single_byte(declared))
		return declared;
	detected = md_charset_detect(sample->str, sample->len);
	if (detected != NULL && !md_charset_is_single_byte(detected) &&
	    g_ascii_strcasecmp(detected, "ascii") != 0)
		return detected;
	return declared != NULL ? declared : detected;
}

/* The address of a Return-Path header ("<a@b>"), or NULL for "<>". */
static char *
return_path(const char *raw)
{
	g_autofree char *s = NULL;
	char *lt, *gt;

	if (raw == NULL)
		return NULL;
	s = md_header_text_one_line(raw);
	lt = strchr(s, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		*gt = '\0';
		memmove(s, lt + 1, strlen(lt + 1) + 1);
		g_strstrip(s);
	}
	if (strchr(s, '@') == NULL || strpbrk(s, " \t<>\"") != NULL)
		return NULL;
	return g_steal_pointer(&s);
}

/*
 * A mail with a header block: message headers, or at least MIME headers
 * (a fragment a mailer sent with nothing but its Content-Type is still
 * a mail with a body to read).
 */
static gboolean
has_headers(GMimeMessage *msg)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(msg));
	GMimeObject *body = g_mime_message_get_mime_part(msg);

	if (list != NULL && g_mime_header_list_get_count(list) > 0)
		return TRUE;
	list = body ? g_mime_object_get_header_list(body) : NULL;
	return list != NULL && g_mime_header_list_get_count(list) > 0;
}

typedef struct {
	GMimeMessage *msg;
	const char *hint;	/* for raw 8-bit header bytes */
	const char *guessed;	/* first charset guessed in a header */
} Headers;

static void
read_headers(MdMessage *m, Headers *h)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(h->msg));
	int n = g_mime_header_list_get_count(list);
	GMimeObject *body;
	const char *language;

	for (int i = 0; i < n; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(list, i);
		const char *raw = g_mime_header_get_raw_value(hd);
		const char *value = g_mime_header_get_value(hd);
		char *v;

		if (md_header_text_is_plain(raw))
			v = md_header_text_one_line(value ? value : "");
		else
			v = md_header_text_decode(raw, h->hint, &h->guessed);
		g_ptr_array_add(m->headers, md_header_text_one_line(
		    g_mime_header_get_name(hd)));
		g_ptr_array_add(m->headers, g_strstrip(v));
	}
	/*
	 * GMime keeps the Content-* header lines with the body part.  The
	 * language of the mail is kept with the others: the acknowledgement
	 * answers in it.
	 */
	body = g_mime_message_get_mime_part(h->msg);
	language = body ? g_mime_object_get_header(body, "Content-Language") :
	    NULL;
	if (language != NULL) {
		g_ptr_array_add(m->headers, g_strdup("Content-Language"));
		g_ptr_array_add(m->headers, g_strstrip(
		    md_header_text_one_line(language)));
	}
}

/* TRUE if every header @name of @list needs no decoding of ours. */
static gboolean
all_plain(GMimeHeaderList *list, const char *name)
{
	for (int i = 0; i < g_mime_header_list_get_count(list); i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(list, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(hd), name) == 0 &&
		    !md_header_text_is_plain(g_mime_header_get_raw_value(hd)))
			return FALSE;
	}
	return TRUE;
}

/* To or Cc: GMime's lists where they are right, else header by header. */
static void
read_list(Headers *h, const char *name, InternetAddressList *parsed,
    GPtrArray *out)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(h->msg));

	if (all_plain(list, name)) {
		md_address_collect(parsed, out);
		return;
	}
	for (int i = 0; i < g_mime_header_list_get_count(list) &&
	    out->len < MD_MESSAGE_MAX_ADDRESSES; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(list, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(hd), name) == 0)
			md_address_parse_list(g_mime_header_get_raw_value(hd),
			    parser_options(), h->hint, &h->guessed, out);
	}
}

static void
read_addresses(MdMessage *m, Headers *h)
{
	GMimeObject *obj = GMIME_OBJECT(h->msg);
	GMimeParserOptions *options = parser_options();

	m->from = md_address_parse_first(
	    md_message_parts_raw_header(obj, "From"),
	    g_mime_message_get_from(h->msg), options, h->hint, &h->guessed);
	m->reply_to = md_address_parse_first(
	    md_message_parts_raw_header(obj, "Reply-To"),
	    g_mime_message_get_reply_to(h->msg), options, h->hint,
	    &h->guessed);
	m->sender = md_address_parse_first(
	    md_message_parts_raw_header(obj, "Sender"),
	    g_mime_message_get_sender(h->msg), options, h->hint,
	    &h->guessed);
	read_list(h, "To", g_mime_message_get_to(h->msg), m->to);
	read_list(h, "Cc", g_mime_message_get_cc(h->msg), m->cc);
}

MdMessage *
md_message_parse(const guint8 *raw, gsize len)
{
	g_autoptr(MdMessage) m = md_message_new();
	g_autoptr(GByteArray) wrap = NULL;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autoptr(GByteArray) lf = NULL;
	g_autoptr(GByteArray) cut = NULL;
	Headers h = { NULL, NULL, NULL };
	MdPartWalk w;
	const char *subject;
	GDateTime *date;
	GMimeObject *body;
	gsize start;

	DigestJob job = { raw, len };
	GThread *hasher = NULL;

	m->raw_size = len;
	if (len >= DIGEST_THREAD_MIN_BYTES)
		hasher = g_thread_try_new("digest", digest_thread, &job, NULL);
	if (hasher == NULL)
		m->raw_sha256 = digest_thread(&job);
	m->direction = MD_DIR_IN;
	m->kind = MD_KIND_CUSTOMER;

	/* The bytes GMime reads; the stored raw bytes stay as they came. */
	lf = cr_to_lf(raw, len);
	if (lf != NULL) {
		raw = lf->data;
		len = lf->len;
	}
	start = header_start(raw, len);
	raw += start;
	len -= start;
	cut = cut_headers(raw, len);
	if (cut != NULL) {
		m->flags |= MD_MSG_HEADER_CUT;
		raw = cut->data;
		len = cut->len;
	}
	/*
	 * The stream borrows the caller's bytes: GByteArray over static
	 * data would copy, so wrap them in a mem stream that we never let
	 * free them.
	 */
	wrap = g_byte_array_new_take((guint8 *)raw, len);
	stream = g_mime_stream_mem_new_with_byte_array(wrap);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	/* The recursion trap in the corpus: bound what one mail can cost. */
	msg = len > 0 ? g_mime_parser_construct_message(parser,
	    parser_options()) : NULL;
	if (msg == NULL || !has_headers(msg)) {
		m->kind = MD_KIND_UNPARSED;
		m->flags |= MD_MSG_UNPARSED;
		g_clear_object(&msg);
		g_clear_object(&parser);
		g_clear_object(&stream);
		g_byte_array_steal(wrap, NULL);
		goto done;
	}

	h.msg = msg;
	h.hint = header_hint(msg);
	read_headers(m, &h);
	m->message_id = md_header_text_clean_id(g_mime_message_get_message_id(
	    msg));
	{
		g_autoptr(GPtrArray) irt = g_ptr_array_new_with_free_func(
		    g_free);

		add_id_list(irt, g_mime_object_get_header(GMIME_OBJECT(msg),
		    "In-Reply-To"));
		if (irt->len > 0)
			m->in_reply_to = g_strdup(g_ptr_array_index(irt, 0));
	}
	add_id_list(m->references, g_mime_object_get_header(GMIME_OBJECT(msg),
	    "References"));
	read_addresses(m, &h);
	m->return_path = return_path(md_message_parts_raw_header(
	    GMIME_OBJECT(msg), "Return-Path"));
	subject = md_message_parts_raw_header(GMIME_OBJECT(msg), "Subject");
	if (subject != NULL)
		m->subject = md_header_text_decode(subject, h.hint,
		    &h.guessed);
	date = g_mime_message_get_date(msg);
	if (date != NULL) {
		m->has_date = TRUE;
		m->date = g_date_time_to_unix(date);
		m->date_offset_s = (gint32)(g_date_time_get_utc_offset(date) /
		    G_TIME_SPAN_SECOND);
	}
	body = g_mime_message_get_mime_part(msg);
	if (body != NULL) {
		GMimeContentType *ct = g_mime_object_get_content_type(body);

		m->mime_type = md_message_parts_mime_type(body);
		if (ct != NULL && g_mime_content_type_get_parameter(ct,
		    "report-type") != NULL)
			m->report_type = g_ascii_strdown(
			    g_mime_content_type_get_parameter(ct,
			    "report-type"), -1);
	}
	memset(&w, 0, sizeof w);
	w.m = m;
	w.buf = raw;
	w.len = len;
	w.options = parser_options();
	w.hint = h.hint;
	md_message_parts_walk(&w, body);
	if (m->text == NULL && m->html != NULL)
		m->text = md_html_text_from_html(m->html, strlen(m->html));
	if (w.body_guess != NULL)
		m->charset_detected = g_strdup(w.body_guess);
	else if (h.guessed != NULL || w.name_guess != NULL)
		m->charset_detected = g_strdup(h.guessed ? h.guessed :
		    w.name_guess);

	g_clear_object(&msg);
	g_clear_object(&parser);
	g_clear_object(&stream);
	g_byte_array_steal(wrap, NULL);
done:
	if (hasher != NULL)
		m->raw_sha256 = g_thread_join(hasher);
	return g_steal_pointer(&m);
}
