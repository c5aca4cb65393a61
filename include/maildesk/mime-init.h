/* SPDX-License-Identifier: MIT */
/*
 * GMime's start-up.  In the lean deliver binary it is g_mime_init() without
 * the parts that would link GIO and GPGME into it; elsewhere it is
 * g_mime_init().
 */
#pragma once

/* Initialises GMime once per process; call before any other GMime call. */
void md_mime_init(void);
