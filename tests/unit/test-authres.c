/* SPDX-License-Identifier: MIT */
/*
 * Authentication-Results of our own MX (authres.c): only our authserv-id
 * counts; a pass must name the domain asked about, a failure may leave it
 * unnamed but must not name another; comments and versions are skipped.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "test-util.h"
#include "maildesk/authres.h"

typedef struct {
	const char *path;
	const char *header;	/* the Authentication-Results value */
	const char *domain;
	gboolean dkim_pass, dmarc_pass, spf_fail, dmarc_fail;
} Case;

static const Case cases[] = {
	{ "/authres/dkim-pass", "mx.example.com; dkim=pass header.d=example.com",
	  "example.com", TRUE, FALSE, FALSE, FALSE },
	{ "/authres/dkim-pass-header-i",
	  "mx.example.com 1; dkim=pass (2048-bit key) header.i=@Example.COM",
	  "example.com", TRUE, FALSE, FALSE, FALSE },
	{ "/authres/dmarc-pass", "MX.example.com; dmarc=pass header.from=example.com",
	  "example.com", FALSE, TRUE, FALSE, FALSE },
	{ "/authres/pass-other-domain",
	  "mx.example.com; dkim=pass header.d=evil.example",
	  "example.com", FALSE, FALSE, FALSE, FALSE },
	{ "/authres/foreign-id", "evil.example; dkim=pass header.d=example.com; "
	  "spf=fail smtp.mailfrom=example.com; dmarc=fail header.from=example.com",
	  "example.com", FALSE, FALSE, FALSE, FALSE },
	{ "/authres/backscatter", "mx.example.com; spf=fail "
	  "smtp.mailfrom=forged.example; dmarc=fail (p=reject) "
	  "header.from=forged.example", "forged.example",
	  FALSE, FALSE, TRUE, TRUE },
	{ "/authres/fail-unnamed", "mx.example.com; spf=fail; dmarc=fail",
	  "forged.example", FALSE, FALSE, TRUE, TRUE },
	{ "/authres/fail-other-domain", "mx.example.com; spf=fail "
	  "smtp.mailfrom=bounce.esp.example; dmarc=fail header.from=other.example",
	  "forged.example", FALSE, FALSE, FALSE, FALSE },
	{ "/authres/softfail", "mx.example.com; spf=softfail "
	  "smtp.mailfrom=forged.example; dmarc=none header.from=forged.example",
	  "forged.example", FALSE, FALSE, FALSE, FALSE },
};

static void
test_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-authres-XXXXXX",
	    &error);
	g_autofree char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	g_autoptr(MdConfig) config = NULL;
	g_autoptr(MdMessage) m = md_message_new();
	MdAuthResults ar;

	g_file_set_contents(conf, "[agents]\nauthserv-id = mx.example.com\n",
	    -1, &error);
	config = md_config_load(conf, &error);
	md_test_rm_rf(dir);
	g_assert_no_error(error);
	g_ptr_array_add(m->headers, g_strdup("Authentication-Results"));
	g_ptr_array_add(m->headers, g_strdup(c->header));
	md_authres_read(config, m, c->domain, &ar);
	g_assert_cmpint(ar.dkim_pass, ==, c->dkim_pass);
	g_assert_cmpint(ar.dmarc_pass, ==, c->dmarc_pass);
	g_assert_cmpint(ar.spf_fail, ==, c->spf_fail);
	g_assert_cmpint(ar.dmarc_fail, ==, c->dmarc_fail);
}

/* Without an authserv-id nothing counts. */
static void
test_unconfigured(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-authres-XXXXXX",
	    &error);
	g_autofree char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	g_autoptr(MdConfig) config = NULL;
	g_autoptr(MdMessage) m = md_message_new();
	MdAuthResults ar;

	g_file_set_contents(conf, "[agents]\n", -1, &error);
	config = md_config_load(conf, &error);
	md_test_rm_rf(dir);
	g_assert_no_error(error);
	g_ptr_array_add(m->headers, g_strdup("Authentication-Results"));
	g_ptr_array_add(m->headers, g_strdup("; dkim=pass header.d=example.com"));
	md_authres_read(config, m, "example.com", &ar);
	g_assert_false(ar.dkim_pass);
	g_assert_cmpstr(md_authres_domain_of("a@Example.com"), ==,
	    "Example.com");
	g_assert_cmpstr(md_authres_domain_of("nobody"), ==, "");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_case);
	g_test_add_func("/authres/unconfigured", test_unconfigured);
	return g_test_run();
}
