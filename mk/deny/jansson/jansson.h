/* A layer that may not use jansson sees this header in place of <jansson.h>
 * (Makefile: USES_<folder>, spec/architecture.md). */
#error "jansson.h: this layer may not use jansson (see its USES_ line in the Makefile and spec/architecture.md)"
