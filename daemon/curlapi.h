/* SPDX-License-Identifier: ISC */
/*
 * curlapi.h: libcurl, loaded the first time a transfer needs it.
 *
 * Most of mlxd's HTTP traffic is a few plain requests to Ollama on the
 * loopback, which httpc_plain.c serves; libcurl (with its TLS, Kerberos,
 * LDAP and SSH libraries, some 5 MB resident once initialized) is only
 * needed for generation streams, the pass-through proxy and Hugging Face
 * downloads. It is opened with dlopen() on first use, and its functions are
 * reached through the table below.
 */
#ifndef MLXD_CURLAPI_H
#define MLXD_CURLAPI_H

#include <curl/curl.h>

struct curlapi {
	CURL		*(*easy_init)(void);
	void		 (*easy_cleanup)(CURL *);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode	 (*easy_pause)(CURL *, int);
	const char	*(*easy_strerror)(CURLcode);
	CURLM		*(*multi_init)(void);
	CURLMcode	 (*multi_cleanup)(CURLM *);
	CURLMcode	 (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	 (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	 (*multi_socket_action)(CURLM *, curl_socket_t, int,
			    int *);
	struct curl_slist *(*slist_append)(struct curl_slist *,
			    const char *);
	void		 (*slist_free_all)(struct curl_slist *);
	CURLcode	 (*global_init)(long);
	void		 (*global_cleanup)(void);
};

/*
 * The loaded and initialized library, or NULL with *why saying what went
 * wrong (the same answer every later time). Thread-safe.
 */
const struct curlapi *curlapi_get(const char **why);

/* curl_global_cleanup() if it was loaded; at exit, after every transfer. */
void	curlapi_shutdown(void);

#endif
