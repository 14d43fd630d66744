/* page.c — see page.h. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "page.h"

/* ---- the buffer ---- */

void
pdl_page_put(struct pdl_page *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL) {
			/* invariant (3): nothing more is written, the page answers 500 */
			free(b->p);
			b->p = NULL;
			b->n = b->cap = 0;
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

void
pdl_page_puts(struct pdl_page *b, const char *s)
{
	pdl_page_put(b, s, strlen(s));
}

void
pdl_page_printf(struct pdl_page *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	assert(n >= 0 && (size_t)n < sizeof tmp); /* the page's own text: a longer one is a programming error */
	pdl_page_put(b, tmp, (size_t)n);
}

/* ---- escaping ---- */

void
pdl_page_esc(struct pdl_page *b, const char *s)
{
	const char *run = s;
	if (s == NULL)
		return;
	for (; *s; s++) {
		const char *rep;
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			/* control characters have no business in a page (nor in
			 * XML 1.0, which the Atom feed is): dropped */
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				rep = "";
			else
				continue;
		}
		pdl_page_put(b, run, (size_t)(s - run));
		pdl_page_puts(b, rep);
		run = s + 1;
	}
	pdl_page_put(b, run, (size_t)(s - run));
}

void
pdl_page_url(struct pdl_page *b, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			pdl_page_put(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hexd[c >> 4], hexd[c & 15]};
			pdl_page_put(b, e, 3);
		}
	}
}

/* ---- numbers and times ---- */

/* The digits of v with a ',' every three, into out (cap ≥ 32). */
static void
grouped(uint64_t v, char *out)
{
	char d[24];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = 0;
}

/* |v| without overflow at INT64_MIN */
static uint64_t
magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
}

void
pdl_page_int(struct pdl_page *b, int64_t v)
{
	char g[32];
	grouped(magnitude(v), g);
	if (v < 0)
		pdl_page_puts(b, "−"); /* U+2212: a minus sign, not a hyphen */
	pdl_page_puts(b, g);
}

void
pdl_page_fen(struct pdl_page *b, int64_t fen)
{
	char g[32];
	uint64_t m = magnitude(fen);
	grouped(m / 100, g);
	pdl_page_printf(b, "%s¥%s.%02u", fen < 0 ? "−" : "", g, (unsigned)(m % 100));
}

void
pdl_page_bp(struct pdl_page *b, int64_t bp)
{
	uint64_t m = magnitude(bp);
	pdl_page_printf(b, "%s%llu.%02u%%", bp < 0 ? "−" : "", (unsigned long long)(m / 100), (unsigned)(m % 100));
}

void
pdl_page_iso(uint64_t ms, char out[40])
{
	pdl_ms_iso(ms, out); /* the one ISO 8601 CST formatter (date.h) */
}

void
pdl_page_time(struct pdl_page *b, uint64_t ms)
{
	char iso[40];
	pdl_page_iso(ms, iso);
	pdl_page_printf(b, "<time datetime=\"%s\">%.10s %.5s</time>", iso, iso, iso + 11);
}

/* ---- labels ---- */

/* One table: enum codes, act types and field names, sorted by key (bsearch).
 * A code means the same thing wherever it appears, so one label each. */
static const struct label {
	const char *key, *zh;
} labels[] = {
	{"P", "数据产品"},
	{"R", "数据资源"},
	{"S", "数据服务"},
	{"accept_due", "受理期限"},
	{"accept_wd", "受理时限（工作日）"},
	{"accepted", "已受理"},
	{"active", "有效"},
	{"actor", "提交方"},
	{"add_resources", "增加资源"},
	{"agreement", "授权协议"},
	{"allowed_revenue_fen", "允许收入"},
	{"amount_fen", "金额"},
	{"application_id", "申请编号"},
	{"applied", "已申请"},
	{"approve", "批准"},
	{"attribute", "开放属性"},
	{"auditor", "审计方"},
	{"authority", "数据主管部门"},
	{"authority_id", "主管部门"},
	{"authorized", "授权运营"},
	{"blob", "文件内容"},
	{"blob_bytes_max", "存证文件上限（字节）"},
	{"breach", "违约"},
	{"bytes", "字节数"},
	{"calendar.publish", "发布工作日历"},
	{"call.approve", "批准调用"},
	{"call.assess", "调用评估"},
	{"call.escalate", "调用提级审查"},
	{"call.reject", "驳回调用"},
	{"call.request", "调用申请"},
	{"call.usage", "资源使用量"},
	{"call_id", "调用编号"},
	{"cancelled", "已注销"},
	{"cap_fen", "价格上限"},
	{"caps", "价格上限"},
	{"catalog.amend", "目录变更"},
	{"catalog.consent", "来源方同意"},
	{"catalog.decide", "目录申请决定"},
	{"catalog.publish", "发布目录"},
	{"catalog.request", "目录申请"},
	{"catalog.withdraw", "目录撤回"},
	{"category", "类别"},
	{"checkpoint.cosign", "检查点副署"},
	{"closed", "关闭事项"},
	{"code", "登记编码"},
	{"coded", "已赋码"},
	{"controlled", "受运营机构控制"},
	{"corrected", "已更正"},
	{"correction", "待补正"},
	{"corrects", "更正对象"},
	{"cosignature", "副署签名"},
	{"data_leak", "数据泄露"},
	{"decision", "决定"},
	{"deduction_fen", "扣减额"},
	{"deletion", "删除证明"},
	{"detail", "详情"},
	{"developer", "开发利用主体"},
	{"developer.admit", "准入开发者"},
	{"developer.apply", "开发者申请"},
	{"developer.refuse", "拒绝开发者"},
	{"developer.remove", "移除开发者"},
	{"digest", "SHA-256 摘要"},
	{"disclosure.publish", "年度信息公开"},
	{"disclosure_due", "年度公开截止"},
	{"dismissed", "不成立"},
	{"dispute.decide", "争议决定"},
	{"dispute.file", "争议申请"},
	{"dispute_id", "争议编号"},
	{"domain", "分领域授权"},
	{"due", "整改期限"},
	{"effective_allowed_fen", "有效允许收入"},
	{"end", "结束日期"},
	{"ended", "已结束"},
	{"error", "数据错误"},
	{"evidence", "证明材料"},
	{"evidence.deposit", "存证"},
	{"evidence_id", "存证编号"},
	{"excellent", "优秀"},
	{"exclusive", "排他"},
	{"exit_reason", "退出原因"},
	{"expired", "已到期"},
	{"expiry", "期满"},
	{"fail", "不通过"},
	{"failed", "未通过"},
	{"fee_cap_fen", "收费上限"},
	{"format", "格式"},
	{"good", "良好"},
	{"grant.amend", "授权变更"},
	{"grant.evaluate", "年度评估"},
	{"grant.exit_attest", "退出证明"},
	{"grant.issue", "授权"},
	{"grant.rectify", "整改通知"},
	{"grant.report", "年度报告"},
	{"grant.resume", "恢复授权"},
	{"grant.suspend", "暂停授权"},
	{"grant.terminate", "终止授权"},
	{"grant_id", "授权编号"},
	{"grant_months_max", "授权期限上限（月）"},
	{"grant_total_months_max", "授权总期限上限（月）"},
	{"gross_fen", "总收入"},
	{"handover", "移交记录"},
	{"hidden_relationship", "隐性关联"},
	{"holidays", "节假日"},
	{"id", "编号"},
	{"illegal", "违法"},
	{"incident.report", "事件报告"},
	{"incident_id", "事件编号"},
	{"industry", "产业"},
	{"inputs", "投入"},
	{"ip", "知识产权"},
	{"issue", "问题类型"},
	{"items", "数据项"},
	{"jurisdiction", "行政区划"},
	{"kind", "类型"},
	{"late", "逾期"},
	{"ledger.genesis", "账本创建"},
	{"ledger_key", "账本签名密钥"},
	{"level", "分级"},
	{"listed", "已编目"},
	{"log_retention_months", "日志保留（月）"},
	{"logs_retain_until", "日志保留至"},
	{"media_type", "媒体类型"},
	{"missed_targets", "未达目标"},
	{"mode", "授权方式"},
	{"name", "名称"},
	{"national_code", "国家登记编码"},
	{"not_started", "未开始"},
	{"note", "说明"},
	{"notes", "意见"},
	{"notice", "公示中"},
	{"notice_ends", "公示截止"},
	{"notice_id", "通知编号"},
	{"notice_wd", "公示期（工作日）"},
	{"objection_id", "异议编号"},
	{"omission", "数据缺失"},
	{"open", "开放"},
	{"operator", "运营机构"},
	{"origin", "账本名称"},
	{"other", "其他"},
	{"outcome", "结果"},
	{"overall", "整体授权"},
	{"party.register", "主体登记"},
	{"party.reinstate", "恢复主体"},
	{"party.rotate_key", "更换密钥"},
	{"party.suspend", "暂停主体"},
	{"pass", "通过"},
	{"passed", "审核通过"},
	{"per_call", "按次"},
	{"per_month", "按月"},
	{"per_product", "按件"},
	{"per_record", "按条"},
	{"period", "期间"},
	{"policy", "政策参数"},
	{"price_fen", "价格"},
	{"pricing.set_caps", "价格上限"},
	{"privacy", "个人隐私"},
	{"product.file", "产品备案"},
	{"product.release", "产品上架"},
	{"product.reprice", "产品调价"},
	{"product.review", "出域审核"},
	{"product.submit", "产品提交"},
	{"product.withdraw", "产品下架"},
	{"product_id", "产品编号"},
	{"product_registration_before_release", "产品上架前须登记"},
	{"product_reviewer", "产品审核方"},
	{"products", "数据产品"},
	{"provider", "数据提供方"},
	{"providers", "数据提供方"},
	{"public_interest", "公共利益"},
	{"public_key", "公钥"},
	{"public_welfare", "公益"},
	{"purpose", "用途"},
	{"qualification", "资质材料"},
	{"quality.report", "质量问题报告"},
	{"quality.resolve", "质量问题处理"},
	{"query_code", "查询码"},
	{"reason", "理由"},
	{"records", "记录数"},
	{"refund_id", "退款编号"},
	{"registrar", "登记机构"},
	{"registration.accept", "登记受理"},
	{"registration.apply", "登记申请"},
	{"registration.assign_code", "登记赋码"},
	{"registration.cancel", "登记注销"},
	{"registration.change", "登记变更"},
	{"registration.correct", "登记补正"},
	{"registration.national_code", "国家登记编码"},
	{"registration.object", "登记异议"},
	{"registration.publicize", "登记公示"},
	{"registration.reject", "不予受理"},
	{"registration.request_correction", "要求补正"},
	{"registration.resolve_objection", "异议处理"},
	{"registration.review", "形式审核"},
	{"registration_required", "须先登记"},
	{"reject", "驳回"},
	{"rejected", "驳回"},
	{"released", "已上架"},
	{"remove_resources", "移除资源"},
	{"report", "报告"},
	{"report_id", "报告编号"},
	{"request_id", "申请编号"},
	{"requested_exit", "主动退出"},
	{"resource", "数据资源"},
	{"resource_id", "资源编号"},
	{"resources", "数据资源"},
	{"result", "结果"},
	{"revenue.correct", "收入更正"},
	{"revenue.record", "收入记录"},
	{"revenue.refund", "退款"},
	{"revenue_id", "收入编号"},
	{"risk", "风险"},
	{"roles", "角色"},
	{"root", "根哈希"},
	{"scenario", "依场景授权"},
	{"scope", "授权范围"},
	{"secret", "商业秘密"},
	{"secrets", "秘密"},
	{"security", "安全"},
	{"selection", "遴选公告"},
	{"settlement.confirm", "结算确认"},
	{"settlement.run", "结算"},
	{"settlement_id", "结算编号"},
	{"shared", "共享"},
	{"size", "大小（字节）"},
	{"source", "来源"},
	{"split_bp", "收益分配（基点）"},
	{"start", "开始日期"},
	{"status", "状态"},
	{"subject", "对象"},
	{"subject_seq", "争议对象条目"},
	{"submitted", "已提交"},
	{"suite", "密码套件"},
	{"summary", "摘要"},
	{"suspended", "已暂停"},
	{"term", "正式期"},
	{"terminated", "已终止"},
	{"test_clock", "测试时钟"},
	{"trial", "试运行"},
	{"trial_end", "试运行截止"},
	{"trial_months_max", "试运行期限上限（月）"},
	{"trial_tariff", "试运行收费"},
	{"unit", "计费单位"},
	{"update_frequency", "更新频率"},
	{"upheld", "成立"},
	{"url", "网址"},
	{"usage_conditions", "使用条件"},
	{"uscc", "统一社会信用代码"},
	{"version", "版本"},
	{"withdrawn", "已撤回"},
	{"workdays", "调休工作日"},
	{"year", "年度"},
};

static int
label_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct label *)e)->key);
}

const char *
pdl_page_label(const char *key)
{
	if (key == NULL)
		return NULL;
	const struct label *l = bsearch(key, labels, sizeof labels / sizeof labels[0], sizeof labels[0], label_cmp);
	return l != NULL ? l->zh : NULL;
}

void
pdl_page_code(struct pdl_page *b, const char *code)
{
	const char *zh = pdl_page_label(code);
	if (code == NULL || *code == 0)
		return;
	if (zh != NULL) {
		/* a known code: short, kept on one line */
		pdl_page_puts(b, "<span class=\"lbl\">");
		pdl_page_puts(b, zh);
		pdl_page_puts(b, "</span> <code class=\"k\">");
	} else {
		pdl_page_puts(b, "<code>");
	}
	pdl_page_esc(b, code);
	pdl_page_puts(b, "</code>");
}

/* ---- the frame ---- */

static const struct nav {
	const char *path, *text;
} navs[] = {
	{"/", "信息公开 Disclosure"},
	{"/metrics", "贡献评价 Contributors"},
	{"/verify", "核验文件 Check a file"},
	{"/v1/", "JSON API"},
	{"/v1/feed.atom", "Atom"},
};

void
pdl_page_open(struct pdl_page *b, const struct pdl_http_ctx *cx, const char *title, const char *heading,
              const char *here)
{
	pdl_page_puts(b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	                 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
	pdl_page_esc(b, title);
	pdl_page_puts(b, "</title><link rel=\"stylesheet\" href=\"/assets/pdl.css\">"
	                 "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Disclosure feed\" "
	                 "href=\"/v1/feed.atom\"><script src=\"/assets/pdl.js\" defer></script></head>\n<body>\n"
	                 "<header><h1>");
	pdl_page_esc(b, heading);
	pdl_page_puts(b, "</h1><nav>");
	for (size_t i = 0; i < sizeof navs / sizeof navs[0]; i++) {
		if (!pdl_http_has_route(cx, navs[i].path))
			continue;
		pdl_page_printf(b, "<a href=\"%s\"%s>%s</a>", navs[i].path,
		                here != NULL && strcmp(here, navs[i].path) == 0 ? " aria-current=\"page\"" : "",
		                navs[i].text);
	}
	pdl_page_puts(b, "</nav></header>\n<main>\n");
}

void
pdl_page_close(struct pdl_page *b)
{
	pdl_page_puts(b, "</main>\n<footer>Times are China Standard Time (UTC+8). Every value on this page is "
	                 "the ledger's own; the JSON API under <a href=\"/v1/\">/v1/</a> has it whole. "
	                 "所有时间均为北京时间。</footer>\n</body></html>\n");
}

void
pdl_page_finish(struct pdl_page *b, int status, struct pdl_http_out *out)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		*b = (struct pdl_page){0};
		pdl_http_error(out, 500, "out_of_memory", "out of memory building the page");
		return;
	}
	out->status = status;
	out->content_type = "text/html; charset=utf-8";
	out->body = b->p;
	out->len = b->n;
	*b = (struct pdl_page){0};
}

/* ---- absolute links ---- */

static int
host_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > PDL_PAGE_HOST_MAX)
		return 0;
	for (const char *c = h; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '-' || *c == ':' || *c == '[' || *c == ']'))
			return 0;
	return 1;
}

int
pdl_page_public_url_ok(const char *s)
{
	size_t n = strlen(s), skip;
	if (strncmp(s, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(s, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (n <= skip || n >= PDL_PAGE_BASE_MAX || s[skip] == '/')
		return 0;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("\"'<>\\`?#", *c) != NULL)
			return 0;
	return 1;
}

int
pdl_page_base(const struct pdl_http_ctx *cx, char out[PDL_PAGE_BASE_MAX])
{
	if (cx->public_url != NULL && pdl_page_public_url_ok(cx->public_url)) {
		size_t n = strlen(cx->public_url);
		while (n > 0 && cx->public_url[n - 1] == '/')
			n--; /* links add their own leading '/' */
		snprintf(out, PDL_PAGE_BASE_MAX, "%.*s", (int)n, cx->public_url);
		return 1;
	}
	if (cx->host != NULL && host_ok(cx->host)) { /* ≤ PDL_PAGE_HOST_MAX: fits after "http://" */
		memcpy(out, "http://", 7);
		memcpy(out + 7, cx->host, strlen(cx->host) + 1);
		return 1;
	}
	out[0] = 0;
	return 0;
}
