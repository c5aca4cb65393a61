/* SPDX-License-Identifier: MIT */
/*
 * GMime's start-up, for the lean deliver binary (MAILDESK_LEAN) linked
 * statically against GMime.  g_mime_init() names GMime's GIO stream type
 * and its OpenPGP and S/MIME contexts, so linking it brings GIO's streams
 * and files and GPGME (libassuan, libgpg-error) into a process that uses
 * none of them: about a millisecond of loading and relocation per
 * delivery.  md_mime_init() does what g_mime_init()
 * does for parsing and composing (GMime 3.2: options, charset map,
 * quarks, the MIME type registry) and leaves those out; maildesk never
 * verifies or decrypts, and a multipart/signed mail is parsed into the
 * same GMime types as before, its signature kept as a part.
 *
 * GMime needs libidn2 only for a domain name that is, or must become,
 * punycode; here it is loaded when that first happens.
 *
 * Every other build calls g_mime_init() itself.
 */
#include <stdlib.h>
#include <time.h>

#include <gmime/gmime.h>

#include "maildesk/mime-init.h"

#ifndef MAILDESK_LEAN

void
md_mime_init(void)
{
	g_mime_init();
}

#else /* MAILDESK_LEAN */

#include <gmodule.h>
#include <idn2.h>

/* GMime's internal start-up steps (global in its static archive). */
void g_mime_format_options_init(void);
void g_mime_parser_options_init(void);
void g_mime_charset_map_init(void);
void g_mime_object_type_registry_init(void);

/*
 * GMime's error quarks live in the object file of g_mime_init(); GMime's
 * parts refer to them.  Defined here, so that the linker never needs that
 * object file, and set as g_mime_init() sets them.
 */
GQuark gmime_error_quark;
GQuark gmime_gpgme_error_quark;

void
md_mime_init(void)
{
	static gboolean done;

	if (done)
		return;
	done = TRUE;
	/* As g_mime_init(): boundaries use rand(), dates the time zone. */
	srand((unsigned int)time(NULL));
	tzset();
	g_mime_format_options_init();
	g_mime_parser_options_init();
	g_mime_charset_map_init();
	gmime_gpgme_error_quark = g_quark_from_static_string("gmime-gpgme");
	gmime_error_quark = g_quark_from_static_string("gmime");
	/*
	 * GMime registers a type on the first call of its get_type
	 * function, unguarded: two threads parsing their first mail at once
	 * (lmtpd, import) would both register it.  So every type is
	 * registered here, as g_mime_init() does, but for those left out
	 * on purpose (GIO's stream, the OpenPGP and S/MIME contexts) and
	 * the gzip filter (zlib), which maildesk never makes.
	 */
	g_mime_crypto_context_get_type();
	g_mime_decrypt_result_get_type();
	g_mime_certificate_list_get_type();
	g_mime_signature_list_get_type();
	g_mime_certificate_get_type();
	g_mime_signature_get_type();
	g_mime_filter_get_type();
	g_mime_filter_basic_get_type();
	g_mime_filter_best_get_type();
	g_mime_filter_charset_get_type();
	g_mime_filter_checksum_get_type();
	g_mime_filter_dos2unix_get_type();
	g_mime_filter_enriched_get_type();
	g_mime_filter_from_get_type();
	g_mime_filter_html_get_type();
	g_mime_filter_smtp_data_get_type();
	g_mime_filter_strip_get_type();
	g_mime_filter_unix2dos_get_type();
	g_mime_filter_windows_get_type();
	g_mime_filter_yenc_get_type();
	g_mime_stream_get_type();
	g_mime_stream_buffer_get_type();
	g_mime_stream_cat_get_type();
	g_mime_stream_file_get_type();
	g_mime_stream_filter_get_type();
	g_mime_stream_fs_get_type();
	g_mime_stream_mem_get_type();
	g_mime_stream_mmap_get_type();
	g_mime_stream_null_get_type();
	g_mime_stream_pipe_get_type();
	g_mime_format_options_get_type();
	g_mime_parser_options_get_type();
	g_mime_parser_get_type();
	g_mime_message_get_type();
	g_mime_data_wrapper_get_type();
	internet_address_get_type();
	internet_address_list_get_type();
	internet_address_group_get_type();
	internet_address_mailbox_get_type();
	g_mime_param_get_type();
	g_mime_header_get_type();
	g_mime_param_list_get_type();
	g_mime_header_list_get_type();
	g_mime_content_type_get_type();
	g_mime_content_disposition_get_type();
	g_mime_object_type_registry_init();
	g_mime_object_register_type("*", "*", g_mime_part_get_type());
	g_mime_object_register_type("text", "*", g_mime_text_part_get_type());
	g_mime_object_register_type("application", "x-pkcs7-mime",
	    g_mime_application_pkcs7_mime_get_type());
	g_mime_object_register_type("application", "pkcs7-mime",
	    g_mime_application_pkcs7_mime_get_type());
	g_mime_object_register_type("multipart", "*",
	    g_mime_multipart_get_type());
	g_mime_object_register_type("multipart", "encrypted",
	    g_mime_multipart_encrypted_get_type());
	g_mime_object_register_type("multipart", "signed",
	    g_mime_multipart_signed_get_type());
	g_mime_object_register_type("message", "rfc822",
	    g_mime_message_part_get_type());
	g_mime_object_register_type("message", "rfc2822",
	    g_mime_message_part_get_type());
	g_mime_object_register_type("message", "news",
	    g_mime_message_part_get_type());
	g_mime_object_register_type("message", "partial",
	    g_mime_message_partial_get_type());
}

/*
 * libidn2, loaded on first use.  GMime calls these three functions by
 * their libidn2 names; the lean binary does not link libidn2, so these
 * definitions take the calls and forward them.  Without the library a
 * conversion fails, and GMime keeps the domain as it was written.
 */
#define IDN2_SONAME "libidn2.so.0"

static struct {
	__typeof__(idn2_to_ascii_8z) *to_ascii;
	__typeof__(idn2_to_unicode_8z8z) *to_unicode;
	__typeof__(idn2_free) *free;
} idn;

static gboolean
load_idn2(void)
{
	static gsize once;
	static gboolean loaded;

	if (g_once_init_enter(&once)) {
		GModule *mod = g_module_open(IDN2_SONAME,
		    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

		loaded = mod != NULL &&
		    g_module_symbol(mod, "idn2_to_ascii_8z",
		    (gpointer *)&idn.to_ascii) &&
		    g_module_symbol(mod, "idn2_to_unicode_8z8z",
		    (gpointer *)&idn.to_unicode) &&
		    g_module_symbol(mod, "idn2_free", (gpointer *)&idn.free);
		/* Kept for the life of the process. */
		g_once_init_leave(&once, 1);
	}
	return loaded;
}

int
idn2_to_ascii_8z(const char *input, char **output, int flags)
{
	if (!load_idn2())
		return IDN2_MALLOC;
	return idn.to_ascii(input, output, flags);
}

int
idn2_to_unicode_8z8z(const char *input, char **output, int flags)
{
	if (!load_idn2())
		return IDN2_MALLOC;
	return idn.to_unicode(input, output, flags);
}

void
idn2_free(void *ptr)
{
	if (ptr != NULL && load_idn2())
		idn.free(ptr);
}

#endif /* MAILDESK_LEAN */
