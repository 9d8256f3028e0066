/* SPDX-License-Identifier: ISC */
/*
 * evpapi.h: the few libcrypto digest calls the cache hashes with, from a
 * libcrypto loaded the first time a file is hashed (lazylib.h), so a
 * daemon that never hashes never maps it.
 */
#ifndef MLXD_EVPAPI_H
#define MLXD_EVPAPI_H

#include <openssl/evp.h>

struct evpapi {
	EVP_MD_CTX	*(*md_ctx_new)(void);
	void		 (*md_ctx_free)(EVP_MD_CTX *);
	int		 (*digest_init_ex)(EVP_MD_CTX *, const EVP_MD *,
			    ENGINE *);
	int		 (*digest_update)(EVP_MD_CTX *, const void *, size_t);
	int		 (*digest_final_ex)(EVP_MD_CTX *, unsigned char *,
			    unsigned int *);
	const EVP_MD	*(*sha256)(void);
	const EVP_MD	*(*sha1)(void);
};

/*
 * The loaded library, or NULL (logged once, with the reason) when it
 * cannot be loaded. Thread-safe.
 */
const struct evpapi *evpapi_get(void);

#endif
