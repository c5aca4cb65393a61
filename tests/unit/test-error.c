/* SPDX-License-Identifier: MIT */
/*
 * md_exit_status: the one table from error to exit status.  In deliver
 * mode every failure but the size refusal must be 75, or Postfix bounces
 * the customer's mail; the admin commands get the sysexits code of each.
 */
#include <sysexits.h>

#include "maildesk/error.h"

typedef struct {
	const char *path;
	gboolean is_error;	/* FALSE: success, no error at all */
	gboolean ours;		/* in the MD_ERROR domain */
	int code;
	int admin;
	int deliver;
} Case;

static const Case cases[] = {
	{ "/error/exit/success", FALSE, TRUE, 0, EX_OK, EX_OK },
	{ "/error/exit/tempfail", TRUE, TRUE, MD_ERROR_TEMPFAIL,
	  EX_TEMPFAIL, EX_TEMPFAIL },
	{ "/error/exit/config", TRUE, TRUE, MD_ERROR_CONFIG,
	  EX_CONFIG, EX_TEMPFAIL },
	{ "/error/exit/reject", TRUE, TRUE, MD_ERROR_REJECT,
	  EX_DATAERR, EX_DATAERR },
	{ "/error/exit/not-found", TRUE, TRUE, MD_ERROR_NOT_FOUND,
	  1, EX_TEMPFAIL },
	{ "/error/exit/usage", TRUE, TRUE, MD_ERROR_USAGE,
	  EX_USAGE, EX_TEMPFAIL },
	{ "/error/exit/internal", TRUE, TRUE, MD_ERROR_INTERNAL,
	  EX_SOFTWARE, EX_TEMPFAIL },
	{ "/error/exit/corrupt", TRUE, TRUE, MD_ERROR_CORRUPT,
	  1, EX_TEMPFAIL },
	{ "/error/exit/cantcreat", TRUE, TRUE, MD_ERROR_CANTCREAT,
	  EX_CANTCREAT, EX_TEMPFAIL },
	{ "/error/exit/unknown-code", TRUE, TRUE, 999,
	  EX_SOFTWARE, EX_TEMPFAIL },
	{ "/error/exit/foreign-domain", TRUE, FALSE, G_FILE_ERROR_NOENT,
	  EX_SOFTWARE, EX_TEMPFAIL },
	{ "/error/exit/foreign-reject-code", TRUE, FALSE, MD_ERROR_REJECT,
	  EX_SOFTWARE, EX_TEMPFAIL },
};

static void
test_exit(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GError) e = NULL;

	if (c->is_error)
		e = g_error_new_literal(c->ours ? MD_ERROR : G_FILE_ERROR,
		    c->code, "x");
	g_assert_cmpint(md_exit_status(e, MD_MODE_ADMIN), ==, c->admin);
	g_assert_cmpint(md_exit_status(e, MD_MODE_DELIVER), ==, c->deliver);
}

/* What the MTA retries: deliver never exits with a bouncing code by mistake. */
static void
test_deliver_never_bounces(void)
{
	for (int code = MD_ERROR_TEMPFAIL; code <= MD_ERROR_CANTCREAT;
	    code++) {
		g_autoptr(GError) e = g_error_new_literal(MD_ERROR, code, "x");
		int s = md_exit_status(e, MD_MODE_DELIVER);

		if (code == MD_ERROR_REJECT)
			g_assert_cmpint(s, ==, EX_DATAERR);
		else
			g_assert_cmpint(s, ==, EX_TEMPFAIL);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_exit);
	g_test_add_func("/error/exit/deliver-never-bounces",
	    test_deliver_never_bounces);
	return g_test_run();
}
