/* A layer that may not use LMDB sees this header in place of <lmdb.h>
 * (Makefile: USES_<folder>, spec/architecture.md). */
#error "lmdb.h: this layer may not use LMDB (see its USES_ line in the Makefile and spec/architecture.md)"
