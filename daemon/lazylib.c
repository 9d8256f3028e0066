/* SPDX-License-Identifier: ISC */
/*
 * lazylib.c: dlopen() a library and resolve a table of its functions (see
 * lazylib.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "lazylib.h"
#include "log.h"

/* See lazylib.h. */
int
lazylib_open(const char *what, const char *const *names, size_t n_names,
    const struct lazylib_fn *fns, size_t n_fns, void *table, char *err,
    size_t errlen)
{
	void		*lib = NULL, *sym;
	const char	*e = NULL, *used = NULL;
	size_t		 i;

	if (n_names == 0) {
		for (i = 0; i < n_fns; i++)
			memcpy((char *)table + fns[i].off, &fns[i].linked,
			    sizeof(fns[i].linked));
		return 0;
	}
	for (i = 0; i < n_names && lib == NULL; i++) {
		if (names[i] == NULL)
			continue;
		if ((lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) == NULL)
			e = dlerror();
		used = names[i];
	}
	if (lib == NULL) {
		snprintf(err, errlen, "%s cannot be loaded: %s", what,
		    e != NULL ? e : "no name to look for");
		return -1;
	}
	for (i = 0; i < n_fns; i++) {
		if ((sym = dlsym(lib, fns[i].name)) == NULL) {
			snprintf(err, errlen, "%s (%s) has no %s", what, used,
			    fns[i].name);
			return -1;
		}
		/* POSIX: a function's address comes back as a void *. */
		memcpy((char *)table + fns[i].off, &sym, sizeof(sym));
	}
	log_debug("%s loaded from %s", what, used);
	return 0;
}
