/* SPDX-License-Identifier: MIT */
/*
 * GMime -> MdMessage.  Everything here works on a parsed copy; the raw bytes
 * are stored untouched elsewhere, so a parsing mistake can always be redone.
 * Attachments are decoded through a checksum filter into a null stream, so
 * a 10 MB attachment is never held twice in memory.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/autocleanups.h"
#include "maildesk/digest.h"
#include "maildesk/message.h"
#include "maildesk/mime-text.h"

#define MAX_DEPTH 32

void
md_mailbox_free(MdMailbox *mb)
{
	if (mb == NULL)
		return;
	g_free(mb->name);
	g_free(mb->email);
	g_free(mb);
}

MdMailbox *
md_mailbox_new(const char *name, const char *email)
{
	MdMailbox *mb = g_new0(MdMailbox, 1);

	mb->name = (name != NULL && name[0] != '\0') ? g_strdup(name) : NULL;
	mb->email = (email != NULL && email[0] != '\0') ? g_strdup(email) :
	    NULL;
	return mb;
}

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
	g_free(m->mime_type);
	g_free(m->report_type);
	g_free(m->envelope_sender);
	g_free(m->recipient);
	g_free(m->queue);
	g_free(m->raw_sha256);
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
	"header-cut",
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

/* Message-IDs without angle brackets and white space. */
static char *
clean_id(const char *id)
{
	g_autofree char *s = NULL;
	gsize n;

	if (id == NULL)
		return NULL;
	s = g_strstrip(g_strdup(id));
	if (s[0] == '<')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	if (n > 0 && s[n - 1] == '>')
		s[n - 1] = '\0';
	if (s[0] == '\0' || strlen(s) > 500)
		return NULL;
	if (!g_utf8_validate(s, -1, NULL))
		return NULL;
	return g_steal_pointer(&s);
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
		char *id = clean_id(g_mime_references_get_message_id(refs, i));

		if (id != NULL)
			g_ptr_array_add(out, id);
	}
	g_mime_references_free(refs);
}

/*
 * A header-derived value (subject, name, address, file name) as one line
 * of UTF-8: an encoded word can decode to a line break, which would let a
 * subject or a file name forge a line of what the CLI prints.
 */
static char *
valid_utf8(const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = g_utf8_validate(s, -1, NULL) ? g_strdup(s) :
	    g_utf8_make_valid(s, -1);
	return g_strdelimit(r, "\r\n", ' ');
}

static void
collect_addresses(InternetAddressList *list, GPtrArray *out, int depth)
{
	if (list == NULL || depth > 4)
		return;
	for (int i = 0; i < internet_address_list_length(list) &&
	    out->len < MD_MESSAGE_MAX_ADDRESSES; i++) {
		InternetAddress *ia = internet_address_list_get_address(list,
		    i);
		g_autofree char *name = NULL;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			collect_addresses(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		name = valid_utf8(internet_address_get_name(ia));
		if (name != NULL)
			g_strstrip(name);
		{
			g_autofree char *email = valid_utf8(
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia)));

			if (email == NULL || strchr(email, '@') == NULL)
				continue;
			g_ptr_array_add(out, md_mailbox_new(name, email));
		}
	}
}

static MdMailbox *
first_mailbox(InternetAddressList *list)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_mailbox_free);

	collect_addresses(list, all, 0);
	if (all->len == 0)
		return NULL;
	return g_ptr_array_steal_index(all, 0);
}

/* Decodes the transfer encoding of @part into memory. */
static GByteArray *
decoded_bytes(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *mem;

	if (content == NULL)
		return bytes;
	mem = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(content, mem);
	g_object_unref(mem);
	return bytes;
}

static char *
part_text(GMimePart *part)
{
	g_autoptr(GByteArray) bytes = decoded_bytes(part);
	const char *charset = g_mime_object_get_content_type_parameter(
	    GMIME_OBJECT(part), "charset");

	return md_mime_text_to_utf8((const char *)bytes->data, bytes->len,
	    charset);
}

/* Size and SHA-256 of what @write puts out, streamed, never stored. */
static void
digest_object(GMimeObject *obj, GMimePart *part, MdAttachment *a)
{
	GMimeStream *null = g_mime_stream_null_new();
	GMimeStream *filtered = g_mime_stream_filter_new(null);
	GMimeFilter *sum = md_digest_filter_new();

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), sum);
	if (part != NULL) {
		GMimeDataWrapper *content = g_mime_part_get_content(part);

		if (content != NULL)
			g_mime_data_wrapper_write_to_stream(content, filtered);
	} else if (obj != NULL)
		g_mime_object_write_to_stream(obj, NULL, filtered);
	g_mime_stream_flush(filtered);
	a->size = GMIME_STREAM_NULL(null)->written;
	a->sha256 = md_digest_filter_hex(sum);
	g_object_unref(sum);
	g_object_unref(filtered);
	g_object_unref(null);
}

static char *
mime_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	g_autofree char *type = ct ? g_mime_content_type_get_mime_type(ct) :
	    NULL;

	return g_ascii_strdown(type ? type : "application/octet-stream", -1);
}

static char *
part_filename(GMimeObject *obj)
{
	const char *name = NULL;
	const char *location;

	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	if (name != NULL && name[0] != '\0')
		return valid_utf8(name);
	/* Some clients only name the part through Content-Location. */
	location = g_mime_object_get_header(obj, "Content-Location");
	if (location != NULL && location[0] != '\0') {
		const char *slash = strrchr(location, '/');

		return g_strstrip(valid_utf8(slash ? slash + 1 : location));
	}
	return NULL;
}

/* Message-ID lines of an embedded header block (text/rfc822-headers). */
static void
ids_from_header_text(MdMessage *m, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++)
		if (g_ascii_strncasecmp(*l, "Message-ID:", 11) == 0) {
			char *id = clean_id(*l + 11);

			if (id != NULL)
				g_ptr_array_add(m->original_ids, id);
		}
}

static void walk(MdMessage *m, GMimeObject *obj, GMimeObject *parent,
    int depth);

static void
add_attachment(MdMessage *m, GMimeObject *obj, const char *disposition)
{
	MdAttachment *a = g_new0(MdAttachment, 1);
	const char *cid = g_mime_object_get_content_id(obj);

	a->content_type = mime_type_of(obj);
	a->filename = part_filename(obj);
	a->disposition = g_strdup(disposition);
	a->content_id = cid ? valid_utf8(cid) : NULL;
	if (GMIME_IS_PART(obj))
		digest_object(NULL, GMIME_PART(obj), a);
	else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		digest_object(GMIME_OBJECT(inner), NULL, a);
		if (a->filename == NULL && inner != NULL &&
		    g_mime_message_get_subject(inner) != NULL)
			a->filename = g_strconcat(g_mime_message_get_subject(
			    inner), ".eml", NULL);
		if (a->filename != NULL && !g_utf8_validate(a->filename, -1,
		    NULL)) {
			char *v = g_utf8_make_valid(a->filename, -1);

			g_free(a->filename);
			a->filename = v;
		}
	}
	g_ptr_array_add(m->attachments, a);
}

static void
walk_part(MdMessage *m, GMimePart *part, GMimeObject *parent)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	gboolean attachment = g_mime_part_is_attachment(part);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(
	    obj);
	const char *disp = attachment ? "attachment" : "inline";

	if (ct != NULL && !attachment &&
	    g_mime_content_type_is_type(ct, "text", "plain") &&
	    m->text == NULL) {
		m->text = part_text(part);
		return;
	}
	if (ct != NULL && !attachment &&
	    g_mime_content_type_is_type(ct, "text", "html") &&
	    m->html == NULL) {
		m->html = part_text(part);
		return;
	}
	if (ct != NULL && g_mime_content_type_is_type(ct, "text",
	    "rfc822-headers")) {
		g_autofree char *t = part_text(part);

		ids_from_header_text(m, t);
	}
	(void)cd;
	add_attachment(m, obj, disp);
}

static void
walk(MdMessage *m, GMimeObject *obj, GMimeObject *parent, int depth)
{
	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk(m, g_mime_multipart_get_part(mp, i), obj,
			    depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		/* A DSN carries the original; remember what it reports on. */
		if (inner != NULL && g_mime_message_get_message_id(inner)) {
			char *id = clean_id(g_mime_message_get_message_id(
			    inner));

			if (id != NULL)
				g_ptr_array_add(m->original_ids, id);
		}
		add_attachment(m, obj, "message");
		return;
	}
	if (GMIME_IS_PART(obj))
		walk_part(m, GMIME_PART(obj), parent);
}

static void
read_headers(MdMessage *m, GMimeMessage *msg)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(msg));
	int n = g_mime_header_list_get_count(list);

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *value = g_mime_header_get_value(h);
		char *v = valid_utf8(value ? value : "");

		g_ptr_array_add(m->headers, valid_utf8(
		    g_mime_header_get_name(h)));
		g_ptr_array_add(m->headers, g_strstrip(v));
	}
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

/* Where the header block of @raw ends: the offset of its blank line. */
static gsize
header_end(const guint8 *raw, gsize len)
{
	for (gsize i = 0; i + 1 < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (raw[i + 1] == '\n')
			return i + 1;
		if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
			return i + 1;
	}
	return len;
}

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
	gsize end, cut;
	GByteArray *a;

	if (len <= MD_MESSAGE_MAX_HEADER_BYTES)
		return NULL;
	end = header_end(raw, len);
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

MdMessage *
md_message_parse(const guint8 *raw, gsize len)
{
	g_autoptr(MdMessage) m = md_message_new();
	g_autoptr(GByteArray) wrap = NULL;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autoptr(GByteArray) cut = NULL;
	GDateTime *date;
	GMimeObject *body;

	DigestJob job = { raw, len };
	GThread *hasher = NULL;

	m->raw_size = len;
	if (len >= DIGEST_THREAD_MIN_BYTES)
		hasher = g_thread_try_new("digest", digest_thread, &job, NULL);
	if (hasher == NULL)
		m->raw_sha256 = digest_thread(&job);
	m->direction = MD_DIR_IN;
	m->kind = MD_KIND_CUSTOMER;

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
	if (msg == NULL || g_mime_object_get_header_list(GMIME_OBJECT(msg))
	    == NULL || g_mime_header_list_get_count(
	    g_mime_object_get_header_list(GMIME_OBJECT(msg))) == 0) {
		m->kind = MD_KIND_UNPARSED;
		m->flags |= MD_MSG_UNPARSED;
		g_clear_object(&msg);
		g_clear_object(&parser);
		g_clear_object(&stream);
		g_byte_array_steal(wrap, NULL);
		goto done;
	}

	read_headers(m, msg);
	m->message_id = clean_id(g_mime_message_get_message_id(msg));
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
	m->from = first_mailbox(g_mime_message_get_from(msg));
	m->reply_to = first_mailbox(g_mime_message_get_reply_to(msg));
	m->sender = first_mailbox(g_mime_message_get_sender(msg));
	collect_addresses(g_mime_message_get_to(msg), m->to, 0);
	collect_addresses(g_mime_message_get_cc(msg), m->cc, 0);
	if (g_mime_message_get_subject(msg) != NULL)
		m->subject = g_strstrip(valid_utf8(
		    g_mime_message_get_subject(msg)));
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

		m->mime_type = mime_type_of(body);
		if (ct != NULL && g_mime_content_type_get_parameter(ct,
		    "report-type") != NULL)
			m->report_type = g_ascii_strdown(
			    g_mime_content_type_get_parameter(ct,
			    "report-type"), -1);
	}
	walk(m, body, NULL, 0);
	if (m->text == NULL && m->html != NULL)
		m->text = md_html_to_text(m->html, strlen(m->html));

	g_clear_object(&msg);
	g_clear_object(&parser);
	g_clear_object(&stream);
	g_byte_array_steal(wrap, NULL);
done:
	if (hasher != NULL)
		m->raw_sha256 = g_thread_join(hasher);
	return g_steal_pointer(&m);
}
