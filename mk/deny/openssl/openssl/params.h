/* A layer that may not use OpenSSL sees this header in place of <openssl/params.h>
 * (Makefile: USES_<folder>, spec/architecture.md): only crypto/ uses OpenSSL. */
#error "openssl/params.h: this layer may not use OpenSSL (see its USES_ line in the Makefile and spec/architecture.md)"
