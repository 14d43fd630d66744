/* A layer that may not use msgpack-c sees this header in place of <msgpack.h>
 * (Makefile: USES_<folder>, spec/architecture.md). */
#error "msgpack.h: this layer may not use msgpack-c (see its USES_ line in the Makefile and spec/architecture.md)"
