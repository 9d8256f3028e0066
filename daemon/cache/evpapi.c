/* SPDX-License-Identifier: ISC */
/*
 * evpapi.c: load libcrypto's digest functions on first use (see evpapi.h).
 * On Linux the library is looked for at the path the build found it, then
 * by its soname; on macOS it is linked (see daemon/meson.build).
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>

#include "evpapi.h"
#include "lazylib.h"
#include "log.h"

static struct evpapi	 api;
static int		 api_ok;
static pthread_once_t	 api_once = PTHREAD_ONCE_INIT;

#define EVPAPI_FN(m, fn)	LAZYLIB_FN(struct evpapi, m, fn)
static const struct lazylib_fn evpapi_fns[] = {
	EVPAPI_FN(md_ctx_new, EVP_MD_CTX_new),
	EVPAPI_FN(md_ctx_free, EVP_MD_CTX_free),
	EVPAPI_FN(digest_init_ex, EVP_DigestInit_ex),
	EVPAPI_FN(digest_update, EVP_DigestUpdate),
	EVPAPI_FN(digest_final_ex, EVP_DigestFinal_ex),
	EVPAPI_FN(sha256, EVP_sha256),
	EVPAPI_FN(sha1, EVP_sha1),
};

static void
evpapi_load(void)
{
#if MLXD_DLOPEN_LIBS
	static const char *const names[] = {
#ifdef MLXD_CRYPTO_LIB
		MLXD_CRYPTO_LIB,
#endif
		MLXD_CRYPTO_SONAME,
	};
	size_t	nnames = sizeof(names) / sizeof(names[0]);
#else
	static const char *const *names = NULL;
	size_t	nnames = 0;
#endif
	char	err[256];

	if (lazylib_open("libcrypto", names, nnames,
	    evpapi_fns, sizeof(evpapi_fns) / sizeof(evpapi_fns[0]), &api, err,
	    sizeof(err)) != 0) {
		log_warnx("cache: no SHA-256: %s", err);
		return;
	}
	api_ok = 1;
}

/* See evpapi.h. */
const struct evpapi *
evpapi_get(void)
{
	pthread_once(&api_once, evpapi_load);
	return api_ok ? &api : NULL;
}
