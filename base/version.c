/* version.c — see version.h. PDL_VERSION_STRING comes from the Makefile
 * (mk/version.sh); a build that does not pass it says so. */
#include "version.h"

#ifndef PDL_VERSION_STRING
#define PDL_VERSION_STRING "unknown (built without mk/version.sh)"
#endif

const char *
pdl_version(void)
{
	return PDL_VERSION_STRING;
}

void
pdl_version_print(FILE *f, const char *prog)
{
	fprintf(f, "%s %s\n", prog, PDL_VERSION_STRING);
}
