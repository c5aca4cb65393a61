/* SPDX-License-Identifier: MIT */
/*
 * winmail.dat: the files Outlook packs into a TNEF stream, read with
 * libytnef.  libytnef is loaded on the first such mail (GModule), never
 * at start-up, and it runs in a child process: it prints its complaints
 * about corrupt input on standard output, which deliver must keep empty,
 * and a crash inside it on hostile input must not cost the delivery,
 * which then keeps the winmail.dat as one attachment.  The child sends
 * back each file's name, type, size and SHA-256 (the bytes stay in the
 * raw mail), and the text of the message, as one GVariant.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmodule.h>
#include <ytnef.h>

#include "maildesk/charset.h"
#include "maildesk/tnef.h"

#define YTNEF_SONAME "libytnef.so.0"
/* What the child may send back, and how long it may take. */
#define TNEF_MAX_REPLY_BYTES (4 * 1024 * 1024)
#define TNEF_MAX_SECONDS 20
#define TNEF_MAX_BODY_BYTES (1024 * 1024)
#define REPLY_TYPE "(sa(ssts))"

static struct {
	void (*initialize)(TNEFStruct *);
	int (*parse_memory)(BYTE *, long, TNEFStruct *);
	void (*free)(TNEFStruct *);
	variableLength *(*find_property)(MAPIProps *, unsigned int);
} yt;

static gboolean
load_ytnef(void)
{
	GModule *mod = g_module_open(YTNEF_SONAME,
	    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

	return mod != NULL &&
	    g_module_symbol(mod, "TNEFInitialize",
	    (gpointer *)&yt.initialize) &&
	    g_module_symbol(mod, "TNEFParseMemory",
	    (gpointer *)&yt.parse_memory) &&
	    g_module_symbol(mod, "TNEFFree", (gpointer *)&yt.free) &&
	    g_module_symbol(mod, "MAPIFindProperty",
	    (gpointer *)&yt.find_property);
}

/* A MAPI property of @type and @id, or NULL. */
static variableLength *
find(MAPIProps *props, unsigned type, unsigned id)
{
	variableLength *v = yt.find_property(props, PROP_TAG(type, id));

	return v == MAPI_UNDEFINED || v == NULL || v->size <= 0 ? NULL : v;
}

/* A TNEF string as UTF-8: 8-bit ones in the stream's code page. */
static char *
tnef_string(const variableLength *v, gboolean unicode, const char *codepage)
{
	gsize n = v->size;

	if (unicode) {
		/* UTF-16LE, NUL-terminated. */
		while (n >= 2 && v->data[n - 1] == 0 && v->data[n - 2] == 0)
			n -= 2;
		return md_charset_to_utf8((const char *)v->data, n,
		    "UTF-16LE", NULL, NULL);
	}
	while (n > 0 && v->data[n - 1] == 0)
		n--;
	return md_charset_to_utf8((const char *)v->data, n, codepage, NULL,
	    NULL);
}

static char *
attachment_name(MAPIProps *props, const variableLength *title,
    const char *codepage)
{
	static const unsigned ids[] = { PR_ATTACH_LONG_FILENAME,
		PR_DISPLAY_NAME, PR_ATTACH_FILENAME };
	variableLength *v;

	for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
		if ((v = find(props, PT_UNICODE, ids[i])) != NULL)
			return tnef_string(v, TRUE, codepage);
		if ((v = find(props, PT_STRING8, ids[i])) != NULL)
			return tnef_string(v, FALSE, codepage);
	}
	if (title->size > 1)
		return tnef_string(title, FALSE, codepage);
	return NULL;
}

static char *
message_body(TNEFStruct *t, const char *codepage)
{
	variableLength *v;

	if ((v = find(&t->MapiProperties, PT_UNICODE, PR_BODY)) != NULL)
		return tnef_string(v, TRUE, codepage);
	if ((v = find(&t->MapiProperties, PT_STRING8, PR_BODY)) != NULL)
		return tnef_string(v, FALSE, codepage);
	if (t->body.size > 1)
		return tnef_string(&t->body, FALSE, codepage);
	return NULL;
}

/* The child's work: parse, and describe each file. */
static GVariant *
describe(const guint8 *data, gsize len)
{
	TNEFStruct t;
	GVariantBuilder files;
	g_autofree char *codepage = NULL;
	g_autofree char *body = NULL;
	g_autofree guint8 *copy = g_memdup2(data, len);

	if (!load_ytnef())
		return NULL;
	yt.initialize(&t);
	if (yt.parse_memory(copy, (long)len, &t) < 0) {
		yt.free(&t);
		return NULL;
	}
	if (t.CodePage.size >= 4)
		codepage = g_strdup_printf("CP%u", t.CodePage.data[0] |
		    t.CodePage.data[1] << 8 | t.CodePage.data[2] << 16 |
		    (guint)t.CodePage.data[3] << 24);
	g_variant_builder_init(&files, G_VARIANT_TYPE("a(ssts)"));
	for (Attachment *a = t.starting_attach.next; a != NULL; a = a->next) {
		g_autofree char *name = attachment_name(&a->MAPI, &a->Title,
		    codepage);
		g_autofree char *type = NULL;
		g_autofree char *sum = NULL;
		variableLength *v;
		const guint8 *bytes = a->FileData.data;
		gsize size = a->FileData.size > 0 ? a->FileData.size : 0;

		/* Embedded objects start with a 16-byte class id. */
		if ((v = find(&a->MAPI, PT_OBJECT, PR_ATTACH_DATA_OBJ)) !=
		    NULL && v->size > 16) {
			bytes = v->data + 16;
			size = v->size - 16;
		} else if ((v = find(&a->MAPI, PT_BINARY,
		    PR_ATTACH_DATA_OBJ)) != NULL) {
			bytes = v->data;
			size = v->size;
		}
		if (size == 0 || bytes == NULL)
			continue;
		if ((v = find(&a->MAPI, PT_STRING8, PR_ATTACH_MIME_TAG)) !=
		    NULL)
			type = tnef_string(v, FALSE, NULL);
		else if ((v = find(&a->MAPI, PT_UNICODE,
		    PR_ATTACH_MIME_TAG)) != NULL)
			type = tnef_string(v, TRUE, NULL);
		sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes,
		    size);
		g_variant_builder_add(&files, "(ssts)", name ? name : "",
		    type ? type : "", (guint64)size, sum);
	}
	body = message_body(&t, codepage);
	if (body != NULL && strlen(body) > TNEF_MAX_BODY_BYTES)
		body[TNEF_MAX_BODY_BYTES] = '\0';
	yt.free(&t);
	if (body != NULL && !g_utf8_validate(body, -1, NULL)) {
		char *v = g_utf8_make_valid(body, -1);

		g_free(body);
		body = v;
	}
	return g_variant_ref_sink(g_variant_new(REPLY_TYPE,
	    body ? body : "", &files));
}

static void
write_all(int fd, const guint8 *p, gsize n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= w;
	}
}

G_GNUC_NORETURN static void
child(int fd, const guint8 *data, gsize len)
{
	int null = open("/dev/null", O_RDWR);
	GVariant *v;

	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	signal(SIGALRM, SIG_DFL);
	alarm(TNEF_MAX_SECONDS);
	v = describe(data, len);
	if (v != NULL)
		write_all(fd, g_variant_get_data(v), g_variant_get_size(v));
	_exit(v != NULL ? 0 : 1);
}

gboolean
md_tnef_unpack(const guint8 *data, gsize len, MdTnefFileFunc func,
    gpointer user_data, char **body)
{
	g_autoptr(GByteArray) reply = g_byte_array_new();
	g_autoptr(GVariant) v = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *text, *name, *type, *sum;
	guint64 size;
	int fds[2], status = 0;
	guint8 buf[8192];
	pid_t pid;

	if (body != NULL)
		*body = NULL;
	if (len < 6 || data[0] != 0x78 || data[1] != 0x9f || data[2] != 0x3e ||
	    data[3] != 0x22)
		return FALSE;	/* no TNEF signature */
	if (pipe(fds) != 0)
		return FALSE;
	/* Nothing buffered may be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return FALSE;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], data, len);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (reply->len + n > TNEF_MAX_REPLY_BYTES) {
			kill(pid, SIGKILL);
			break;
		}
		g_byte_array_append(reply, buf, n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply->len == 0)
		return FALSE;
	v = g_variant_ref_sink(g_variant_new_from_data(G_VARIANT_TYPE(
	    REPLY_TYPE), reply->data, reply->len, FALSE, NULL, NULL));
	if (!g_variant_is_normal_form(v))
		return FALSE;
	g_variant_get(v, "(&sa(ssts))", &text, &it);
	while (g_variant_iter_next(it, "(&s&st&s)", &name, &type, &size,
	    &sum))
		func(name[0] ? name : NULL, type[0] ? type : NULL, size, sum,
		    user_data);
	if (body != NULL && text[0] != '\0')
		*body = g_strdup(text);
	return TRUE;
}
