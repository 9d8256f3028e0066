/* SPDX-License-Identifier: ISC */
/*
 * modelstore_roots.c: the list of roots to scan and the default locations
 * of each store, found the way the stores themselves find them:
 * OLLAMA_MODELS; HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME; LM Studio's
 * settings, home pointer and its old and new default folders.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "modelstore.h"
#include "modelstore_int.h"
#include "xmalloc.h"

#define MODELSTORE_STALE_AGE_S		86400

/* Empty root list with the default stale age. */
void
modelstore_roots_init(struct modelstore_roots *roots)
{
	memset(roots, 0, sizeof(*roots));
	roots->stale_age_s = MODELSTORE_STALE_AGE_S;
}

/* Append a root. */
void
modelstore_roots_add(struct modelstore_roots *roots, enum modelstore_kind kind,
    const char *path)
{
	roots->v = xreallocarray(roots->v, roots->n + 1, sizeof(*roots->v));
	roots->v[roots->n].kind = kind;
	roots->v[roots->n].path = xstrdup(path);
	roots->n++;
}

/* Free the roots' contents. */
void
modelstore_roots_free(struct modelstore_roots *roots)
{
	size_t	i;

	for (i = 0; i < roots->n; i++)
		free(roots->v[i].path);
	free(roots->v);
	roots->v = NULL;
	roots->n = 0;
}

static char *
expand_home(const char *home, const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static const char *
env_nonempty(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Add path (taken) if it is a directory not already listed for kind. */
static void
detect_add(struct modelstore_roots *roots, enum modelstore_kind kind,
    char *path)
{
	char	*real, *other;
	size_t	 i;
	int	 dup = 0;

	if (path == NULL || !modelstore_is_dir(path)) {
		free(path);
		return;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		free(path);
		return;
	}
	for (i = 0; i < roots->n && !dup; i++) {
		if (roots->v[i].kind != kind)
			continue;
		if ((other = realpath(roots->v[i].path, NULL)) != NULL) {
			dup = strcmp(other, real) == 0;
			free(other);
		}
	}
	if (!dup)
		modelstore_roots_add(roots, kind, path);
	free(real);
	free(path);
}

/* LM Studio's downloadsFolder from its settings.json, or NULL. */
static char *
lmstudio_settings_folder(const char *path)
{
	json_t		*j;
	json_error_t	 err;
	const char	*v;
	char		*out = NULL;
	struct stat	 sb;

	/* A regular file only: a FIFO there would block the scan. */
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (j = json_load_file(path, 0, &err)) == NULL)
		return NULL;
	v = json_string_value(json_object_get(j, "downloadsFolder"));
	if (v != NULL && *v != '\0')
		out = xstrdup(v);
	json_decref(j);
	return out;
}

/* Append the default store locations that exist. */
int
modelstore_roots_detect(struct modelstore_roots *roots)
{
	const char	*home, *v;
	char		*p, *s;

	if ((home = env_nonempty("HOME")) == NULL)
		return -ENOENT;

	if ((v = env_nonempty("OLLAMA_MODELS")) != NULL)
		detect_add(roots, MODELSTORE_OLLAMA, expand_home(home, v));
	else
		detect_add(roots, MODELSTORE_OLLAMA,
		    xasprintf("%s/.ollama/models", home));
	detect_add(roots, MODELSTORE_OLLAMA,
	    xstrdup("/usr/share/ollama/.ollama/models"));

	if ((v = env_nonempty("HF_HUB_CACHE")) != NULL ||
	    (v = env_nonempty("HUGGINGFACE_HUB_CACHE")) != NULL)
		p = expand_home(home, v);
	else if ((v = env_nonempty("HF_HOME")) != NULL) {
		s = expand_home(home, v);
		p = xasprintf("%s/hub", s);
		free(s);
	} else if ((v = env_nonempty("XDG_CACHE_HOME")) != NULL)
		p = xasprintf("%s/huggingface/hub", v);
	else
		p = xasprintf("%s/.cache/huggingface/hub", home);
	detect_add(roots, MODELSTORE_HF, p);

	/* LM Studio: a moved models folder first, then the home's. */
	if ((v = env_nonempty("XDG_CONFIG_HOME")) != NULL)
		p = xasprintf("%s/LM Studio/settings.json", v);
	else
		p = xasprintf("%s/.config/LM Studio/settings.json", home);
	if ((s = lmstudio_settings_folder(p)) != NULL)
		detect_add(roots, MODELSTORE_LMSTUDIO, expand_home(home, s));
	free(s);
	free(p);
	p = xasprintf("%s/Library/Application Support/LM Studio/settings.json",
	    home);
	if ((s = lmstudio_settings_folder(p)) != NULL)
		detect_add(roots, MODELSTORE_LMSTUDIO, expand_home(home, s));
	free(s);
	free(p);
	p = xasprintf("%s/.lmstudio-home-pointer", home);
	if ((s = modelstore_read_line(p)) != NULL) {
		char	*e = expand_home(home, s);

		detect_add(roots, MODELSTORE_LMSTUDIO,
		    xasprintf("%s/models", e));
		free(e);
	}
	free(s);
	free(p);
	detect_add(roots, MODELSTORE_LMSTUDIO,
	    xasprintf("%s/.cache/lm-studio/models", home));
	detect_add(roots, MODELSTORE_LMSTUDIO,
	    xasprintf("%s/.lmstudio/models", home));
	return 0;
}
