/* A layer that may not use NNG sees this header in place of <nng/protocol/reqrep0/req.h>
 * (Makefile: USES_<folder>, spec/architecture.md). */
#error "nng/protocol/reqrep0/req.h: this layer may not use NNG (see its USES_ line in the Makefile and spec/architecture.md)"
