/* SPDX-License-Identifier: MIT */
/*
 * Error domain and exit status mapping.  This is the only place that knows
 * which exit codes make Postfix pipe(8) retry (75 and 71) and which bounce.
 */
#include <sysexits.h>

#include "maildesk/error.h"

G_DEFINE_QUARK(maildesk-error-quark, md_error)

int
md_exit_status(const GError *error, MdExitMode mode)
{
	if (error == NULL)
		return EX_OK;
	/*
	 * In deliver mode only the size limit is a permanent refusal.  A
	 * config typo, a usage error or a bug must defer the mail, never
	 * bounce it: pipe(8) bounces on anything but 75, 71 and signals.
	 */
	if (mode == MD_MODE_DELIVER) {
		if (error->domain == MD_ERROR && error->code == MD_ERROR_REJECT)
			return EX_DATAERR;
		return EX_TEMPFAIL;
	}
	if (error->domain != MD_ERROR)
		return EX_SOFTWARE;
	switch ((MdErrorCode)error->code) {
	case MD_ERROR_TEMPFAIL:
		return EX_TEMPFAIL;
	case MD_ERROR_CONFIG:
		return EX_CONFIG;
	case MD_ERROR_REJECT:
		return EX_DATAERR;
	case MD_ERROR_NOT_FOUND:
		return 1;
	case MD_ERROR_USAGE:
		return EX_USAGE;
	case MD_ERROR_CORRUPT:
		return 1;
	case MD_ERROR_CANTCREAT:
		/*
		 * An output file named on the command line: the person
		 * fixes the name; trying again later would change nothing.
		 */
		return EX_CANTCREAT;
	case MD_ERROR_INTERNAL:
	default:
		return EX_SOFTWARE;
	}
}
