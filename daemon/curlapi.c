/* SPDX-License-Identifier: ISC */
/*
 * curlapi.c: open libcurl on first use (see curlapi.h).
 *
 * The library is looked for under the name the build found it by
 * (MLXD_CURL_LIB, the full path of the library meson found the headers
 * of) and then by its soname, so a packaged mlxd follows the system's
 * libcurl as a linked one would. It is never closed: libcurl keeps
 * process-wide state (TLS back-end, resolver threads) until exit. On macOS
 * libcurl is linked and the table points at it (see daemon/meson.build).
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>

#include "curlapi.h"
#include "lazylib.h"

static struct curlapi	 api;
static const char	*api_why;
static int		 api_ok;
static pthread_once_t	 api_once = PTHREAD_ONCE_INIT;
static char		 api_err[256];

#define CURLAPI_FN(f)	LAZYLIB_FN(struct curlapi, f, curl_##f)
static const struct lazylib_fn curlapi_fns[] = {
	CURLAPI_FN(easy_init),
	CURLAPI_FN(easy_cleanup),
	CURLAPI_FN(easy_setopt),
	CURLAPI_FN(easy_getinfo),
	CURLAPI_FN(easy_pause),
	CURLAPI_FN(easy_strerror),
	CURLAPI_FN(multi_init),
	CURLAPI_FN(multi_cleanup),
	CURLAPI_FN(multi_setopt),
	CURLAPI_FN(multi_add_handle),
	CURLAPI_FN(multi_remove_handle),
	CURLAPI_FN(multi_assign),
	CURLAPI_FN(multi_info_read),
	CURLAPI_FN(multi_socket_action),
	CURLAPI_FN(slist_append),
	CURLAPI_FN(slist_free_all),
	CURLAPI_FN(global_init),
	CURLAPI_FN(global_cleanup),
};

static void
curlapi_load(void)
{
#if MLXD_DLOPEN_LIBS
	static const char *const names[] = {
#ifdef MLXD_CURL_LIB
		MLXD_CURL_LIB,
#endif
		"libcurl.so.4",
	};
	size_t	nnames = sizeof(names) / sizeof(names[0]);
#else
	static const char *const *names = NULL;
	size_t	nnames = 0;
#endif

	if (lazylib_open("libcurl", names, nnames,
	    curlapi_fns, sizeof(curlapi_fns) / sizeof(curlapi_fns[0]), &api,
	    api_err, sizeof(api_err)) != 0) {
		api_why = api_err;
		return;
	}
	/*
	 * libcurl >= 7.84 initializes thread-safely; the daemon's other
	 * threads never call into it.
	 */
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		api_why = "curl_global_init failed";
		return;
	}
	api_ok = 1;
}
/* See curlapi.h. */
const struct curlapi *
curlapi_get(const char **why)
{
	pthread_once(&api_once, curlapi_load);
	if (!api_ok) {
		if (why != NULL)
			*why = api_why;
		return NULL;
	}
	return &api;
}

/* See curlapi.h. */
void
curlapi_shutdown(void)
{
	if (api_ok)
		api.global_cleanup();
}
