/* views.c — the registry of views (views.h): the list is PDL_VIEW_LIST. */
#include <string.h>

#include "views.h"

#define PDL_VIEW_ADDR(name) &pdl_view_##name,
const struct pdl_view *const pdl_views[] = {
	PDL_VIEW_LIST(PDL_VIEW_ADDR) NULL,
};
#undef PDL_VIEW_ADDR

const struct pdl_view *
pdl_view_find(const char *name)
{
	for (const struct pdl_view *const *v = pdl_views; *v != NULL; v++)
		if (strcmp((*v)->name, name) == 0)
			return *v;
	return NULL;
}
