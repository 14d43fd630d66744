/*
 * views.h — the views and what the rest of pdl may call of them. Each view
 * is one folder under projections/ (its apply, its routes, its page), and
 * everything in that folder is private to it: pdl-project, pdl and the
 * other views see only this header and the framework (core/).
 *
 * Adding a view: a folder projections/<name>/ that defines
 *     const struct pdl_view pdl_view_<name> = {"<name>", tables, apply, routes, ahead, ahead_free};
 * (ahead and ahead_free may be NULL: proj.h) and one name in PDL_VIEW_LIST
 * below. The registry (views.c), pdl-project
 * (which serves every view's routes, public and private, and can run each
 * view) and the build (which compiles every folder of projections/) take it
 * from there. spec/architecture.md says more.
 *
 * Invariants:
 *  (1) pdl_views lists every view of PDL_VIEW_LIST once, in that order, and
 *      the order is the order routes are matched in (the first exact path
 *      wins, then the longest tree prefix: http.h);
 *  (2) a view's name is its folder's name and its `pdl-project` argument.
 */
#ifndef PDL_VIEWS_H
#define PDL_VIEWS_H

#include <jansson.h>

#include "proj.h"

/* The views, in order. One name per view. */
#define PDL_VIEW_LIST(X) X(disclosure) X(metrics) X(revenue)

#define PDL_VIEW_DECLARE(name) extern const struct pdl_view pdl_view_##name;
PDL_VIEW_LIST(PDL_VIEW_DECLARE)
#undef PDL_VIEW_DECLARE

/* The views, NULL-terminated (views.c). */
extern const struct pdl_view *const pdl_views[];
/* The view called name, or NULL. */
const struct pdl_view *pdl_view_find(const char *name);

/* ---- entry points of single views ---- */

/* metrics: installs the contributor-score weights of FILE (pdl-project
 * --weights) for the metrics routes. Errors: PDL_EIO, PDL_EDECODE,
 * PDL_EFIELD, PDL_ETOOBIG (st says which field). */
int pdl_metrics_config_load(const char *path, struct pdl_status *st);

/* disclosure: the annual disclosure of year (spec/views.md, GET
 * /v1/reports/annual), read from the disclosure view in viewdir
 * (read-only, safe while its worker runs). *doc is a new reference.
 * Errors: PDL_ENOTFOUND (no disclosure view in viewdir), PDL_ESTORE (it
 * cannot be read), PDL_ENOMEM (the report could not be built); st says so. */
int pdl_disclosure_annual(const char *viewdir, int year, json_t **doc, struct pdl_status *st);

/* disclosure: the public name of party id, as the disclosure view in db's
 * environment has it (its register of parties), into name (cap bytes,
 * NUL-terminated); "" when this environment does not keep the disclosure
 * view or the view does not know the party. t is a read transaction of
 * db's environment. (The metrics page names providers with it.) */
void pdl_disclosure_party_name(const struct pdl_vdb *db, MDB_txn *t, const char *id, char *name, size_t cap);

#endif
