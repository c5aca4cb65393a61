/* SPDX-License-Identifier: MIT */
/*
 * libmount, for the lean deliver binary (MAILDESK_LEAN) only, loaded on
 * first use.  The lean binary links GIO statically for two things: the
 * templates compiled in as a GResource (template.c) and the MIME type of
 * a file that came without one (message-parts.c).  Static GIO names
 * libmount's functions (for its list of mounted file systems), and
 * libmount has no static archive: linked, it would be loaded with libblkid,
 * libselinux and PCRE2 by every delivery, about 0.3 ms of each.  maildesk
 * never asks GIO about mounts; should GIO ever call one of these, the
 * library is loaded then, and without it the call fails as libmount's
 * own would without a mount table.
 */
#include <errno.h>

#include <gmodule.h>
#include <libmount/libmount.h>

#define LIBMOUNT_SONAME "libmount.so.1"

/* Each function: its result type, name, parameters, arguments, failure. */
#define MOUNT_FUNCTIONS(X) \
	X(const char *, mnt_get_fstab_path, (void), (), NULL) \
	X(int, mnt_has_regular_mtab, (const char **mtab, int *writable), \
	    (mtab, writable), 0) \
	X(int, mnt_optstr_get_flags, (const char *optstr, \
	    unsigned long *flags, const struct libmnt_optmap *map), \
	    (optstr, flags, map), -ENOSYS) \
	X(struct libmnt_iter *, mnt_new_iter, (int direction), (direction), \
	    NULL) \
	X(const struct libmnt_optmap *, mnt_get_builtin_optmap, (int id), \
	    (id), NULL) \
	X(const char *, mnt_fs_get_source, (struct libmnt_fs *fs), (fs), \
	    NULL) \
	X(const char *, mnt_fs_get_target, (struct libmnt_fs *fs), (fs), \
	    NULL) \
	X(const char *, mnt_fs_get_fstype, (struct libmnt_fs *fs), (fs), \
	    NULL) \
	X(char *, mnt_fs_strdup_options, (struct libmnt_fs *fs), (fs), NULL) \
	X(const char *, mnt_fs_get_options, (struct libmnt_fs *fs), (fs), \
	    NULL) \
	X(const char *, mnt_fs_get_root, (struct libmnt_fs *fs), (fs), NULL) \
	X(int, mnt_table_parse_fstab, (struct libmnt_table *tb, \
	    const char *filename), (tb, filename), -ENOSYS) \
	X(int, mnt_table_parse_mtab, (struct libmnt_table *tb, \
	    const char *filename), (tb, filename), -ENOSYS) \
	X(struct libmnt_table *, mnt_new_table, (void), (), NULL) \
	X(int, mnt_table_next_fs, (struct libmnt_table *tb, \
	    struct libmnt_iter *itr, struct libmnt_fs **fs), (tb, itr, fs), 1)

#define MOUNT_VOID_FUNCTIONS(X) \
	X(mnt_free_iter, (struct libmnt_iter *itr), (itr)) \
	X(mnt_free_table, (struct libmnt_table *tb), (tb))

#define FIELD(type, name, params, args, fail) __typeof__(name) *name;
#define VOID_FIELD(name, params, args) __typeof__(name) *name;
static struct {
	MOUNT_FUNCTIONS(FIELD)
	MOUNT_VOID_FUNCTIONS(VOID_FIELD)
} mnt;

static gboolean
load_libmount(void)
{
	static gsize once;
	static gboolean loaded;

	if (g_once_init_enter(&once)) {
		GModule *mod = g_module_open(LIBMOUNT_SONAME,
		    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

		loaded = mod != NULL;
#define LOOKUP(type, name, params, args, fail) \
		loaded = loaded && g_module_symbol(mod, #name, \
		    (gpointer *)&mnt.name);
#define VOID_LOOKUP(name, params, args) \
		loaded = loaded && g_module_symbol(mod, #name, \
		    (gpointer *)&mnt.name);
		MOUNT_FUNCTIONS(LOOKUP)
		MOUNT_VOID_FUNCTIONS(VOID_LOOKUP)
		/* Kept for the life of the process. */
		g_once_init_leave(&once, 1);
	}
	return loaded;
}

/* The definitions GIO's references resolve to, forwarding to libmount. */
#define FORWARD(type, name, params, args, fail) \
	type name params \
	{ \
		return load_libmount() ? mnt.name args : fail; \
	}
#define VOID_FORWARD(name, params, args) \
	void name params \
	{ \
		if (load_libmount()) \
			mnt.name args; \
	}
MOUNT_FUNCTIONS(FORWARD)
MOUNT_VOID_FUNCTIONS(VOID_FORWARD)
