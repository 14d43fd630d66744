/*
 * disclosure_entry.c — the pages that prove themselves one item at a time
 * (spec/views.md "The page"):
 *
 *   GET /entries/{seq}           one public entry for people: its act decoded
 *                                (fields with Chinese labels, CST times,
 *                                yuan) beside its exact bytes, hashes,
 *                                inclusion proof and checkpoint, and the
 *                                browser's verification of them
 *   GET /verify                  check a file: the browser hashes it and
 *                                asks /v1/evidence; the file never leaves it
 *   GET /v1/evidence?digest=HEX  the public deposits of a SHA-256 digest
 *
 * The entry page renders exactly the JSON /v1/entries/{seq} answers (it
 * runs that route), so what people read and what the script verifies are
 * the same bytes, and a private entry gets the same refusal, as a page.
 * Every ledger value is escaped (page.h); the pages carry no inline script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "mpjson.h"

#define RENDER_DEPTH_MAX 8u /* nesting shown of an act body; deeper values are elided */
#define EVIDENCE_ITEMS_MAX 1000u /* deposits of one digest in one answer (one per depositor at most) */

/* ---- the act, for people ---- */

/* Fields whose string values are codes (shown with their label). */
static int
enum_key(const char *key)
{
	static const char *const keys[] = {"mode",   "status", "category", "unit",        "kind",  "outcome",
	                                   "decision", "issue", "attribute", "result",    "risk",  "reason",
	                                   "type",   "exit_reason", "roles", "subject_type", "phase", NULL};
	for (const char *const *k = keys; *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Integers that are numbers of things (grouped) rather than names (a year, a seq, a version). */
static int
plain_int_key(const char *key)
{
	return strcmp(key, "year") == 0 || strcmp(key, "seq") == 0 || ends_with(key, "_seq") ||
	       strcmp(key, "version") == 0 || strcmp(key, "level") == 0 || strcmp(key, "nonce") == 0 ||
	       strcmp(key, "v") == 0 || strcmp(key, "index") == 0;
}

static void render_object(struct pdl_page *b, const char *parent, const json_t *o, unsigned depth);

static void
render_string(struct pdl_page *b, const char *key, const char *s)
{
	if (enum_key(key) && pdl_page_label(s) != NULL)
		pdl_page_code(b, s);
	else if (strcmp(key, "public_key") == 0 || strcmp(key, "digest") == 0 || strcmp(key, "ledger_key") == 0 ||
	         strcmp(key, "root") == 0 || strcmp(key, "cosignature") == 0 || strcmp(key, "blob") == 0) {
		pdl_page_puts(b, "<code>");
		pdl_page_esc(b, s);
		pdl_page_puts(b, "</code>");
	} else {
		pdl_page_esc(b, s);
	}
}

static void
render_value(struct pdl_page *b, const char *key, const json_t *v, unsigned depth)
{
	size_t i;
	json_t *x;
	if (json_is_object(v)) {
		if (json_object_size(v) == 0)
			pdl_page_puts(b, "—");
		else if (depth < RENDER_DEPTH_MAX)
			render_object(b, key, v, depth + 1);
		else
			pdl_page_puts(b, "…");
	} else if (json_is_array(v)) {
		int strings = 1;
		json_array_foreach(v, i, x)
		{
			strings &= json_is_string(x);
		}
		if (json_array_size(v) == 0) {
			pdl_page_puts(b, "—");
		} else if (strings) {
			json_array_foreach(v, i, x)
			{
				if (i)
					pdl_page_puts(b, ", ");
				render_string(b, key, json_string_value(x));
			}
		} else if (depth < RENDER_DEPTH_MAX) {
			pdl_page_puts(b, "<ol>");
			json_array_foreach(v, i, x)
			{
				pdl_page_puts(b, "<li>");
				render_value(b, key, x, depth + 1);
				pdl_page_puts(b, "</li>");
			}
			pdl_page_puts(b, "</ol>");
		} else {
			pdl_page_puts(b, "…");
		}
	} else if (json_is_string(v)) {
		render_string(b, key, json_string_value(v));
	} else if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (ends_with(key, "_fen")) {
			pdl_page_fen(b, n);
		} else if ((ends_with(key, "_ms") || strcmp(key, "accept_due") == 0 || strcmp(key, "notice_ends") == 0) &&
		           n >= 0) {
			pdl_page_time(b, (uint64_t)n);
			pdl_page_printf(b, " <span class=\"sub\">%lld ms</span>", (long long)n);
		} else if (strcmp(key, "subject_seq") == 0 && n >= 0) {
			pdl_page_printf(b, "<a href=\"/entries/%lld\">#%lld</a>", (long long)n, (long long)n);
		} else if (plain_int_key(key)) {
			pdl_page_printf(b, "%lld", (long long)n);
		} else {
			pdl_page_int(b, n);
		}
	} else if (json_is_true(v)) {
		pdl_page_puts(b, "是 yes");
	} else if (json_is_false(v)) {
		pdl_page_puts(b, "否 no");
	} else if (json_is_real(v)) {
		pdl_page_printf(b, "%g", json_real_value(v));
	} else {
		pdl_page_puts(b, "—");
	}
}

/* <dl> of an object's fields: "中文标签 key" → value. The fields of an
 * object whose key ends in _bp (split_bp) are basis points. */
static void
render_object(struct pdl_page *b, const char *parent, const json_t *o, unsigned depth)
{
	int bp = ends_with(parent, "_bp");
	const char *k;
	json_t *v;
	pdl_page_puts(b, "<dl class=\"kv\">");
	json_object_foreach((json_t *)o, k, v)
	{
		const char *zh = pdl_page_label(k);
		pdl_page_puts(b, "<dt>");
		if (zh != NULL) {
			pdl_page_puts(b, zh);
			pdl_page_puts(b, " ");
		}
		pdl_page_puts(b, "<code>");
		pdl_page_esc(b, k);
		pdl_page_puts(b, "</code></dt><dd>");
		if (bp && json_is_integer(v)) {
			pdl_page_bp(b, json_integer_value(v));
			pdl_page_printf(b, " <span class=\"sub\">%lld bp</span>", (long long)json_integer_value(v));
		} else {
			render_value(b, k, v, depth);
		}
		pdl_page_puts(b, "</dd>");
	}
	pdl_page_puts(b, "</dl>");
}

/* ---- pages ---- */

/* A page saying why there is nothing to show, with the route's status. */
static void
refusal_page(struct pdl_http_ctx *cx, int status, const char *title, const char *message, struct pdl_http_out *out)
{
	struct pdl_page b = {0};
	pdl_page_open(&b, cx, title, title, NULL);
	pdl_page_puts(&b, "<div class=\"box warn\"><p>");
	pdl_page_esc(&b, message);
	pdl_page_puts(&b, "</p><p><a href=\"/\">返回 Back to the disclosure page</a></p></div>");
	pdl_page_close(&b);
	pdl_page_finish(&b, status, out);
}

/* meta/ledger, and the name of party id into name ("" unknown). New ref or NULL. */
static json_t *
read_meta(struct pdl_http_ctx *cx, const char *party, char *name, size_t cap)
{
	MDB_txn *t;
	struct disc_tables tb;
	json_t *m = NULL;
	name[0] = 0;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0)
		return NULL;
	disc_tables_get(cx->db, &tb);
	m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
	if (party != NULL && pdl_id_valid(party, strlen(party))) {
		json_t *p = disc_get(t, tb.docs, "party/%s", party);
		snprintf(name, cap, "%s", disc_str(p, "name"));
		json_decref(p);
	}
	mdb_txn_abort(t);
	return m;
}

static void
pre_b64(struct pdl_page *b, const char *label, const char *value)
{
	pdl_page_puts(b, "<dt>");
	pdl_page_puts(b, label);
	pdl_page_puts(b, "</dt><dd><code>");
	pdl_page_esc(b, value);
	pdl_page_puts(b, "</code></dd>");
}

void
disc_route_entry_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	struct pdl_http_out j = {200, "application/json", NULL, 0, "", 0};
	char name[256], title[200];
	if (pdl_http_params_only(query, none, out))
		return;
	disc_route_entry(cx, "", rest, &j);
	json_t *e = json_loadb(j.body ? j.body : "", j.len, 0, NULL);
	free(j.body);
	if (j.status != 200 || e == NULL) {
		const char *msg = e != NULL ? disc_str(e, "message") : "the entry cannot be shown";
		snprintf(title, sizeof title, "条目 Entry — %s", j.status == 403 ? "不公开 not public"
		                                               : j.status == 404 ? "未找到 not found"
		                                                                 : "无法显示 cannot be shown");
		refusal_page(cx, e != NULL ? j.status : 500, title, *msg ? msg : "the entry cannot be shown", out);
		json_decref(e);
		return;
	}
	uint64_t seq = disc_uint(e, "seq");
	json_t *act = json_object_get(e, "act"), *proof = json_object_get(e, "proof");
	const char *type = disc_str(act, "type"), *actor = disc_str(act, "actor");
	json_t *m = read_meta(cx, actor, name, sizeof name);
	const char *zh = pdl_page_label(type);
	snprintf(title, sizeof title, "条目 Entry #%llu", (unsigned long long)seq);
	struct pdl_page b = {0};
	pdl_page_open(&b, cx, title, title, NULL);
	pdl_page_puts(&b, "<p class=\"big\">");
	if (zh != NULL) {
		pdl_page_puts(&b, zh);
		pdl_page_puts(&b, " ");
	}
	pdl_page_puts(&b, "<code>");
	pdl_page_esc(&b, type);
	pdl_page_puts(&b, "</code> · ");
	pdl_page_time(&b, disc_uint(e, "time_ms"));
	pdl_page_printf(&b, " · <a href=\"/v1/entries/%llu\">JSON</a>", (unsigned long long)seq);
	if (seq > 0)
		pdl_page_printf(&b, " · <a href=\"/entries/%llu\">← #%llu</a>", (unsigned long long)seq - 1,
		                (unsigned long long)seq - 1);
	pdl_page_printf(&b, " · <a href=\"/entries/%llu\">#%llu →</a></p>\n", (unsigned long long)seq + 1,
	                (unsigned long long)seq + 1);
	pdl_page_printf(&b, "<div class=\"box\"><h2>验证 Verification</h2><p><span class=\"vs na\" data-seq=\"%llu\" "
	                    "data-type=\"",
	                (unsigned long long)seq);
	pdl_page_esc(&b, type);
	pdl_page_puts(&b, "\">— 未验证 not checked</span> <span id=\"pdl-vsum\" class=\"sub\"></span></p>"
	                  "<ol class=\"steps\" id=\"pdl-steps\"></ol></div>\n");
	disc_page_keybox(&b, m);

	pdl_page_puts(&b, "<div class=\"cols\"><section><h2>内容 The act</h2><dl class=\"kv\">");
	pdl_page_printf(&b, "<dt>序号 <code>seq</code></dt><dd>%llu</dd><dt>时间 <code>time_ms</code></dt><dd>",
	                (unsigned long long)seq);
	pdl_page_time(&b, disc_uint(e, "time_ms"));
	pdl_page_printf(&b, " <span class=\"sub\">%llu ms</span></dd><dt>类型 <code>type</code></dt><dd>",
	                (unsigned long long)disc_uint(e, "time_ms"));
	pdl_page_code(&b, type);
	pdl_page_puts(&b, "</dd><dt>提交方 <code>actor</code></dt><dd>");
	if (*name) {
		pdl_page_esc(&b, name);
		pdl_page_puts(&b, " ");
	}
	pdl_page_puts(&b, "<code>");
	pdl_page_esc(&b, actor);
	pdl_page_printf(&b, "</code></dd><dt>序列号 <code>nonce</code></dt><dd>%llu</dd>",
	                (unsigned long long)disc_uint(act, "nonce"));
	pdl_page_puts(&b, "<dt>内容 <code>body</code></dt><dd>");
	render_value(&b, "body", json_object_get(act, "body"), 0);
	pdl_page_puts(&b, "</dd><dt>账本记录 <code>outcome</code></dt><dd>");
	render_value(&b, "outcome", json_object_get(e, "outcome"), 0);
	pdl_page_puts(&b, "</dd></dl></section>\n");

	pdl_page_puts(&b, "<div><section><h2>字节与哈希 Bytes and hashes</h2><dl class=\"kv\">");
	pre_b64(&b, "条目字节 <code>entry</code> (base64)", disc_str(e, "entry"));
	pre_b64(&b, "叶哈希 <code>leaf_hash</code> SHA-256(0x00 ‖ entry)", disc_str(e, "leaf_hash"));
	pre_b64(&b, "链哈希 <code>hash</code> SHA-256(entry)", disc_str(e, "hash"));
	pre_b64(&b, "前一条链哈希 <code>prev</code>", disc_str(e, "prev"));
	pre_b64(&b, "签名 <code>sig</code>", disc_str(e, "sig"));
	pdl_page_puts(&b, "</dl></section>\n<section><h2>包含证明 Inclusion proof</h2>");
	if (json_is_object(proof)) {
		size_t i;
		json_t *h;
		pdl_page_printf(&b, "<p>Leaf %llu of a tree of %llu entries (<a href=\"/v1/proof/inclusion?index=%llu&amp;size=%llu\">"
		                    "JSON</a>); audit path:</p><ol class=\"steps mono\">",
		                (unsigned long long)disc_uint(proof, "index"), (unsigned long long)disc_uint(proof, "size"),
		                (unsigned long long)disc_uint(proof, "index"), (unsigned long long)disc_uint(proof, "size"));
		json_array_foreach(json_object_get(proof, "proof"), i, h)
		{
			pdl_page_puts(&b, "<li>");
			pdl_page_esc(&b, json_string_value(h));
			pdl_page_puts(&b, "</li>");
		}
		pdl_page_puts(&b, "</ol>");
	} else {
		pdl_page_puts(&b, "<p>");
		pdl_page_esc(&b, disc_str(e, "proof_pending"));
		pdl_page_puts(&b, "</p>");
	}
	pdl_page_puts(&b, "<p>检查点 The signed checkpoint it leads to:</p><pre class=\"bytes\">");
	pdl_page_esc(&b, disc_str(e, "checkpoint"));
	pdl_page_puts(&b, "</pre><p class=\"sub\">Offline: <code>pdl get SEQ --raw</code> gives the same bytes, "
	                  "<code>pdl proof inclusion SEQ SIZE</code> the same path, <code>pdl verify</code> checks the whole "
	                  "log; the script above checks against the latest checkpoint it verified itself.</p></section></div>"
	                  "</div>\n");
	json_decref(m);
	json_decref(e);
	pdl_page_close(&b);
	pdl_page_finish(&b, 200, out);
}

void
disc_route_verify_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	char name[8];
	(void)rest;
	if (pdl_http_params_only(query, none, out))
		return;
	json_t *m = read_meta(cx, NULL, name, sizeof name);
	struct pdl_page b = {0};
	pdl_page_open(&b, cx, "核验文件 Check a file", "核验文件 Check a file: was it deposited?", "/verify");
	pdl_page_puts(&b, "<p>Pick or drop a file. Your browser computes its SHA-256 itself — <strong>the file never "
	                  "leaves your computer</strong> — and asks this server for the public deposits (存证) of that "
	                  "digest; each deposit's entry and inclusion proof are then checked here against the signed "
	                  "checkpoint.</p>\n<div id=\"pdl-drop\"><p>拖放文件到此处 Drop a file here, or choose one:</p>"
	                  "<input type=\"file\" id=\"pdl-file\" disabled aria-label=\"file to check\"></div>\n"
	                  "<div id=\"pdl-fres\" class=\"result\" aria-live=\"polite\">未选择文件 No file chosen yet.</div>\n");
	disc_page_keybox(&b, m);
	pdl_page_puts(&b, "<div class=\"box\"><h2>离线核验 The same without this page</h2><ul>"
	                  "<li><code>sha256sum FILE</code>, then <code>/v1/evidence?digest=HEX</code> (JSON) lists the "
	                  "public deposits of that digest, each with its entry;</li>"
	                  "<li><code>pdl evidence prove</code> gives a deposit's entry with its inclusion proof and "
	                  "checkpoint, which <code>pdl verify</code> and the outside verifier check.</li></ul>"
	                  "<p class=\"sub\">A deposit that carries its document (a blob) is private: it is not searched "
	                  "here, and this page says \"not deposited\" for it.</p></div>\n");
	json_decref(m);
	pdl_page_close(&b);
	pdl_page_finish(&b, 200, out);
}

/* ---- GET /v1/evidence?digest=HEX ---- */

static int
take_evidence(const char *key, json_t *doc, json_t *items, void *arg)
{
	(void)key;
	(void)arg;
	json_t *d = json_deep_copy(doc);
	if (d == NULL)
		return PDL_ENOMEM;
	pdl_json_add_cst(d); /* time_cst beside time_ms, as every feed item */
	json_array_append_new(items, d);
	return 1;
}

void
disc_route_evidence(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"digest", NULL};
	char dg[80], prefix[80], next[DISC_KEY_MAX], iso[40];
	MDB_txn *t;
	struct disc_tables tb;
	int more;
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	if (!pdl_http_param(query, "digest", dg, sizeof dg) || dg[0] == 0) {
		pdl_http_error(out, 400, "missing_parameter",
		               "digest is required: /v1/evidence?digest=HEX (the 64 hex digits of the file's SHA-256)");
		return;
	}
	int ok = strlen(dg) == 64;
	for (char *c = dg; ok && *c; c++) {
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a'); /* the ledger writes digests in lowercase */
		ok = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f');
	}
	if (!ok) {
		pdl_http_error(out, 400, "bad_parameter", "digest must be a SHA-256 digest: 64 hex digits");
		return;
	}
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return;
	}
	disc_tables_get(cx->db, &tb);
	snprintf(prefix, sizeof prefix, "ev/%.64s/", dg); /* 64 hex digits, checked above */
	json_t *items = json_array();
	int rc = disc_walk(t, tb.docs, prefix, NULL, EVIDENCE_ITEMS_MAX, (size_t)-1, take_evidence, NULL, items, next, &more);
	uint64_t head, now;
	int have;
	disc_head(t, &tb, &head, &now, &have);
	mdb_txn_abort(t);
	if (rc != PDL_OK) {
		json_decref(items);
		pdl_http_error(out, 500, "view_error", "cannot read the view (%s)", pdl_strerror(rc));
		return;
	}
	pdl_ms_iso(now, iso);
	json_t *as_of = have ? json_pack("{s:I,s:I,s:s}", "seq", (json_int_t)head, "time_ms", (json_int_t)now, "time", iso)
	                     : json_null();
	pdl_http_json(out, 200,
	              json_pack("{s:s,s:o,s:b,s:o}", "digest", dg, "items", items, "more", more, "as_of", as_of));
}
