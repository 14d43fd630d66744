/* cmd_acts.c — pdl acts: the act catalogue, from the rules tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *
ftype_name(uint8_t t)
{
	static const char *const names[] = {"string", "text", "id", "uint", "int", "bool", "key", "hex32", "date",
	                                    "period", "enum", "[string]", "[id]", "[date]", "[enum]", "map", "base64", "map", "[map]"};
	return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static json_t *
fields_json(const struct pdl_field *f)
{
	json_t *a = json_array();
	for (; f->name != NULL; f++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "type", json_string(ftype_name(f->type)));
		if (f->opt)
			json_object_set_new(o, "optional", json_true());
		if ((f->type == F_ENUM || f->type == F_ENUMS) && f->sub) {
			json_t *e = json_array();
			for (const char *const *l = f->sub; *l; l++)
				json_array_append_new(e, json_string(*l));
			json_object_set_new(o, "values", e);
		}
		if ((f->type == F_MAP || f->type == F_MAPS) && f->sub)
			json_object_set_new(o, "fields", fields_json(f->sub));
		json_array_append_new(a, o);
	}
	return a;
}

/* The disclosure rule's name in `pdl acts` (spec/views.md, "Public and private"). */
static const char *
vis_name(enum pdl_vis v)
{
	switch (v) {
	case PDL_VIS_PUBLIC: return "public";
	case PDL_VIS_PRIVATE: return "private";
	case PDL_VIS_PRIVATE_IF_BLOB: return "private_if_blob";
	case PDL_VIS_PRIVATE_UNTIL_RESOLVED: return "private_until_resolved";
	case PDL_VIS_PUBLIC_WITHOUT: return "public_without";
	case PDL_VIS_UNSET: break;
	}
	return "unset";
}

/* ---- --template TYPE: an act file to fill in ---- */

static json_t *template_fields(const struct pdl_field *f, const char *opt_of);

/* The placeholder of one scalar: its type in words, and "optional" when
 * the field may be left out (opt_of: the optional map it is inside). */
static json_t *
placeholder(const struct pdl_field *f, uint8_t type, const char *opt_of)
{
	char what[320], opt[96] = "";
	if (f->opt)
		snprintf(opt, sizeof opt, "optional, leave out or ");
	else if (opt_of != NULL)
		snprintf(opt, sizeof opt, "optional with %s, ", opt_of);
	switch (type) {
	case F_STR: snprintf(what, sizeof what, "string of 1-%u bytes", f->max ? f->max : 4096); break;
	case F_TEXT: snprintf(what, sizeof what, "text of at most %u bytes", f->max ? f->max : 4096); break;
	case F_ID: snprintf(what, sizeof what, "id: 1-64 of A-Z a-z 0-9 . _ -"); break;
	case F_UINT:
		if (f->max)
			snprintf(what, sizeof what, "integer 0-%u", f->max);
		else
			snprintf(what, sizeof what, "integer >= 0");
		break;
	case F_INT: snprintf(what, sizeof what, "integer"); break;
	case F_BOOL: snprintf(what, sizeof what, "true or false"); break;
	case F_KEY:
		snprintf(what, sizeof what, "base64 public key of the ledger's suite: Ed25519, or SM2 in an sm2-sm3 "
		                            "ledger (pdl keygen [--alg sm2] prints it)");
		break;
	case F_HEX32:
		snprintf(what, sizeof what, "the ledger's hash in lowercase hex: SHA-256 (sha256sum FILE), or SM3 in an "
		                            "sm2-sm3 ledger");
		break;
	case F_DATE: snprintf(what, sizeof what, "date YYYY-MM-DD"); break;
	case F_PERIOD: snprintf(what, sizeof what, "period YYYY-MM"); break;
	case F_B64: snprintf(what, sizeof what, "base64 of at most %u bytes", f->max); break;
	case F_ENUM: {
		size_t o = (size_t)snprintf(what, sizeof what, "one of ");
		for (const char *const *l = f->sub; l && *l && o < sizeof what - 1; l++)
			o += (size_t)snprintf(what + o, sizeof what - o, "%s%s", l == f->sub ? "" : "|", *l);
		break;
	}
	default: snprintf(what, sizeof what, "value"); break;
	}
	char out[448];
	snprintf(out, sizeof out, "<%s%s>", opt, what);
	return json_string(out);
}

static json_t *
template_value(const struct pdl_field *f, const char *opt_of)
{
	const char *inner = f->opt ? f->name : opt_of;
	switch (f->type) {
	case F_MAP: return template_fields(f->sub, inner);
	case F_MAPS: return json_pack("[o]", template_fields(f->sub, inner));
	case F_ANYMAP: return json_object();
	case F_STRS: case F_IDS: case F_DATES: case F_ENUMS: {
		uint8_t et = f->type == F_STRS ? F_STR : f->type == F_IDS ? F_ID : f->type == F_DATES ? F_DATE : F_ENUM;
		struct pdl_field ef = {f->name, et, f->opt, f->type == F_STRS ? 1024 : 0, f->sub};
		return json_pack("[o]", placeholder(&ef, et, opt_of));
	}
	default: return placeholder(f, f->type, opt_of);
	}
}

static json_t *
template_fields(const struct pdl_field *f, const char *opt_of)
{
	json_t *o = json_object();
	for (; f->name != NULL; f++)
		json_object_set_new(o, f->name, template_value(f, opt_of));
	return o;
}

/* Prints a ready act file of type: every field of its body, each holding
 * a placeholder that says its type ("<optional, …>" for those that may
 * be left out). Submitting it unfilled is refused with every field named. */
static int
print_template(const char *type)
{
	const struct pdl_act_def *d = pdl_rules_find(type, strlen(type));
	if (d == NULL) {
		fprintf(stderr, "pdl acts: no act type \"%s\" (pdl acts --text lists them) (PDL_ETYPE)\n", type);
		return 1;
	}
	json_t *o = json_object();
	char who[256];
	snprintf(who, sizeof who, "<id of the party that signs: %s>", d->who);
	json_object_set_new(o, "type", json_string(d->type));
	json_object_set_new(o, "actor", json_string(who));
	json_object_set_new(o, "nonce", json_string("<integer >= 0 that this actor has not used before>"));
	json_object_set_new(o, "body", template_fields(d->body, NULL));
	char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (txt == NULL)
		return 1;
	printf("%s\n", txt);
	free(txt);
	return 0;
}

int
cmd_acts(int argc, char **argv)
{
	int text = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: pdl acts [--text]\n"
			       "       pdl acts --template TYPE > act.json\n\n"
			       "Lists every act type with who may submit it and its body fields, from the rules\n"
			       "tables (JSON lines, or a table with --text).\n"
			       "--template TYPE prints an act file of TYPE for pdl submit, with every field of its\n"
			       "body: each value is a placeholder in <> saying its type (\"<date YYYY-MM-DD>\", \"<one\n"
			       "of R|P|S>\"); fields marked \"<optional, …>\" may be left out. Replace every\n"
			       "placeholder (numbers and booleans without quotes); pdl submit names every field still\n"
			       "wrong in one reply.\n");
			return 0;
		}
		if (strcmp(argv[i], "--template") == 0) {
			if (i + 1 >= argc)
				return usage_error("acts", "--template needs an act TYPE, e.g. registration.apply");
			if (i + 2 != argc || i != 1)
				return usage_error("acts", "--template TYPE takes nothing else");
			return print_template(argv[i + 1]);
		}
		if (strcmp(argv[i], "--text") == 0)
			text = 1;
		else
			return usage_error("acts", "unknown option");
	}
	for (const struct pdl_family *const *f = pdl_families; *f != NULL; f++) {
		for (size_t i = 0; i < (*f)->n; i++) {
			const struct pdl_act_def *d = &(*f)->acts[i];
			if (text) {
				printf("%-32s %-28s", d->type, d->who);
				for (const struct pdl_field *x = d->body; x->name; x++)
					printf(" %s%s", x->name, x->opt ? "?" : "");
				printf("\n");
				continue;
			}
			json_t *o = json_object();
			json_object_set_new(o, "type", json_string(d->type));
			json_object_set_new(o, "family", json_string((*f)->name));
			json_object_set_new(o, "who", json_string(d->who));
			json_t *roles = json_array();
			for (uint32_t r = 1; r <= PDL_ROLE_AUDITOR; r <<= 1)
				if (d->roles & r)
					json_array_append_new(roles, json_string(pdl_role_name(r)));
			json_object_set_new(o, "roles", roles);
			json_object_set_new(o, "summary", json_string(d->summary));
			json_object_set_new(o, "disclosure", json_string(vis_name(d->vis)));
			if (d->private_why != NULL)
				json_object_set_new(o, "private_why", json_string(d->private_why));
			if (d->withheld != NULL)
				json_object_set_new(o, "withheld", json_string(d->withheld));
			json_object_set_new(o, "body", fields_json(d->body));
			out_json(o);
		}
	}
	return 0;
}
