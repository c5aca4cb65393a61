/* SPDX-License-Identifier: MIT */
/*
 * The language a customer writes in, for the mail we send them: the
 * profile's choice, else what their mail declares (Content-Language), else
 * a guess from its words, else the queue's.  Only languages we ship
 * templates for are ever chosen; every function returns one of
 * md_language_codes() or NULL, never a string of the caller's.
 */
#pragma once
#include <glib.h>

/* The languages we answer in, NULL-terminated: "en", "de". */
const char *const *md_language_codes(void);

/* @code ("de", any case) as one of md_language_codes(), or NULL. */
const char *md_language_find(const char *code);

/*
 * The first language tag of a Content-Language value ("de-DE, en") whose
 * primary subtag we answer in, or NULL.
 */
const char *md_language_from_tag(const char *value);

/*
 * A guess from the common short words (stopwords) of @text, quoted lines
 * ("> ...") left out; NULL when the words do not clearly favour one
 * language.  Reads at most the first 200 words, and stops as soon as one
 * language clearly leads.
 */
const char *md_language_guess(const char *text);

/*
 * The language to write in: @profile (the customer's field), else
 * @content_language, else a guess from @text, else @fallback (the
 * queue's), each taken only if we answer in it.  Any argument may be
 * NULL; NULL only when none of them gives a language.
 */
const char *md_language_choose(const char *profile,
    const char *content_language, const char *text, const char *fallback);
