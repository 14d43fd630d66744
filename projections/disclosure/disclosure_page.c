/*
 * disclosure_page.c — the HTML disclosure page at "/" and the Atom feed at
 * /v1/feed.atom (spec/views.md "The page").
 *
 * The page is rendered on the server from the view, so it reads the same
 * with or without JavaScript: grants, released products, registrations
 * under public notice, assigned codes, resource usage and dispute outcomes,
 * enum codes in Chinese with the code beside, money and counts with
 * thousands separators, times in CST. Every row names the entry it came
 * from (data-seq, data-type) and links to that entry's page (/entries/SEQ),
 * its JSON and its inclusion proof; the page carries the ledger's verifier
 * key, and /assets/pdl.js checks the checkpoint and every row's entry in
 * the reader's browser (page.h says what may go where: every ledger value
 * is escaped, nothing is inline script).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "mpjson.h"
#include "note.h"

#define PAGE_ROWS_MAX 500u /* rows per section; the API pages past them */
#define ATOM_LIMIT_DEFAULT 50u

/* ---- what every page that verifies carries ---- */

void
disc_page_keybox(struct pdl_page *b, const json_t *meta)
{
	struct pdl_pubkey pk;
	char vkey[PDL_VKEY_LEN_MAX + 1] = "", why[160];
	const char *k = disc_str(meta, "ledger_key"), *suite = disc_str(meta, "suite");
	/* the key in the ledger's suite, as this process has it from the genesis */
	if (pdl_pubkey_parse(&pk, pdl_suite(), k, strlen(k), why, sizeof why) != PDL_OK ||
	    pdl_note_vkey_format(disc_str(meta, "origin"), &pk, vkey, sizeof vkey) != PDL_OK)
		vkey[0] = 0;
	if (*suite == 0) /* a genesis made before suites */
		suite = pdl_suite()->id;
	pdl_page_puts(b, "<noscript><div class=\"box warn\">Verification runs in your browser and needs JavaScript; "
	                 "everything else on this page reads without it. 验证需要启用 JavaScript。</div></noscript>\n"
	                 "<div class=\"box\" id=\"key\"><h2>账本验证密钥 Ledger verifier key</h2><p><code id=\"pdl-vkey\" "
	                 "data-vkey=\"");
	pdl_page_esc(b, vkey);
	pdl_page_puts(b, "\" data-suite=\"");
	pdl_page_esc(b, suite);
	pdl_page_puts(b, "\">");
	pdl_page_esc(b, *vkey ? vkey : k);
	pdl_page_puts(b, "</code> <span class=\"sub\">(");
	pdl_page_esc(b, suite);
	pdl_page_puts(b, ")</span></p><p class=\"sub\">The same key is in the ledger's first entry (<a href=\"/entries/0\">"
	                 "#0</a>, <code>ledger.genesis</code>, field <code>ledger_key</code>) and is printed by "
	                 "<code>pdl verifier-key --data DIR</code>; the authority publishes it with the ledger, and "
	                 "witnesses and outside verifiers are configured with it. A page can vouch only for the key it "
	                 "was served with: compare it with one of those.</p>"
	                 "<p>检查点 Checkpoint: <span id=\"pdl-ckpt\" class=\"vs na\">— 未验证 not checked</span></p>"
	                 "</div>\n");
}

/* The "how to verify" box: what the browser checked and how to do the same offline. */
static void
howto(struct pdl_page *b)
{
	pdl_page_puts(
	    b,
	    "<div class=\"box\" id=\"howto\"><h2>如何验证 How to verify</h2>"
	    "<p>Your browser checked, with its own WebCrypto and nothing from elsewhere:</p><ol>"
	    "<li>the latest <a href=\"/v1/checkpoint\">checkpoint</a> is a C2SP signed note whose Ed25519 signature "
	    "verifies with the key above;</li>"
	    "<li>for each row, the exact bytes of its entry (<code>/v1/entries/SEQ</code>, field <code>entry</code>) "
	    "decode as that entry and act type, and their leaf hash SHA-256(0x00 ‖ bytes) with the RFC 9162 audit path "
	    "(<code>/v1/proof/inclusion?index=SEQ&amp;size=SIZE</code>) leads to the signed root.</li></ol>"
	    "<p>It did not check that a row's other columns say what the entry says (open the entry's page to read "
	    "them side by side), nor the log as a whole. To do that, and the same offline:</p><ul>"
	    "<li><code>pdl verify --data DIR</code> re-derives every hash, chain link, signature and checkpoint of a "
	    "copy of the log (<code>--replay</code> re-decides every act);</li>"
	    "<li><code>pdl proof inclusion SEQ SIZE</code> and <code>pdl checkpoint</code> print the proof and the note "
	    "this page used;</li>"
	    "<li>the tiles: <code>pdl tiles</code> writes the log as C2SP tlog-tiles, which any web server serves and "
	    "any tlog client checks against the same checkpoint;</li>"
	    "<li>the outside verifier, <code>tests/e2e/outside_verify.py</code> (Python, written apart from pdl's C), "
	    "checks an entry, its proof and the checkpoint from the JSON this server answers.</li></ul></div>\n");
}

/* ---- rows ---- */

static void
td_open(struct pdl_page *b, const char *label, const char *cls)
{
	pdl_page_printf(b, "<td data-label=\"%s\"%s%s%s>", label, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

static void
td_text(struct pdl_page *b, const char *label, const char *s)
{
	td_open(b, label, NULL);
	pdl_page_esc(b, s);
	pdl_page_puts(b, "</td>");
}

static void
td_code(struct pdl_page *b, const char *label, const char *code)
{
	td_open(b, label, NULL);
	if (code != NULL && *code)
		pdl_page_code(b, code);
	else
		pdl_page_puts(b, "—");
	pdl_page_puts(b, "</td>");
}

static void
td_status(struct pdl_page *b, const char *label, const char *code)
{
	pdl_page_printf(b, "<td data-label=\"%s\" class=\"st-", label);
	pdl_page_url(b, code); /* a class name: only [A-Za-z0-9._~-] and %XX */
	pdl_page_puts(b, "\">");
	pdl_page_code(b, code);
	pdl_page_puts(b, "</td>");
}

static void
td_time(struct pdl_page *b, const char *label, uint64_t ms, const char *note)
{
	td_open(b, label, "t");
	pdl_page_time(b, ms);
	if (note != NULL)
		pdl_page_printf(b, " <span class=\"sub\">%s</span>", note);
	pdl_page_puts(b, "</td>");
}

static void
td_fen(struct pdl_page *b, const char *label, int64_t fen)
{
	td_open(b, label, "n");
	pdl_page_fen(b, fen);
	pdl_page_puts(b, "</td>");
}

static void
td_int(struct pdl_page *b, const char *label, int64_t v)
{
	td_open(b, label, "n");
	pdl_page_int(b, v);
	pdl_page_puts(b, "</td>");
}

/* A JSON array of strings, joined with ", ". */
static void
td_list(struct pdl_page *b, const char *label, const json_t *arr)
{
	size_t i;
	json_t *v;
	td_open(b, label, NULL);
	json_array_foreach(arr, i, v)
	{
		if (i)
			pdl_page_puts(b, ", ");
		pdl_page_esc(b, json_string_value(v));
	}
	pdl_page_puts(b, "</td>");
}

/* The entry cells: links and the verification mark the script fills in. */
static void
td_entry(struct pdl_page *b, uint64_t seq, const char *type)
{
	unsigned long long s = (unsigned long long)seq;
	pdl_page_printf(b, "<td data-label=\"条目 Entry\" class=\"src\"><a href=\"/entries/%llu\">#%llu</a> <a class=\"json\" "
	                   "href=\"/v1/entries/%llu\">JSON</a> <a class=\"proof\" href=\"/v1/proof/inclusion?index=%llu\">proof</a>"
	                   "</td><td data-label=\"验证 Verified\"><span class=\"vs na\" data-seq=\"%llu\" data-type=\"",
	                s, s, s, s, s);
	pdl_page_esc(b, type);
	pdl_page_puts(b, "\" title=\"verification runs in the browser and needs JavaScript\">— 未验证 not checked</span></td>");
}

struct page {
	struct pdl_page *b;
	uint64_t now_ms;
	int (*keep)(const json_t *doc, struct page *pg);
	void (*row)(struct page *pg, const json_t *doc);
};

static int
take_row(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct page *pg = arg;
	(void)key;
	if (pg->keep != NULL && !pg->keep(doc, pg))
		return 0;
	pg->row(pg, doc);
	json_array_append_new(items, json_true()); /* counts the rows */
	return 1;
}

/* One section: heading, table head (columns: "中文 English" labels), the
 * rows of the documents under prefix that keep() takes. */
static void
section(MDB_txn *t, MDB_dbi dbi, struct page *pg, const char *id, const char *heading, const char *const *cols,
        const char *prefix, int (*keep)(const json_t *, struct page *), void (*row)(struct page *, const json_t *))
{
	char next[DISC_KEY_MAX];
	int more;
	struct pdl_page *b = pg->b;
	pdl_page_printf(b, "<section id=\"%s\"><h2>%s</h2><div class=\"tw\"><table class=\"cards\"><thead><tr>", id, heading);
	for (const char *const *c = cols; *c != NULL; c++)
		pdl_page_printf(b, "<th>%s</th>", *c);
	pdl_page_puts(b, "<th>条目 Entry</th><th>验证 Verified</th></tr></thead><tbody>\n");
	json_t *items = json_array();
	pg->keep = keep;
	pg->row = row;
	int rc = disc_walk(t, dbi, prefix, NULL, PAGE_ROWS_MAX, PAGE_ROWS_MAX + DISC_SCAN_EXTRA, take_row, pg, items, next,
	                   &more);
	size_t shown = json_array_size(items);
	json_decref(items);
	if (rc != PDL_OK)
		pdl_page_puts(b, "<tr><td class=\"none\" colspan=\"14\">cannot read the view</td></tr>");
	else if (shown == 0 && !more)
		pdl_page_puts(b, "<tr><td class=\"none\" colspan=\"14\">无 none</td></tr>");
	else if (more) /* PAGE_ROWS_MAX rows, or fewer when the walk's bound ended it */
		pdl_page_printf(b, "<tr><td class=\"none\" colspan=\"14\">first %zu shown; the JSON API has the rest</td></tr>",
		                shown);
	pdl_page_puts(b, "</tbody></table></div></section>\n");
}

static const char *const grant_cols[] = {"授权 Grant", "运营机构 Operator", "方式 Mode", "资源 Resources",
                                         "范围 Scope", "期限 Term", "试运行至 Trial until", "收费上限 Fee cap",
                                         "状态 Status", "退出原因 Exit reason", NULL};

static void
row_grant(struct page *pg, const json_t *doc)
{
	struct pdl_page *b = pg->b;
	json_t *g = disc_grant_present(doc, pg->now_ms);
	const char *id = disc_str(g, "grant_id");
	pdl_page_puts(b, "<tr id=\"grant-");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "\" class=\"grant\">");
	td_open(b, grant_cols[0], "id");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "</td>");
	td_open(b, grant_cols[1], NULL);
	pdl_page_esc(b, disc_str(g, "operator_name"));
	pdl_page_puts(b, " <span class=\"sub\">");
	pdl_page_esc(b, disc_str(g, "operator"));
	pdl_page_puts(b, "</span></td>");
	td_code(b, grant_cols[2], disc_str(g, "mode"));
	td_list(b, grant_cols[3], json_object_get(g, "resources"));
	td_text(b, grant_cols[4], disc_str(g, "scope"));
	td_open(b, grant_cols[5], "t");
	pdl_page_esc(b, disc_str(g, "start"));
	pdl_page_puts(b, " – ");
	pdl_page_esc(b, disc_str(g, "end"));
	pdl_page_puts(b, "</td>");
	td_text(b, grant_cols[6], json_is_string(json_object_get(g, "trial_end")) ? disc_str(g, "trial_end") : "—");
	td_fen(b, grant_cols[7], (int64_t)disc_uint(g, "fee_cap_fen"));
	td_status(b, grant_cols[8], disc_str(g, "status"));
	td_code(b, grant_cols[9], disc_str(g, "exit_reason"));
	td_entry(b, disc_uint(g, "seq"), "grant.issue");
	pdl_page_puts(b, "</tr>\n");
	json_decref(g);
}

static int
keep_released(const json_t *d, struct page *pg)
{
	(void)pg;
	return json_object_get(d, "released_seq") != NULL;
}

static const char *const product_cols[] = {"产品 Product", "类别 Category", "价格 Price", "计费单位 Charging unit",
                                           "授权 Grant", "运营机构 Operator", "开发利用主体 Developer", "状态 Status",
                                           NULL};

static void
row_product(struct page *pg, const json_t *d)
{
	struct pdl_page *b = pg->b;
	const char *id = disc_str(d, "product_id");
	pdl_page_puts(b, "<tr id=\"product-");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "\" class=\"product\">");
	td_open(b, product_cols[0], "name");
	pdl_page_esc(b, disc_str(d, "name"));
	pdl_page_puts(b, " <span class=\"sub\">");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "</span></td>");
	td_code(b, product_cols[1], disc_str(d, "category"));
	td_fen(b, product_cols[2], (int64_t)disc_uint(d, "price_fen"));
	td_code(b, product_cols[3], disc_str(d, "unit"));
	td_text(b, product_cols[4], disc_str(d, "grant_id"));
	td_text(b, product_cols[5], disc_str(d, "operator_name"));
	td_text(b, product_cols[6], disc_str(d, "developer_name"));
	td_status(b, product_cols[7], disc_str(d, "status"));
	td_entry(b, disc_uint(d, "released_seq"), "product.release");
	pdl_page_puts(b, "</tr>\n");
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

static const char *const notice_cols[] = {"申请 Application", "名称 Name", "类型 Kind", "对象 Subject", "申请方 Holder",
                                          "公示开始 Notice from", "公示截止 Notice ends", "未决异议 Open objections",
                                          NULL};

static void
row_notice(struct page *pg, const json_t *d)
{
	struct pdl_page *b = pg->b;
	const char *id = disc_str(d, "application_id");
	pdl_page_puts(b, "<tr id=\"notice-");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "\" class=\"notice\">");
	td_text(b, notice_cols[0], id);
	td_text(b, notice_cols[1], disc_str(d, "name"));
	td_code(b, notice_cols[2], disc_str(d, "kind"));
	td_text(b, notice_cols[3], disc_str(d, "subject"));
	td_text(b, notice_cols[4], disc_str(d, "holder_name"));
	td_time(b, notice_cols[5], disc_uint(d, "notice_starts"), NULL);
	td_time(b, notice_cols[6], disc_uint(d, "notice_ends"),
	        pg->now_ms >= disc_uint(d, "notice_ends") ? "已结束 over" : NULL);
	td_int(b, notice_cols[7], (int64_t)open_objections(d));
	td_entry(b, disc_uint(d, "notice_seq"), "registration.publicize");
	pdl_page_puts(b, "</tr>\n");
}

static int
keep_coded(const json_t *d, struct page *pg)
{
	(void)pg;
	return json_object_get(d, "code") != NULL;
}

static const char *const code_cols[] = {"登记编码 Code", "名称 Name", "类型 Kind", "对象 Subject", "持有方 Holder",
                                        "赋码时间 Assigned", "状态 Status", NULL};

static void
row_code(struct page *pg, const json_t *d)
{
	struct pdl_page *b = pg->b;
	const char *code = disc_str(d, "code");
	pdl_page_puts(b, "<tr id=\"code-");
	pdl_page_esc(b, code);
	pdl_page_puts(b, "\" class=\"code\">");
	td_open(b, code_cols[0], "id");
	pdl_page_puts(b, "<a href=\"/v1/registrations/");
	pdl_page_url(b, code);
	pdl_page_puts(b, "\">");
	pdl_page_esc(b, code);
	pdl_page_puts(b, "</a></td>");
	td_text(b, code_cols[1], disc_str(d, "name"));
	td_code(b, code_cols[2], disc_str(d, "kind"));
	td_text(b, code_cols[3], disc_str(d, "subject"));
	td_text(b, code_cols[4], disc_str(d, "holder_name"));
	td_time(b, code_cols[5], disc_uint(d, "code_ms"), NULL);
	td_status(b, code_cols[6], disc_str(d, "status"));
	td_entry(b, disc_uint(d, "code_seq"), "registration.assign_code");
	pdl_page_puts(b, "</tr>\n");
}

static const char *const usage_cols[] = {"资源 Resource", "名称 Name", "期间 Period", "记录数 Records", "字节数 Bytes",
                                         "报送次数 Reports", NULL};

static void
row_usage(struct page *pg, const json_t *d)
{
	struct pdl_page *b = pg->b;
	pdl_page_puts(b, "<tr class=\"usage\">");
	td_text(b, usage_cols[0], disc_str(d, "resource_id"));
	td_text(b, usage_cols[1], disc_str(d, "resource_name"));
	td_text(b, usage_cols[2], disc_str(d, "period"));
	td_int(b, usage_cols[3], (int64_t)disc_uint(d, "records"));
	td_int(b, usage_cols[4], (int64_t)disc_uint(d, "bytes"));
	td_int(b, usage_cols[5], (int64_t)disc_uint(d, "reports"));
	td_entry(b, disc_uint(d, "seq"), "call.usage");
	pdl_page_puts(b, "</tr>\n");
}

static const char *const dispute_cols[] = {"争议 Dispute", "争议对象 Subject", "结果 Outcome", "理由 Reason",
                                           "决定时间 Decided", NULL};

static void
row_dispute(struct page *pg, const json_t *d)
{
	struct pdl_page *b = pg->b;
	pdl_page_puts(b, "<tr class=\"dispute\">");
	td_text(b, dispute_cols[0], disc_str(d, "dispute_id"));
	td_open(b, dispute_cols[1], NULL);
	pdl_page_code(b, disc_str(d, "subject_type"));
	pdl_page_printf(b, " #%llu", (unsigned long long)disc_uint(d, "subject_seq"));
	pdl_page_puts(b, "</td>");
	td_status(b, dispute_cols[2], disc_str(d, "outcome"));
	td_text(b, dispute_cols[3], disc_str(d, "reason"));
	td_time(b, dispute_cols[4], disc_uint(d, "time_ms"), NULL);
	td_entry(b, disc_uint(d, "seq"), "dispute.decide");
	pdl_page_puts(b, "</tr>\n");
}

void
disc_route_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	MDB_txn *t;
	struct disc_tables tb;
	struct pdl_page b = {0};
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
	char title[400];
	snprintf(title, sizeof title, "公共数据授权运营信息公开 · Public data disclosure — %s", disc_str(m, "origin"));
	pdl_page_open(&b, cx, title, "公共数据授权运营信息公开 · Public data disclosure", "/");
	pdl_page_puts(&b, "<p>");
	pdl_page_esc(&b, disc_str(m, "authority_name"));
	pdl_page_puts(&b, " · 账本 ledger <code>");
	pdl_page_esc(&b, disc_str(m, "origin"));
	pdl_page_puts(&b, "</code> · 行政区划 jurisdiction ");
	pdl_page_esc(&b, disc_str(m, "jurisdiction"));
	pdl_page_puts(&b, "</p><p>");
	if (have) {
		pdl_page_printf(&b, "截至条目 As of entry <a href=\"/entries/%llu\">#%llu</a> (ledger time ",
		                (unsigned long long)head_seq, (unsigned long long)head_seq);
		pdl_page_time(&b, now_ms);
		pdl_page_puts(&b, "). ");
	} else {
		pdl_page_puts(&b, "The view has no entries yet. ");
	}
	pdl_page_puts(&b, "Every row names the entry it came from; your browser checks each one against the signed "
	                  "checkpoint (below).</p><p><span id=\"pdl-vsum\" class=\"vs\"></span></p>\n");
	disc_page_keybox(&b, m);
	json_decref(m);
	pdl_page_puts(&b, "<nav class=\"toc\"><a href=\"#grants\">授权 Grants</a><a href=\"#products\">产品 Products</a>"
	                  "<a href=\"#notices\">登记公示 Notices</a><a href=\"#codes\">登记赋码 Codes</a>"
	                  "<a href=\"#usage\">资源使用 Usage</a><a href=\"#disputes\">争议 Disputes</a>"
	                  "<a href=\"#howto\">如何验证 How to verify</a></nav>\n");
	struct page pg = {&b, now_ms, NULL, NULL};
	section(t, tb.docs, &pg, "grants", "授权 Grants", grant_cols, "grant/", NULL, row_grant);
	section(t, tb.docs, &pg, "products", "已上架产品和服务 Released products and services", product_cols, "prod/",
	        keep_released, row_product);
	section(t, tb.docs, &pg, "notices", "登记公示 Registrations under public notice", notice_cols, "reg/", keep_notice,
	        row_notice);
	section(t, tb.docs, &pg, "codes", "登记赋码 Registration codes", code_cols, "reg/", keep_coded, row_code);
	section(t, tb.docs, &pg, "usage", "资源使用 Resource usage", usage_cols, "usage/", NULL, row_usage);
	section(t, tb.docs, &pg, "disputes", "争议处理结果 Dispute outcomes", dispute_cols, "disp/", NULL, row_dispute);
	mdb_txn_abort(t);
	howto(&b);
	pdl_page_printf(&b, "<p class=\"sub\">Sections show up to %u rows each; the JSON API under <a href=\"/v1/\">/v1/</a> "
	                    "pages through everything. Annual disclosure: <code>/v1/reports/annual?year=YYYY</code>.</p>",
	                PAGE_ROWS_MAX);
	pdl_page_close(&b);
	pdl_page_finish(&b, 200, out);
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

/* "授权 grant.issue" — the label when there is one. Escaped. */
static void
type_text(struct pdl_page *b, const char *type)
{
	const char *zh = pdl_page_label(type);
	if (zh != NULL) {
		pdl_page_puts(b, zh);
		pdl_page_puts(b, " ");
	}
	pdl_page_esc(b, type);
}

void
disc_route_atom(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"limit", NULL};
	uint64_t limit;
	MDB_txn *t;
	struct disc_tables tb;
	struct pdl_page b = {0};
	char base[PDL_PAGE_BASE_MAX];
	(void)rest;
	if (pdl_http_params_only(query, params, out) || disc_limit(query, ATOM_LIMIT_DEFAULT, &limit, out))
		return;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return;
	}
	pdl_page_base(cx, base); /* "" when there is none: relative links */
	disc_tables_get(cx->db, &tb);
	json_t *m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
	const char *origin = disc_str(m, "origin");
	uint64_t head_seq, now_ms;
	int have;
	char iso[40];
	disc_head(t, &tb, &head_seq, &now_ms, &have);
	pdl_ms_iso(now_ms, iso);
	pdl_page_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>urn:pdl:");
	pdl_page_esc(&b, origin);
	pdl_page_puts(&b, ":feed</id>\n<title>公共数据授权运营信息公开 Public data disclosure — ");
	pdl_page_esc(&b, origin);
	pdl_page_printf(&b, "</title>\n<updated>%s</updated>\n<link rel=\"self\" href=\"", iso);
	pdl_page_esc(&b, base);
	pdl_page_puts(&b, "/v1/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	pdl_page_esc(&b, base);
	pdl_page_puts(&b, "/\"/>\n<author><name>");
	pdl_page_esc(&b, *disc_str(m, "authority_name") ? disc_str(m, "authority_name") : origin);
	pdl_page_puts(&b, "</name></author>\n");
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
			unsigned long long seq = (unsigned long long)disc_uint(it, "seq");
			const char *type = disc_str(it, "type"), *actor = disc_str(it, "actor");
			const char *subject = item_subject(json_object_get(it, "body"));
			json_t *who = disc_get(t, tb.docs, "party/%s", actor);
			const char *who_name = *disc_str(who, "name") ? disc_str(who, "name") : actor;
			pdl_ms_iso(disc_uint(it, "time_ms"), iso);
			pdl_json_add_cst(it); /* the feed item as /v1/feed serves it: time_cst beside time_ms */
			pdl_json_add_cst(json_object_get(it, "outcome"));
			char *content = json_dumps(it, JSON_INDENT(1) | JSON_SORT_KEYS);
			pdl_page_puts(&b, "<entry>\n<id>urn:pdl:");
			pdl_page_esc(&b, origin);
			pdl_page_printf(&b, ":entry:%llu</id>\n<title>#%llu ", seq, seq);
			type_text(&b, type);
			if (*subject) {
				pdl_page_puts(&b, " · ");
				pdl_page_esc(&b, subject);
			}
			pdl_page_printf(&b, "</title>\n<updated>%s</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"",
			                iso);
			pdl_page_esc(&b, base);
			pdl_page_printf(&b, "/entries/%llu\"/>\n<link rel=\"related\" type=\"application/json\" href=\"", seq);
			pdl_page_esc(&b, base);
			pdl_page_printf(&b, "/v1/entries/%llu\"/>\n<author><name>", seq);
			pdl_page_esc(&b, who_name);
			pdl_page_puts(&b, "</name></author>\n<summary type=\"text\">");
			type_text(&b, type);
			if (*subject) {
				pdl_page_puts(&b, " ");
				pdl_page_esc(&b, subject);
			}
			pdl_page_puts(&b, " — ");
			pdl_page_esc(&b, who_name);
			if (strcmp(who_name, actor) != 0) {
				pdl_page_puts(&b, " (");
				pdl_page_esc(&b, actor);
				pdl_page_puts(&b, ")");
			}
			pdl_page_printf(&b, ", %.10s %.5s CST, entry #%llu</summary>\n<content type=\"text\">", iso, iso + 11, seq);
			pdl_page_esc(&b, content);
			pdl_page_puts(&b, "</content>\n</entry>\n");
			free(content);
			json_decref(who);
			json_decref(it);
		}
		mdb_cursor_close(c);
	}
	json_decref(m);
	mdb_txn_abort(t);
	pdl_page_puts(&b, "</feed>\n");
	pdl_page_finish(&b, 200, out);
	if (out->status == 200)
		out->content_type = "application/atom+xml; charset=utf-8";
}
