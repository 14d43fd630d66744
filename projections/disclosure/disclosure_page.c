/*
 * disclosure_page.c — the HTML disclosure page at "/" and the Atom feed
 * at /v1/feed.atom. The page is one self-contained document (inline style,
 * no scripts, no external assets), rendered on the server from the view so
 * that it reads the same with or without a browser. Every listed item links
 * to the entry it came from (/v1/entries/SEQ) and that entry's inclusion
 * proof (/v1/proof/inclusion?index=SEQ).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "mpjson.h"

#define PAGE_ROWS_MAX 500u /* rows per section; the API pages past them */
#define ATOM_LIMIT_DEFAULT 50u

/* ---- an append-only text buffer ---- */

struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
printf_(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* HTML/XML text and attribute escaping. */
static void
esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		case '\'': puts_(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				break; /* not allowed in XML 1.0 */
			put(b, s, 1);
		}
	}
}

static void
finish(struct buf *b, struct pdl_http_out *out, const char *ctype)
{
	if (b->oom) {
		free(b->p);
		pdl_http_error(out, 500, "out_of_memory", "out of memory");
		return;
	}
	out->status = 200;
	out->content_type = ctype;
	out->body = b->p;
	out->len = b->n;
}

/* ---- the page ---- */

static void
links(struct buf *b, uint64_t seq)
{
	printf_(b, "<a href=\"/v1/entries/%llu\">#%llu</a> <a class=\"proof\" href=\"/v1/proof/inclusion?index=%llu\">proof</a>",
	        (unsigned long long)seq, (unsigned long long)seq, (unsigned long long)seq);
}

static void
td(struct buf *b, const char *s)
{
	puts_(b, "<td>");
	esc(b, s);
	puts_(b, "</td>");
}

/* A ledger time in CST to the minute (the API has the ms), with an optional note. */
static void
td_time_note(struct buf *b, uint64_t ms, const char *note)
{
	char iso[40];
	disc_ms_iso(ms, iso);
	iso[16] = 0;
	iso[10] = ' ';
	printf_(b, "<td class=\"t\">%s", iso);
	if (note != NULL)
		printf_(b, " <span class=\"sub\">(%s)</span>", note);
	puts_(b, "</td>");
}

static void
td_time(struct buf *b, uint64_t ms)
{
	td_time_note(b, ms, NULL);
}

static void
td_fen(struct buf *b, uint64_t fen)
{
	printf_(b, "<td class=\"n\">¥%llu.%02llu</td>", (unsigned long long)(fen / 100), (unsigned long long)(fen % 100));
}

/* Joins a JSON array of strings with ", ". */
static void
td_list(struct buf *b, const json_t *arr)
{
	size_t i;
	json_t *v;
	puts_(b, "<td>");
	json_array_foreach(arr, i, v)
	{
		if (i)
			puts_(b, ", ");
		esc(b, json_string_value(v));
	}
	puts_(b, "</td>");
}

struct page {
	struct buf *b;
	uint64_t now_ms;
	size_t rows;
	int (*keep)(const json_t *doc, struct page *pg);
	void (*row)(struct page *pg, const json_t *doc);
};

static int
take_row(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct page *pg = arg;
	(void)key;
	(void)items;
	if (pg->keep != NULL && !pg->keep(doc, pg))
		return 0;
	pg->row(pg, doc);
	return 1;
}

/* Renders the rows of the documents under prefix that keep() takes. */
static void
section(MDB_txn *t, MDB_dbi dbi, struct page *pg, const char *prefix, int (*keep)(const json_t *, struct page *),
        void (*row)(struct page *, const json_t *))
{
	char next[DISC_KEY_MAX];
	int more;
	json_t *items = json_array();
	pg->keep = keep;
	pg->row = row;
	int rc = disc_walk(t, dbi, prefix, NULL, PAGE_ROWS_MAX, take_row, pg, items, next, &more);
	json_decref(items);
	if (rc != PDL_OK)
		puts_(pg->b, "<tr><td class=\"none\" colspan=\"12\">cannot read the view</td></tr>");
	else if (next[0] == 0)
		puts_(pg->b, "<tr><td class=\"none\" colspan=\"12\">none</td></tr>");
	else if (more)
		printf_(pg->b, "<tr><td class=\"none\" colspan=\"12\">first %u shown; the JSON API has the rest</td></tr>",
		        PAGE_ROWS_MAX);
}

static void
row_grant(struct page *pg, const json_t *doc)
{
	struct buf *b = pg->b;
	json_t *g = disc_grant_present(doc, pg->now_ms);
	const char *id = disc_str(g, "grant_id");
	puts_(b, "<tr id=\"grant-");
	esc(b, id);
	puts_(b, "\" class=\"grant\">");
	puts_(b, "<td class=\"id\">");
	esc(b, id);
	puts_(b, "</td><td>");
	esc(b, disc_str(g, "operator_name"));
	puts_(b, " <span class=\"sub\">");
	esc(b, disc_str(g, "operator"));
	puts_(b, "</span></td>");
	td(b, disc_str(g, "mode"));
	td_list(b, json_object_get(g, "resources"));
	td(b, disc_str(g, "scope"));
	puts_(b, "<td class=\"t\">");
	esc(b, disc_str(g, "start"));
	puts_(b, " – ");
	esc(b, disc_str(g, "end"));
	puts_(b, "</td>");
	td(b, json_is_string(json_object_get(g, "trial_end")) ? disc_str(g, "trial_end") : "—");
	td_fen(b, disc_uint(g, "fee_cap_fen"));
	printf_(b, "<td class=\"st %s\">", disc_str(g, "status"));
	esc(b, disc_str(g, "status"));
	puts_(b, "</td>");
	td(b, json_is_string(json_object_get(g, "exit_reason")) ? disc_str(g, "exit_reason") : "");
	puts_(b, "<td class=\"src\">");
	links(b, disc_uint(g, "seq"));
	puts_(b, "</td></tr>\n");
	json_decref(g);
}

static int
keep_released(const json_t *d, struct page *pg)
{
	(void)pg;
	return json_object_get(d, "released_seq") != NULL;
}

static void
row_product(struct page *pg, const json_t *d)
{
	struct buf *b = pg->b;
	const char *id = disc_str(d, "product_id");
	puts_(b, "<tr id=\"product-");
	esc(b, id);
	puts_(b, "\" class=\"product\"><td class=\"name\">");
	esc(b, disc_str(d, "name"));
	puts_(b, " <span class=\"sub\">");
	esc(b, id);
	puts_(b, "</span></td>");
	td(b, disc_str(d, "category"));
	td_fen(b, disc_uint(d, "price_fen"));
	td(b, disc_str(d, "unit"));
	td(b, disc_str(d, "grant_id"));
	td(b, disc_str(d, "operator_name"));
	td(b, disc_str(d, "developer_name"));
	printf_(b, "<td class=\"st %s\">", disc_str(d, "status"));
	esc(b, disc_str(d, "status"));
	puts_(b, "</td><td class=\"src\">");
	links(b, disc_uint(d, "released_seq"));
	puts_(b, "</td></tr>\n");
}

static int
keep_notice(const json_t *d, struct page *pg)
{
	(void)pg;
	return strcmp(disc_str(d, "status"), "notice") == 0;
}

static size_t
open_objections(const json_t *d)
{
	size_t i, n = 0;
	json_t *o;
	json_array_foreach(json_object_get(d, "objections"), i, o)
	{
		n += strcmp(disc_str(o, "status"), "open") == 0;
	}
	return n;
}

static void
row_notice(struct page *pg, const json_t *d)
{
	struct buf *b = pg->b;
	const char *id = disc_str(d, "application_id");
	puts_(b, "<tr id=\"notice-");
	esc(b, id);
	puts_(b, "\" class=\"notice\">");
	td(b, id);
	puts_(b, "<td class=\"name\">");
	esc(b, disc_str(d, "name"));
	puts_(b, "</td>");
	td(b, disc_str(d, "kind"));
	td(b, disc_str(d, "subject"));
	td(b, disc_str(d, "holder_name"));
	td_time(b, disc_uint(d, "notice_starts"));
	td_time_note(b, disc_uint(d, "notice_ends"), pg->now_ms >= disc_uint(d, "notice_ends") ? "over" : NULL);
	printf_(b, "<td class=\"n\">%zu</td>", open_objections(d));
	puts_(b, "<td class=\"src\">");
	links(b, disc_uint(d, "notice_seq"));
	puts_(b, "</td></tr>\n");
}

static int
keep_coded(const json_t *d, struct page *pg)
{
	(void)pg;
	return json_object_get(d, "code") != NULL;
}

static void
row_code(struct page *pg, const json_t *d)
{
	struct buf *b = pg->b;
	const char *code = disc_str(d, "code");
	puts_(b, "<tr id=\"code-");
	esc(b, code);
	puts_(b, "\" class=\"code\"><td class=\"id\"><a href=\"/v1/registrations/");
	esc(b, code);
	puts_(b, "\">");
	esc(b, code);
	puts_(b, "</a></td><td class=\"name\">");
	esc(b, disc_str(d, "name"));
	puts_(b, "</td>");
	td(b, disc_str(d, "kind"));
	td(b, disc_str(d, "subject"));
	td(b, disc_str(d, "holder_name"));
	td_time(b, disc_uint(d, "code_ms"));
	printf_(b, "<td class=\"st %s\">", disc_str(d, "status"));
	esc(b, disc_str(d, "status"));
	puts_(b, "</td><td class=\"src\">");
	links(b, disc_uint(d, "code_seq"));
	puts_(b, "</td></tr>\n");
}

static void
row_usage(struct page *pg, const json_t *d)
{
	struct buf *b = pg->b;
	puts_(b, "<tr class=\"usage\">");
	td(b, disc_str(d, "resource_id"));
	td(b, disc_str(d, "resource_name"));
	td(b, disc_str(d, "period"));
	printf_(b, "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"src\">",
	        (unsigned long long)disc_uint(d, "records"), (unsigned long long)disc_uint(d, "bytes"),
	        (unsigned long long)disc_uint(d, "reports"));
	links(b, disc_uint(d, "seq"));
	puts_(b, "</td></tr>\n");
}

static void
row_dispute(struct page *pg, const json_t *d)
{
	struct buf *b = pg->b;
	char subj[120];
	snprintf(subj, sizeof subj, "%s #%llu", disc_str(d, "subject_type"), (unsigned long long)disc_uint(d, "subject_seq"));
	puts_(b, "<tr class=\"dispute\">");
	td(b, disc_str(d, "dispute_id"));
	td(b, subj);
	printf_(b, "<td class=\"st %s\">", disc_str(d, "outcome"));
	esc(b, disc_str(d, "outcome"));
	puts_(b, "</td>");
	td(b, disc_str(d, "reason"));
	td_time(b, disc_uint(d, "time_ms"));
	puts_(b, "<td class=\"src\">");
	links(b, disc_uint(d, "seq"));
	puts_(b, "</td></tr>\n");
}

static const char page_style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI','PingFang SC','Noto Sans CJK SC',sans-serif;"
    "margin:0;color:#1b1f23;background:#f6f7f9}"
    "header{background:#16325c;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}"
    "header p{margin:2px 0;opacity:.9}header a{color:#cfe1ff}"
    "nav{margin-top:8px}nav a{margin-right:14px}"
    "main{padding:8px 28px 40px}section{margin-top:22px}h2{font-size:18px;margin:0 0 8px}"
    "table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    "th,td{padding:6px 9px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}"
    "th{background:#eef1f5;font-weight:600;font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.t{white-space:nowrap}td.id{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}"
    ".sub{color:#6a737d;font-size:12px}td.none{color:#6a737d;font-style:italic}"
    ".st.active,.st.released,.st.coded,.st.dismissed{color:#1a7f37}.st.suspended,.st.withdrawn{color:#9a6700}"
    ".st.terminated,.st.expired,.st.cancelled,.st.upheld{color:#cf222e}"
    "td.src a{margin-right:6px;white-space:nowrap}a.proof{font-size:12px}"
    "footer{padding:14px 28px;color:#6a737d;font-size:13px}";

void
disc_route_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	MDB_txn *t;
	struct disc_tables tb;
	struct buf b = {0};
	uint64_t head_seq, now_ms;
	int have;
	(void)rest;
	if (pdl_http_params_only(query, none, out))
		return;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return;
	}
	disc_tables_get(cx->db, &tb);
	disc_head(t, &tb, &head_seq, &now_ms, &have);
	json_t *m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
	char iso[40];
	disc_ms_iso(now_ms, iso);
	puts_(&b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	          "<title>公共数据授权运营信息公开 · Public data disclosure — ");
	esc(&b, disc_str(m, "origin"));
	puts_(&b, "</title><link rel=\"alternate\" type=\"application/atom+xml\" title=\"Disclosure feed\" "
	          "href=\"/v1/feed.atom\"><style>");
	puts_(&b, page_style);
	puts_(&b, "</style></head><body>\n<header><h1>公共数据授权运营信息公开 · Public data disclosure</h1><p>");
	esc(&b, disc_str(m, "authority_name"));
	puts_(&b, " · ledger <code>");
	esc(&b, disc_str(m, "origin"));
	puts_(&b, "</code> · jurisdiction ");
	esc(&b, disc_str(m, "jurisdiction"));
	puts_(&b, "</p><p>");
	if (have)
		printf_(&b, "As of entry <a href=\"/v1/entries/%llu\">#%llu</a> (ledger time %s). ",
		        (unsigned long long)head_seq, (unsigned long long)head_seq, iso);
	else
		puts_(&b, "The view has no entries yet. ");
	puts_(&b, "Every item links to the entry it came from and to that entry's inclusion proof; check them against "
	          "the signed <a href=\"/v1/checkpoint\">checkpoint</a>.</p>"
	          "<nav><a href=\"#grants\">Grants</a><a href=\"#products\">Products</a><a href=\"#notices\">Public "
	          "notices</a><a href=\"#codes\">Registration codes</a><a href=\"#usage\">Resource usage</a><a "
	          "href=\"#disputes\">Disputes</a><a href=\"/v1/\">JSON API</a><a href=\"/v1/feed\">Feed</a><a "
	          "href=\"/v1/feed.atom\">Atom</a></nav></header>\n<main>\n");
	json_decref(m);
	struct page pg = {&b, now_ms, 0, NULL, NULL};

	puts_(&b, "<section id=\"grants\"><h2>Grants 授权</h2><table><thead><tr><th>Grant</th><th>Operator</th>"
	          "<th>Mode</th><th>Resources</th><th>Scope</th><th>Term</th><th>Trial until</th><th>Fee cap</th>"
	          "<th>Status</th><th>Exit reason</th><th>Entry</th></tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "grant/", NULL, row_grant);
	puts_(&b, "</tbody></table></section>\n");

	puts_(&b, "<section id=\"products\"><h2>Released products and services 产品和服务</h2><table><thead><tr>"
	          "<th>Product</th><th>Category</th><th>Price</th><th>Charging unit</th><th>Grant</th><th>Operator</th>"
	          "<th>Developer</th><th>Status</th><th>Entry</th></tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "prod/", keep_released, row_product);
	puts_(&b, "</tbody></table></section>\n");

	puts_(&b, "<section id=\"notices\"><h2>Registrations under public notice 登记公示</h2><table><thead><tr>"
	          "<th>Application</th><th>Name</th><th>Kind</th><th>Subject</th><th>Holder</th><th>Notice from</th>"
	          "<th>Notice ends</th><th>Open objections</th><th>Entry</th></tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "reg/", keep_notice, row_notice);
	puts_(&b, "</tbody></table></section>\n");

	puts_(&b, "<section id=\"codes\"><h2>Registration codes 登记赋码</h2><table><thead><tr><th>Code</th>"
	          "<th>Name</th><th>Kind</th><th>Subject</th><th>Holder</th><th>Assigned</th><th>Status</th>"
	          "<th>Entry</th></tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "reg/", keep_coded, row_code);
	puts_(&b, "</tbody></table></section>\n");

	puts_(&b, "<section id=\"usage\"><h2>Resource usage 资源使用</h2><table><thead><tr><th>Resource</th>"
	          "<th>Name</th><th>Period</th><th>Records</th><th>Bytes</th><th>Reports</th><th>Latest entry</th>"
	          "</tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "usage/", NULL, row_usage);
	puts_(&b, "</tbody></table></section>\n");

	puts_(&b, "<section id=\"disputes\"><h2>Dispute outcomes 争议处理结果</h2><table><thead><tr><th>Dispute</th>"
	          "<th>Subject</th><th>Outcome</th><th>Reason</th><th>Decided</th><th>Entry</th></tr></thead><tbody>\n");
	section(t, tb.docs, &pg, "disp/", NULL, row_dispute);
	puts_(&b, "</tbody></table></section>\n");
	mdb_txn_abort(t);
	printf_(&b, "</main><footer>Sections show up to %u rows each; the JSON API under <a href=\"/v1/\">/v1/</a> "
	            "pages through everything. Annual disclosure: <code>/v1/reports/annual?year=YYYY</code>.</footer>"
	            "</body></html>\n",
	        PAGE_ROWS_MAX);
	finish(&b, out, "text/html; charset=utf-8");
}

/* ---- Atom ---- */

/* The id a feed item is about: the first id-like field of its body. */
static const char *
item_subject(const json_t *body)
{
	static const char *const keys[] = {"grant_id",  "product_id", "application_id", "code",          "resource_id",
	                                   "dispute_id", "report_id", "objection_id",   "evidence_id",   "request_id",
	                                   "call_id",    "id",        "origin",         "settlement_id", NULL};
	for (const char *const *k = keys; *k != NULL; k++)
		if (json_is_string(json_object_get(body, *k)))
			return disc_str(body, *k);
	return "";
}

void
disc_route_atom(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"limit", NULL};
	uint64_t limit;
	MDB_txn *t;
	struct disc_tables tb;
	struct buf b = {0};
	(void)rest;
	if (pdl_http_params_only(query, params, out) || disc_limit(query, ATOM_LIMIT_DEFAULT, &limit, out))
		return;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return;
	}
	disc_tables_get(cx->db, &tb);
	json_t *m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
	const char *origin = disc_str(m, "origin");
	uint64_t head_seq, now_ms;
	int have;
	char iso[40];
	disc_head(t, &tb, &head_seq, &now_ms, &have);
	disc_ms_iso(now_ms, iso);
	puts_(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>urn:pdl:");
	esc(&b, origin);
	puts_(&b, ":feed</id>\n<title>Public data disclosure — ");
	esc(&b, origin);
	printf_(&b, "</title>\n<updated>%s</updated>\n<link rel=\"self\" href=\"/v1/feed.atom\"/>\n"
	            "<link rel=\"alternate\" type=\"text/html\" href=\"/\"/>\n<author><name>",
	        iso);
	esc(&b, *disc_str(m, "authority_name") ? disc_str(m, "authority_name") : origin);
	puts_(&b, "</name></author>\n");
	/* newest first */
	MDB_cursor *c;
	if (mdb_cursor_open(t, tb.feed, &c) == 0) {
		MDB_val k, v;
		uint64_t n = 0;
		for (int r = mdb_cursor_get(c, &k, &v, MDB_LAST); r == 0 && n < limit;
		     r = mdb_cursor_get(c, &k, &v, MDB_PREV), n++) {
			json_t *it = json_loadb(v.mv_data, v.mv_size, 0, NULL);
			if (it == NULL)
				continue;
			uint64_t seq = disc_uint(it, "seq");
			json_t *body = json_object_get(it, "body");
			/* the content a reader sees: ledger times also in CST (mpjson.h) */
			pdl_json_add_cst(it);
			pdl_json_add_cst(json_object_get(it, "outcome"));
			char *content = json_dumps(it, JSON_INDENT(1) | JSON_SORT_KEYS);
			disc_ms_iso(disc_uint(it, "time_ms"), iso);
			puts_(&b, "<entry>\n<id>urn:pdl:");
			esc(&b, origin);
			printf_(&b, ":entry:%llu</id>\n<title>#%llu ", (unsigned long long)seq, (unsigned long long)seq);
			esc(&b, disc_str(it, "type"));
			puts_(&b, " ");
			esc(&b, item_subject(body));
			printf_(&b, "</title>\n<updated>%s</updated>\n<link href=\"/v1/entries/%llu\"/>\n<author><name>", iso,
			        (unsigned long long)seq);
			esc(&b, disc_str(it, "actor"));
			puts_(&b, "</name></author>\n<content type=\"text\">");
			esc(&b, content);
			puts_(&b, "</content>\n</entry>\n");
			free(content);
			json_decref(it);
		}
		mdb_cursor_close(c);
	}
	json_decref(m);
	mdb_txn_abort(t);
	puts_(&b, "</feed>\n");
	finish(&b, out, "application/atom+xml; charset=utf-8");
}
