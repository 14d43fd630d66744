/* tpolicy.c — see tpolicy.h (c2sp.org/tlog-policy). */
#include <assert.h>
#include <string.h>

#include "tpolicy.h"

#define ITEMS_MAX (3u + PDL_TPOLICY_MEMBERS_MAX) /* "group", name, k and the members */

struct item {
	const char *p;
	size_t n;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits a line into items at spaces and tabs. Returns the count, or -1
 * when there are more than cap. */
static int
split(const char *s, size_t n, struct item *it, unsigned cap)
{
	unsigned k = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && !is_blank(s[i]))
			i++;
		if (k == cap)
			return -1;
		it[k].p = s + start;
		it[k].n = i - start;
		k++;
	}
	return (int)k;
}

static int
eq(struct item it, const char *s)
{
	return it.n == strlen(s) && memcmp(it.p, s, it.n) == 0;
}

/* The reference a name has among witnesses and groups defined so far. */
static int
lookup(const struct pdl_tpolicy *p, struct item it)
{
	for (unsigned i = 0; i < p->nwitnesses; i++)
		if (strlen(p->witness[i].name) == it.n && memcmp(p->witness[i].name, it.p, it.n) == 0)
			return (int)i;
	for (unsigned i = 0; i < p->ngroups; i++)
		if (strlen(p->group[i].name) == it.n && memcmp(p->group[i].name, it.p, it.n) == 0)
			return PDL_TPOLICY_GROUP_BASE + (int)i;
	return PDL_TPOLICY_NONE;
}

const char *
pdl_tpolicy_ref_name(const struct pdl_tpolicy *p, int ref)
{
	if (ref == PDL_TPOLICY_NONE)
		return "none";
	if (ref >= PDL_TPOLICY_GROUP_BASE)
		return p->group[ref - PDL_TPOLICY_GROUP_BASE].name;
	return p->witness[ref].name;
}

/* A new witness or group name: not too long, not `none`, not taken. */
static int
new_name(const struct pdl_tpolicy *p, struct item it, unsigned line, struct pdl_status *st)
{
	if (it.n > PDL_TPOLICY_NAME_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: a name is at most %u bytes", line, PDL_TPOLICY_NAME_MAX);
	if (eq(it, "none"))
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: \"none\" is predefined; it names no witness or group",
		                      line);
	if (lookup(p, it) != PDL_TPOLICY_NONE)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: the name %.*s is already defined", line, (int)it.n,
		                      it.p);
	return PDL_OK;
}

static int
url_copy(char *dst, struct item it, unsigned line, struct pdl_status *st)
{
	if (it.n > PDL_TPOLICY_URL_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: the URL is over %u bytes", line, PDL_TPOLICY_URL_MAX);
	memcpy(dst, it.p, it.n);
	dst[it.n] = '\0';
	return PDL_OK;
}

static int
vkey_item(struct item it, struct pdl_vkey *k, unsigned line, struct pdl_status *st)
{
	const char *why = NULL;
	int rc = pdl_vkey_parse(it.p, it.n, k, &why);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc == PDL_ENOMEM ? rc : PDL_EINVAL, NULL, "line %u: bad verifier key: %s", line,
		                      why ? why : "malformed");
	return PDL_OK;
}

static int
parse_log(struct pdl_tpolicy *p, struct item *it, int k, unsigned line, struct pdl_status *st)
{
	if (k != 2 && k != 3)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: a log line is \"log <vkey> [<url>]\"", line);
	if (p->nlogs == PDL_TPOLICY_LOGS_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: more than %u logs", line, PDL_TPOLICY_LOGS_MAX);
	struct pdl_tpolicy_log *l = &p->log[p->nlogs];
	int rc = vkey_item(it[1], &l->key, line, st);
	if (rc != PDL_OK)
		return rc;
	for (unsigned i = 0; i < p->nlogs; i++)
		if (memcmp(p->log[i].key.key_hash, l->key.key_hash, 32) == 0)
			return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: the same log key as line %u (duplicate log)",
			                      line, p->log[i].line);
	l->url[0] = '\0';
	if (k == 3 && (rc = url_copy(l->url, it[2], line, st)) != PDL_OK)
		return rc;
	l->line = line;
	p->nlogs++;
	return PDL_OK;
}

static int
parse_witness(struct pdl_tpolicy *p, struct item *it, int k, unsigned line, struct pdl_status *st)
{
	if (k != 3 && k != 4)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: a witness line is \"witness <name> <vkey> [<url>]\"",
		                      line);
	if (p->nwitnesses == PDL_TPOLICY_WITNESSES_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: more than %u witnesses", line,
		                      PDL_TPOLICY_WITNESSES_MAX);
	int rc = new_name(p, it[1], line, st);
	if (rc != PDL_OK)
		return rc;
	struct pdl_tpolicy_witness *w = &p->witness[p->nwitnesses];
	if ((rc = vkey_item(it[2], &w->key, line, st)) != PDL_OK)
		return rc;
	for (unsigned i = 0; i < p->nwitnesses; i++)
		if (memcmp(p->witness[i].key.key_hash, w->key.key_hash, 32) == 0)
			return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: the same public key as witness %s (line %u)",
			                      line, p->witness[i].name, p->witness[i].line);
	memcpy(w->name, it[1].p, it[1].n);
	w->name[it[1].n] = '\0';
	w->url[0] = '\0';
	if (k == 4 && (rc = url_copy(w->url, it[3], line, st)) != PDL_OK)
		return rc;
	w->line = line;
	p->nwitnesses++;
	return PDL_OK;
}

static int
parse_group(struct pdl_tpolicy *p, struct item *it, int k, unsigned line, struct pdl_status *st)
{
	if (k < 4)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "line %u: a group line is \"group <name> all|any|<k> <name>...\" with a member", line);
	if (p->ngroups == PDL_TPOLICY_GROUPS_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: more than %u groups", line, PDL_TPOLICY_GROUPS_MAX);
	int rc = new_name(p, it[1], line, st);
	if (rc != PDL_OK)
		return rc;
	struct pdl_tpolicy_group *g = &p->group[p->ngroups];
	memset(g, 0, sizeof *g);
	g->n = (unsigned)k - 3;
	for (unsigned i = 0; i < g->n; i++) {
		struct item m = it[3 + i];
		int ref = lookup(p, m);
		if (eq(m, "none"))
			return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: \"none\" cannot be a group member", line);
		if (ref == PDL_TPOLICY_NONE)
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "line %u: member %.*s is not a witness or group defined on an earlier line", line,
			                      (int)m.n, m.p);
		for (unsigned j = 0; j < i; j++)
			if (g->member[j] == ref)
				return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: member %.*s is listed twice", line,
				                      (int)m.n, m.p);
		g->member[i] = ref;
	}
	uint64_t kk;
	if (eq(it[2], "all"))
		g->k = g->n;
	else if (eq(it[2], "any"))
		g->k = 1;
	else if (pdl_tlog_parse_u64(it[2].p, it[2].n, &kk) == 0 && kk >= 1 && kk <= g->n)
		g->k = (unsigned)kk;
	else
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "line %u: the threshold is all, any or a decimal k with 1 <= k <= %u (the members)", line,
		                      g->n);
	memcpy(g->name, it[1].p, it[1].n);
	g->name[it[1].n] = '\0';
	p->ngroups++;
	return PDL_OK;
}

int
pdl_tpolicy_parse(const char *text, size_t n, enum pdl_tpolicy_mode mode, struct pdl_tpolicy *p, struct pdl_status *st)
{
	static _Thread_local struct item it[ITEMS_MAX + 1];
	unsigned line = 0, quorums = 0;
	size_t pos = 0;
	int rc;
	assert(text != NULL && p != NULL && st != NULL);
	memset(p, 0, sizeof *p);
	p->quorum = PDL_TPOLICY_NONE;
	if (n > PDL_TPOLICY_BYTES_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the policy is over %u bytes", PDL_TPOLICY_BYTES_MAX);
	while (pos < n) {
		const char *s = text + pos;
		const char *eol = memchr(s, '\n', n - pos);
		size_t len = eol ? (size_t)(eol - s) : n - pos; /* a last line without its newline is taken too */
		pos += len + (eol != NULL);
		line++;
		if (len > PDL_TPOLICY_LINE_MAX)
			return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: over %u bytes", line, PDL_TPOLICY_LINE_MAX);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			/* tlog-policy: 0x09, 0x0A, 0x20-0x7E and 0x80-0xFF only */
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: control character 0x%02x", line, c);
		}
		int k = split(s, len, it, ITEMS_MAX);
		if (k < 0)
			return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: too many items", line);
		if (k == 0 || it[0].p[0] == '#')
			continue;
		if (eq(it[0], "log")) {
			rc = parse_log(p, it, k, line, st);
		} else if (mode == PDL_TPOLICY_LOGS_ONLY) {
			rc = pdl_status_set(st, PDL_EINVAL, NULL, "line %u: only \"log <vkey> [<url>]\" lines belong here", line);
		} else if (eq(it[0], "witness")) {
			rc = parse_witness(p, it, k, line, st);
		} else if (eq(it[0], "group")) {
			rc = parse_group(p, it, k, line, st);
		} else if (eq(it[0], "quorum")) {
			if (k != 2)
				return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: a quorum line is \"quorum <name>\"", line);
			if (++quorums > 1)
				return pdl_status_set(st, PDL_EINVAL, NULL, "line %u: a second quorum line", line);
			p->quorum = lookup(p, it[1]);
			rc = PDL_OK;
			if (p->quorum == PDL_TPOLICY_NONE && !eq(it[1], "none"))
				rc = pdl_status_set(st, PDL_EINVAL, NULL,
				                    "line %u: quorum %.*s is not none or a witness or group defined earlier", line,
				                    (int)it[1].n, it[1].p);
		} else {
			rc = pdl_status_set(st, PDL_EINVAL, NULL,
			                    "line %u: unknown line \"%.*s\" (log, witness, group, quorum or a # comment)", line,
			                    (int)(it[0].n > 32 ? 32 : it[0].n), it[0].p);
		}
		if (rc != PDL_OK)
			return rc;
	}
	if (mode == PDL_TPOLICY_FULL && quorums != 1)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the policy has no quorum line (\"quorum <name>\" or \"quorum none\")");
	return PDL_OK;
}

int
pdl_tpolicy_quorum_met(const struct pdl_tpolicy *p, const unsigned char *cosigned)
{
	unsigned char met[PDL_TPOLICY_GROUPS_MAX];
	assert(p != NULL && cosigned != NULL);
	if (p->quorum == PDL_TPOLICY_NONE)
		return 1;
	/* invariant (1): members are witnesses or earlier groups */
	for (unsigned g = 0; g < p->ngroups; g++) {
		unsigned have = 0;
		for (unsigned i = 0; i < p->group[g].n; i++) {
			int ref = p->group[g].member[i];
			if (ref >= PDL_TPOLICY_GROUP_BASE) {
				assert((unsigned)(ref - PDL_TPOLICY_GROUP_BASE) < g);
				have += met[ref - PDL_TPOLICY_GROUP_BASE];
			} else {
				assert((unsigned)ref < p->nwitnesses);
				have += cosigned[ref] != 0;
			}
		}
		met[g] = have >= p->group[g].k;
	}
	if (p->quorum >= PDL_TPOLICY_GROUP_BASE)
		return met[p->quorum - PDL_TPOLICY_GROUP_BASE];
	return cosigned[p->quorum] != 0;
}
