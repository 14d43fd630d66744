/* A layer that may not use OpenSSL sees this header in place of <openssl/param_build.h>
 * (Makefile: USES_<folder>, spec/architecture.md): only crypto/ uses OpenSSL. */
#error "openssl/param_build.h: this layer may not use OpenSSL (see its USES_ line in the Makefile and spec/architecture.md)"
