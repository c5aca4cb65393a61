/* SPDX-License-Identifier: MIT */
/*
 * Xapian behind a C interface.  No exception leaves this file: each entry
 * point catches and turns it into a GError.  Documents hold terms, values
 * and the stemming language only, never the text: snippets are made from
 * the store, so erasing a message leaves nothing here but what compaction
 * removes.
 */
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include <xapian.h>

#include "maildesk/error.h"
#include "maildesk/search-engine.h"
#include "maildesk/search-text.h"

/*
 * Terms.  Q: one per message, fixed-width hex so that term order is
 * ticket and message order (check walks them against the store).  The
 * X... prefixes are the fields of the query language.
 */
#define P_UNIQUE "Q"
#define P_TICKET "XTICKET"
#define P_STATUS "XSTATUS"
#define P_QUEUE "XQUEUE"
#define P_OWNER "XOWNER"
#define P_FROM "XFROM"
#define P_TO "XTO"
#define P_ATTACHMENT "XATT"
#define P_SUBJECT "S"
#define P_LANGUAGE "XLANG"
#define T_RESTRICTED "XRESTRICTED"

enum { SLOT_DAY = 0, SLOT_TICKET = 1 };

/* Languages we stem, and Snowball's name for each. */
static const struct {
	const char *code;
	const char *stemmer;
} languages[] = {
	{ "en", "english" },
	{ "de", "german2" },	/* reads ae/oe/ue as umlauts */
};

struct MdSearchEngine {
	Xapian::Database *db;	/* a WritableDatabase when writable */
	Xapian::WritableDatabase *wdb;
	bool build;		/* new: add, no lookup of an older version */
};

struct MdSearchHits {
	Xapian::MSet mset;
};

static const char *
stemmer_name(const char *code)
{
	for (const auto &l : languages)
		if (code != nullptr && strcmp(code, l.code) == 0)
			return l.stemmer;
	return "english";
}

/* Folds a word of the stored (unfolded) text before stemming it, for
 * snippets: the documents were folded the same way. */
class FoldingStem : public Xapian::StemImplementation {
	Xapian::Stem inner;
	std::string name;

public:
	explicit FoldingStem(const char *stemmer) : inner(stemmer),
	    name(stemmer) {}

	std::string
	operator()(const std::string &word) override
	{
		char *f = md_search_text_fold(word.data(), (gssize)word.size(),
		    TRUE);
		std::string out = inner(f);

		g_free(f);
		return out;
	}

	std::string
	get_description() const override
	{
		return "folding " + name;
	}
};

static void
set_error(GError **error, const Xapian::Error &e, const char *what)
{
	int code = MD_ERROR_TEMPFAIL;
	std::string type = e.get_type();

	if (type == "DatabaseCorruptError" || type == "DatabaseVersionError")
		code = MD_ERROR_CORRUPT;
	else if (type == "QueryParserError")
		code = MD_ERROR_USAGE;
	else if (type == "InvalidArgumentError" ||
	    type == "InvalidOperationError" || type == "UnimplementedError" ||
	    type == "AssertionError")
		code = MD_ERROR_INTERNAL;
	g_set_error(error, MD_ERROR, code, "%s: %s", what,
	    e.get_description().c_str());
}

static void
set_oom(GError **error, const char *what)
{
	g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: out of memory",
	    what);
}

static std::string
unique_term(guint64 ticket, guint32 seq)
{
	char buf[32];

	snprintf(buf, sizeof(buf), P_UNIQUE "%016" PRIx64 "%08" PRIx32,
	    (uint64_t)ticket, (uint32_t)seq);
	return buf;
}

static std::string
ticket_term(guint64 ticket)
{
	return P_TICKET + std::to_string((unsigned long long)ticket);
}

MdSearchEngine *
md_search_engine_open(const char *path, MdSearchEngineMode mode,
    GError **error)
{
	MdSearchEngine *e = g_new0(MdSearchEngine, 1);

	try {
		if (mode == MD_SEARCH_ENGINE_READ)
			e->db = new Xapian::Database(path);
		else {
			e->wdb = new Xapian::WritableDatabase(path,
			    (mode == MD_SEARCH_ENGINE_BUILD ?
			    Xapian::DB_CREATE : Xapian::DB_OPEN) |
			    Xapian::DB_BACKEND_GLASS);
			e->db = e->wdb;
			e->build = mode == MD_SEARCH_ENGINE_BUILD;
		}
		return e;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index");
	}
	g_free(e);
	return nullptr;
}

void
md_search_engine_close(MdSearchEngine *e)
{
	if (e == nullptr)
		return;
	try {
		/* Uncommitted changes are dropped, never half-written. */
		if (e->wdb != nullptr)
			e->wdb->close();
	} catch (const Xapian::Error &) {
		/* Closing anyway. */
	}
	delete e->db;
	g_free(e);
}

static void
index_field(Xapian::TermGenerator &tg, const char *text, const char *prefix)
{
	if (text == nullptr || text[0] == '\0')
		return;
	tg.index_text(text, 1, prefix);
	tg.increase_termpos();
	/* Every field is free text too: a name matches wherever it is. */
	tg.index_text(text);
	tg.increase_termpos();
}

static void
add_boolean(Xapian::Document &doc, const char *prefix, const char *value)
{
	if (value != nullptr && value[0] != '\0')
		doc.add_boolean_term(std::string(prefix) + value);
}

gboolean
md_search_engine_put(MdSearchEngine *e, const MdSearchDoc *d,
    GError **error)
{
	g_return_val_if_fail(e->wdb != nullptr, FALSE);
	try {
		Xapian::Document doc;
		Xapian::TermGenerator tg;
		std::string id = unique_term(d->ticket, d->seq);
		const char *lang = d->language ? d->language : "en";

		tg.set_stemmer(Xapian::Stem(stemmer_name(lang)));
		tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
		tg.set_document(doc);
		index_field(tg, d->subject, P_SUBJECT);
		index_field(tg, d->from, P_FROM);
		index_field(tg, d->to, P_TO);
		index_field(tg, d->attachments, P_ATTACHMENT);
		if (d->customer != nullptr && d->customer[0] != '\0') {
			tg.index_text(d->customer);
			tg.increase_termpos();
		}
		if (d->text != nullptr)
			tg.index_text(d->text);

		doc.add_boolean_term(id);
		doc.add_boolean_term(ticket_term(d->ticket));
		add_boolean(doc, P_STATUS, d->status);
		add_boolean(doc, P_QUEUE, d->queue);
		add_boolean(doc, P_OWNER, d->owner);
		add_boolean(doc, P_LANGUAGE, lang);
		if (d->restricted)
			doc.add_boolean_term(T_RESTRICTED);
		if (d->day > 0)
			doc.add_value(SLOT_DAY, std::to_string(
			    (long long)d->day));
		doc.add_value(SLOT_TICKET, std::to_string(
		    (unsigned long long)d->ticket));
		/* What a hit needs without reading the term list. */
		doc.set_data(std::string(lang) + " " + std::to_string(
		    (unsigned long long)d->ticket) + " " + std::to_string(
		    (unsigned long)d->seq));
		if (e->build)
			e->wdb->add_document(doc);
		else
			e->wdb->replace_document(id, doc);
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index: put");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index: put");
	}
	return FALSE;
}

gboolean
md_search_engine_remove(MdSearchEngine *e, guint64 ticket, guint32 seq,
    GError **error)
{
	g_return_val_if_fail(e->wdb != nullptr, FALSE);
	try {
		e->wdb->delete_document(unique_term(ticket, seq));
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index: remove");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index: remove");
	}
	return FALSE;
}

gboolean
md_search_engine_remove_ticket(MdSearchEngine *e, guint64 ticket,
    GError **error)
{
	g_return_val_if_fail(e->wdb != nullptr, FALSE);
	try {
		e->wdb->delete_document(ticket_term(ticket));
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index: remove");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index: remove");
	}
	return FALSE;
}

gboolean
md_search_engine_commit(MdSearchEngine *e, GError **error)
{
	g_return_val_if_fail(e->wdb != nullptr, FALSE);
	try {
		e->wdb->commit();
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index: commit");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index: commit");
	}
	return FALSE;
}

guint64
md_search_engine_count(MdSearchEngine *e)
{
	try {
		return e->db->get_doccount();
	} catch (const Xapian::Error &) {
		return 0;
	}
}

gboolean
md_search_engine_compact(MdSearchEngine *e, const char *dest,
    GError **error)
{
	try {
		e->db->compact(dest, Xapian::DBCOMPACT_NO_RENUMBER);
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index: compact");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index: compact");
	}
	return FALSE;
}

gboolean
md_search_engine_foreach(MdSearchEngine *e, MdSearchEngineDocFunc fn,
    gpointer user_data, GError **error)
{
	try {
		for (Xapian::TermIterator t = e->db->allterms_begin(P_UNIQUE);
		    t != e->db->allterms_end(P_UNIQUE); ++t) {
			std::string term = *t;
			unsigned long long ticket;
			unsigned seq;

			if (term.size() != 25 || sscanf(term.c_str() + 1,
			    "%16llx%8x", &ticket, &seq) != 2)
				continue;
			if (!fn(ticket, seq, user_data))
				break;
		}
		return TRUE;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search index");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search index");
	}
	return FALSE;
}

MdSearchHits *
md_search_engine_query(MdSearchEngine *e, const char *query,
    gboolean include_restricted, guint offset, guint limit,
    GError **error)
{
	try {
		Xapian::QueryParser qp;
		Xapian::DateRangeProcessor days(SLOT_DAY, "date:");
		Xapian::Enquire enquire(*e->db);
		Xapian::Query q;
		unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
		    Xapian::QueryParser::FLAG_WILDCARD |
		    Xapian::QueryParser::FLAG_PURE_NOT;
		MdSearchHits *h;

		qp.set_database(*e->db);
		qp.set_default_op(Xapian::Query::OP_AND);
		qp.add_prefix("subject", P_SUBJECT);
		qp.add_prefix("from", P_FROM);
		qp.add_prefix("to", P_TO);
		qp.add_prefix("attachment", P_ATTACHMENT);
		qp.add_boolean_prefix("ticket", P_TICKET);
		qp.add_boolean_prefix("status", P_STATUS);
		qp.add_boolean_prefix("queue", P_QUEUE);
		qp.add_boolean_prefix("owner", P_OWNER);
		qp.add_rangeprocessor(&days);
		/* "a*" must not expand to half the vocabulary. */
		qp.set_max_expansion(500,
		    Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
		qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		/*
		 * Each document was stemmed in its own language: the query
		 * is parsed once per language and each parse meets only the
		 * documents of its language.
		 */
		for (const auto &l : languages) {
			Xapian::Query part;

			qp.set_stemmer(Xapian::Stem(l.stemmer));
			part = Xapian::Query(Xapian::Query::OP_FILTER,
			    qp.parse_query(query, flags),
			    Xapian::Query(std::string(P_LANGUAGE) + l.code));
			q = q.empty() ? part : Xapian::Query(
			    Xapian::Query::OP_OR, q, part);
		}
		if (!include_restricted)
			q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
			    Xapian::Query(T_RESTRICTED));
		enquire.set_query(q);
		enquire.set_collapse_key(SLOT_TICKET);
		/* Equal weight (a field-only query): the newest first. */
		enquire.set_docid_order(Xapian::Enquire::DESCENDING);
		h = new MdSearchHits;
		try {
			h->mset = enquire.get_mset(offset, limit);
		} catch (...) {
			delete h;
			throw;
		}
		return h;
	} catch (const Xapian::Error &x) {
		set_error(error, x, "search");
	} catch (const std::bad_alloc &) {
		set_oom(error, "search");
	}
	return nullptr;
}

void
md_search_hits_free(MdSearchHits *h)
{
	delete h;
}

guint
md_search_hits_count(const MdSearchHits *h)
{
	return h->mset.size();
}

guint64
md_search_hits_estimate(const MdSearchHits *h)
{
	return h->mset.get_matches_estimated();
}

/* "LANG TICKET SEQ", as md_search_engine_put() wrote it. */
static bool
parse_data(const std::string &data, std::string *lang, guint64 *ticket,
    guint32 *seq)
{
	char code[8];
	unsigned long long t;
	unsigned s;

	if (sscanf(data.c_str(), "%7s %llu %u", code, &t, &s) != 3)
		return false;
	*lang = code;
	*ticket = t;
	*seq = s;
	return true;
}

void
md_search_hits_get(const MdSearchHits *h, guint i, guint64 *ticket,
    guint32 *seq, int *percent)
{
	*ticket = 0;
	*seq = 0;
	*percent = 0;
	try {
		Xapian::MSetIterator it = h->mset[i];
		std::string lang;

		if (parse_data(it.get_document().get_data(), &lang, ticket,
		    seq))
			*percent = it.get_percent();
	} catch (const Xapian::Error &) {
		/* A hit we cannot read is shown as nothing. */
	} catch (const std::bad_alloc &) {
	}
}

char *
md_search_hits_snippet(MdSearchHits *h, guint i, const char *text,
    gsize length)
{
	try {
		Xapian::MSetIterator it = h->mset[i];
		std::string lang;
		guint64 ticket;
		guint32 seq;
		Xapian::Stem stem;

		if (!parse_data(it.get_document().get_data(), &lang, &ticket,
		    &seq))
			lang = "en";
		stem = Xapian::Stem(new FoldingStem(stemmer_name(
		    lang.c_str())));
		std::string s = h->mset.snippet(text ? text : "", length, stem,
		    Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
		    Xapian::MSet::SNIPPET_EXHAUSTIVE, "", "", "…");

		return g_strdup(s.c_str());
	} catch (const Xapian::Error &) {
		return g_strdup("");
	} catch (const std::bad_alloc &) {
		return g_strdup("");
	}
}
