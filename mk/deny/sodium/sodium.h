/* A layer that may not use libsodium sees this header in place of <sodium.h>
 * (Makefile: USES_<folder>, spec/architecture.md). */
#error "sodium.h: this layer may not use libsodium (see its USES_ line in the Makefile and spec/architecture.md)"
