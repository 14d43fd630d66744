/* views.c — the list of views. Adding a view is one file and one line here. */
#include "proj.h"

extern const struct pdl_view pdl_view_disclosure;
extern const struct pdl_view pdl_view_metrics;
extern const struct pdl_view pdl_view_revenue;

const struct pdl_view *const pdl_views[] = {
	&pdl_view_disclosure,
	&pdl_view_metrics,
	&pdl_view_revenue,
	NULL,
};
