/*
 * assets.c — the page assets (page.h): the stylesheet and the verification
 * script, kept as plain files beside this one (assets/pdl.css,
 * assets/pdl.js) and embedded into the binary at build time with the
 * assembler's .incbin, so what a reader can audit in the source tree is
 * byte for byte what pdl-project serves. No build step transforms them.
 * (The paths are relative to the top of the tree, where make runs the
 * compiler; the Makefile names the files as the object's prerequisites.)
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

#define PDL_ASSET(sym, file)                                                                \
	__asm__(".section .rodata\n"                                                       \
	        ".balign 16\n"                                                             \
	        ".globl " #sym "\n" #sym ":\n"                                             \
	        ".incbin \"" file "\"\n"                                                   \
	        ".globl " #sym "_end\n" #sym "_end:\n"                                     \
	        ".byte 0\n"                                                                \
	        ".previous\n");                                                            \
	extern const char sym[], sym##_end[]

PDL_ASSET(pdl_asset_css, "projections/core/assets/pdl.css");
PDL_ASSET(pdl_asset_js, "projections/core/assets/pdl.js");

static void
serve(const char *query, const char *body, const char *end, const char *ctype, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	if (pdl_http_params_only(query, none, out))
		return;
	size_t n = (size_t)(end - body);
	char *copy = malloc(n + 1); /* the response frees its body */
	if (copy == NULL) {
		pdl_http_error(out, 500, "out_of_memory", "out of memory");
		return;
	}
	memcpy(copy, body, n + 1);
	out->status = 200;
	out->content_type = ctype;
	out->body = copy;
	out->len = n;
}

static void
route_css(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	(void)cx;
	(void)rest;
	serve(query, pdl_asset_css, pdl_asset_css_end, "text/css; charset=utf-8", out);
}

static void
route_js(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	(void)cx;
	(void)rest;
	serve(query, pdl_asset_js, pdl_asset_js_end, "text/javascript; charset=utf-8", out);
}

const struct pdl_route pdl_page_routes[] = {
	{"/assets/pdl.css", 0, route_css, PDL_ROUTE_PUBLIC},
	{"/assets/pdl.js", 0, route_js, PDL_ROUTE_PUBLIC},
	{NULL, 0, NULL, 0},
};
