/* SPDX-License-Identifier: ISC */
/*
 * lazylib.h: open a shared library on first use and fill a table of its
 * functions, so a library the daemon needs only for some features (libcurl,
 * libcrypto) costs no memory until one of them is used.
 */
#ifndef MLXD_LAZYLIB_H
#define MLXD_LAZYLIB_H

#include <stddef.h>

/*
 * One function: its symbol and where its pointer goes in the table; when
 * the library is linked rather than opened (macOS), its address too.
 */
struct lazylib_fn {
	const char	*name;
	size_t		 off;
	void		(*linked)(void);
};
#if MLXD_DLOPEN_LIBS
#define LAZYLIB_FN(type, member, fn)	\
	{ #fn, offsetof(type, member), NULL }
#else
#define LAZYLIB_FN(type, member, fn)	\
	{ #fn, offsetof(type, member), (void (*)(void))fn }
#endif

/*
 * dlopen() the first of the n_names names that loads (NULL entries are
 * skipped), and store the address of each of fns into table; with no names,
 * store their linked addresses. Returns 0, or -1 with err saying what
 * failed. The library is never closed.
 */
int	lazylib_open(const char *what, const char *const *names, size_t n_names,
	    const struct lazylib_fn *fns, size_t n_fns, void *table, char *err,
	    size_t errlen);

#endif
