/* SPDX-License-Identifier: MIT */
/*
 * The backup manifest, read and written with json-glib.  Loading is strict:
 * a manifest that is not exactly ours is refused, so that a damaged or
 * foreign directory is never restored as a store.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "config.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/manifest.h"

static void
file_free(gpointer p)
{
	MdManifestFile *f = p;

	g_free(f->name);
	g_free(f->sha256);
	g_free(f->plain_sha256);
	g_free(f);
}

MdManifest *
md_manifest_new(void)
{
	MdManifest *m = g_new0(MdManifest, 1);

	m->files = g_ptr_array_new_with_free_func(file_free);
	m->maildesk = g_strdup(MAILDESK_VERSION);
	return m;
}

void
md_manifest_free(MdManifest *m)
{
	if (m == NULL)
		return;
	g_free(m->maildesk);
	g_free(m->store);
	g_strfreev(m->encrypted_to);
	g_ptr_array_unref(m->files);
	g_free(m);
}

MdManifestFile *
md_manifest_add_file(MdManifest *m, const char *name)
{
	MdManifestFile *f = g_new0(MdManifestFile, 1);

	f->name = g_strdup(name);
	g_ptr_array_add(m->files, f);
	return f;
}

const MdManifestFile *
md_manifest_file(const MdManifest *m, const char *name)
{
	for (guint i = 0; i < m->files->len; i++) {
		const MdManifestFile *f = g_ptr_array_index(m->files, i);

		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

static void
member_int(JsonBuilder *b, const char *name, gint64 v)
{
	md_json_add_int(b, name, v);
}

static void
member_str(JsonBuilder *b, const char *name, const char *v)
{
	md_json_add_string(b, name, v);
}

static char *
to_json(const MdManifest *m)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *date = md_json_time(m->created, 0);

	json_builder_begin_object(b);
	member_str(b, "format", "maildesk-backup");
	member_int(b, "version", MD_MANIFEST_VERSION);
	member_str(b, "created", date);
	member_int(b, "created_unix", m->created);
	member_str(b, "maildesk", m->maildesk);
	member_int(b, "schema", m->schema);
	member_str(b, "store", m->store);
	json_builder_set_member_name(b, "counts");
	json_builder_begin_object(b);
	member_int(b, "tickets", (gint64)m->tickets);
	member_int(b, "messages", (gint64)m->messages);
	member_int(b, "customers", (gint64)m->customers);
	member_int(b, "ledger", (gint64)m->ledger);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "encrypted_to");
	if (m->encrypted_to == NULL)
		json_builder_add_null_value(b);
	else {
		json_builder_begin_array(b);
		for (char **k = m->encrypted_to; *k != NULL; k++)
			json_builder_add_string_value(b, *k);
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "files");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->files->len; i++) {
		const MdManifestFile *f = g_ptr_array_index(m->files, i);

		json_builder_begin_object(b);
		member_str(b, "name", f->name);
		member_int(b, "size", (gint64)f->size);
		member_str(b, "sha256", f->sha256);
		if (f->plain_sha256 != NULL) {
			member_int(b, "plain_size", (gint64)f->plain_size);
			member_str(b, "plain_sha256", f->plain_sha256);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return md_json_finish(b);
}

gboolean
md_manifest_save(const MdManifest *m, const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, MD_MANIFEST_NAME, NULL);
	g_autofree char *text = to_json(m);
	gsize len = strlen(text), done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);

	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += n;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	return TRUE;
fail:
	{
		int saved = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: %s", path,
		    g_strerror(saved));
	}
	return FALSE;
}

static gboolean
get_int(JsonObject *o, const char *name, gint64 *out)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0)
		return FALSE;
	*out = json_node_get_int(n);
	return TRUE;
}

static const char *
get_str(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* A file name of the backup: no directory, nothing hidden. */
static gboolean
plain_name(const char *name)
{
	return name != NULL && name[0] != '\0' && name[0] != '.' &&
	    strchr(name, '/') == NULL;
}

static gboolean
parse_files(MdManifest *m, JsonArray *files)
{
	for (guint i = 0; i < json_array_get_length(files); i++) {
		JsonNode *n = json_array_get_element(files, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ?
		    json_node_get_object(n) : NULL;
		const char *name = o ? get_str(o, "name") : NULL;
		const char *sum = o ? get_str(o, "sha256") : NULL;
		MdManifestFile *f;
		gint64 size;

		if (!plain_name(name) || sum == NULL || strlen(sum) != 64 ||
		    !get_int(o, "size", &size) ||
		    md_manifest_file(m, name) != NULL)
			return FALSE;
		f = md_manifest_add_file(m, name);
		f->size = size;
		f->sha256 = g_ascii_strdown(sum, -1);
		sum = get_str(o, "plain_sha256");
		if (sum != NULL) {
			if (strlen(sum) != 64 ||
			    !get_int(o, "plain_size", &size))
				return FALSE;
			f->plain_sha256 = g_ascii_strdown(sum, -1);
			f->plain_size = size;
		}
	}
	return m->files->len > 0;
}

MdManifest *
md_manifest_load(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, MD_MANIFEST_NAME, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(MdManifest) m = md_manifest_new();
	g_autoptr(GError) e = NULL;
	JsonObject *o, *counts;
	JsonNode *root, *enc, *files;
	gint64 v[6];

	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s has no %s: "
		    "not a maildesk backup", dir, MD_MANIFEST_NAME);
		return NULL;
	}
	if (!json_parser_load_from_file(parser, path, &e)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s is damaged "
		    "(%s): refusing the backup", path, e->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) :
	    NULL;
	if (o == NULL || g_strcmp0(get_str(o, "format"),
	    "maildesk-backup") != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s is not a "
		    "maildesk backup manifest", path);
		return NULL;
	}
	if (!get_int(o, "version", &v[0]) || v[0] != MD_MANIFEST_VERSION) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s: manifest "
		    "version not %d: made by another maildesk", path,
		    MD_MANIFEST_VERSION);
		return NULL;
	}
	counts = json_object_has_member(o, "counts") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "counts")) ?
	    json_object_get_object_member(o, "counts") : NULL;
	files = json_object_get_member(o, "files");
	if (counts == NULL || !get_int(o, "created_unix", &v[0]) ||
	    !get_int(o, "schema", &v[1]) || get_str(o, "store") == NULL ||
	    !get_int(counts, "tickets", &v[2]) ||
	    !get_int(counts, "messages", &v[3]) ||
	    !get_int(counts, "customers", &v[4]) ||
	    !get_int(counts, "ledger", &v[5]) || files == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(files) ||
	    !parse_files(m, json_node_get_array(files))) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s is damaged "
		    "(a field is missing or wrong): refusing the backup",
		    path);
		return NULL;
	}
	m->created = v[0];
	m->schema = (guint32)v[1];
	g_free(m->store);
	m->store = g_strdup(get_str(o, "store"));
	g_free(m->maildesk);
	m->maildesk = g_strdup(get_str(o, "maildesk"));
	m->tickets = v[2];
	m->messages = v[3];
	m->customers = v[4];
	m->ledger = v[5];
	enc = json_object_get_member(o, "encrypted_to");
	if (enc != NULL && JSON_NODE_HOLDS_ARRAY(enc)) {
		JsonArray *a = json_node_get_array(enc);
		GPtrArray *keys = g_ptr_array_new();

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *k = json_array_get_element(a, i);

			if (JSON_NODE_HOLDS_VALUE(k) &&
			    json_node_get_value_type(k) == G_TYPE_STRING)
				g_ptr_array_add(keys,
				    g_strdup(json_node_get_string(k)));
		}
		g_ptr_array_add(keys, NULL);
		m->encrypted_to = (char **)g_ptr_array_free(keys, FALSE);
	}
	return g_steal_pointer(&m);
}
