/* SPDX-License-Identifier: ISC */
/*
 * xmalloc.h: allocation wrappers for the daemon. They never return NULL: on
 * out-of-memory the daemon logs and aborts (libmlxd returns -ENOMEM instead).
 */
#ifndef MLXD_XMALLOC_H
#define MLXD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
