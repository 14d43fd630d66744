/* cmd_acts.c — pdl acts: the act catalogue, from the rules tables. */
#include <stdio.h>
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

int
cmd_acts(int argc, char **argv)
{
	int text = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: pdl acts [--text]\n\nLists every act type with who may submit it and its body "
			       "fields, from the rules tables (JSON lines, or a table with --text).\n");
			return 0;
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
