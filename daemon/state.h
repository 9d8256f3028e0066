/* SPDX-License-Identifier: ISC */
/*
 * state.h: published, read-only snapshots of module state.
 *
 * The loop thread owns all live state. When something a client can see
 * changes, the owning module builds a jansson object and publishes it under
 * its section name; HTTP handlers on other threads take a reference with
 * state_get() and never modify it. GET /v1/status is the object of every
 * published section plus "daemon".
 */
#ifndef MLXD_STATE_H
#define MLXD_STATE_H

#include <jansson.h>

enum state_section {
	STATE_OLLAMA = 0,	/* /v1/status "ollama" */
	STATE_MODELS,		/* /v1/models body */
	STATE_RUNNING,		/* /v1/models/running body */
	STATE_SYSTEM,		/* /v1/status "system" (metrics) */
	STATE_GENERATION,	/* /v1/status "generation" */
	STATE_BENCHMARK,	/* /v1/status "benchmark" */
	STATE_CACHE,		/* /v1/status "cache" */
	STATE_NSECTIONS
};

void	 state_init(void);
void	 state_deinit(void);

/* Replace a section; steals the reference to obj (which may be NULL). */
void	 state_publish(enum state_section sec, json_t *obj);

/* A new reference to a section, or NULL if never published. */
json_t	*state_get(enum state_section sec);

/* The key a section has in /v1/status, or NULL if it is not part of it. */
const char *state_status_key(enum state_section sec);

/* Counter bumped on every publish; lets streams notice changes. */
unsigned long state_generation(void);

#endif
