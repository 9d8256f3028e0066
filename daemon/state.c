/* SPDX-License-Identifier: ISC */
/*
 * state.c: the table of published section snapshots.
 *
 * One mutex guards the pointer swap; readers take their own reference
 * (jansson reference counts are atomic) and then read without the lock.
 * Published objects are never modified after publishing.
 */
#include "config.h"

#include <pthread.h>

#include "state.h"

static pthread_mutex_t	 state_mtx = PTHREAD_MUTEX_INITIALIZER;
static json_t		*state_obj[STATE_NSECTIONS];
static unsigned long	 state_gen;

static const char *const state_keys[STATE_NSECTIONS] = {
	[STATE_OLLAMA] = "ollama",
	[STATE_MODELS] = NULL,
	[STATE_RUNNING] = NULL,
	[STATE_SYSTEM] = "system",
	[STATE_GENERATION] = "generation",
	[STATE_BENCHMARK] = "benchmark",
	[STATE_CACHE] = "cache",
};

/* Start with nothing published. */
void
state_init(void)
{
	int	i;

	pthread_mutex_lock(&state_mtx);
	for (i = 0; i < STATE_NSECTIONS; i++)
		state_obj[i] = NULL;
	pthread_mutex_unlock(&state_mtx);
}

/* Drop every published snapshot. */
void
state_deinit(void)
{
	int	i;

	pthread_mutex_lock(&state_mtx);
	for (i = 0; i < STATE_NSECTIONS; i++) {
		json_decref(state_obj[i]);
		state_obj[i] = NULL;
	}
	pthread_mutex_unlock(&state_mtx);
}

/* Replace a section, stealing obj. */
void
state_publish(enum state_section sec, json_t *obj)
{
	json_t	*old;

	pthread_mutex_lock(&state_mtx);
	old = state_obj[sec];
	state_obj[sec] = obj;
	state_gen++;
	pthread_mutex_unlock(&state_mtx);
	json_decref(old);
}

/* A new reference to a section, or NULL. */
json_t *
state_get(enum state_section sec)
{
	json_t	*obj;

	pthread_mutex_lock(&state_mtx);
	obj = json_incref(state_obj[sec]);
	pthread_mutex_unlock(&state_mtx);
	return obj;
}

/* The /v1/status key of a section, or NULL. */
const char *
state_status_key(enum state_section sec)
{
	return state_keys[sec];
}

/* Number of publishes so far. */
unsigned long
state_generation(void)
{
	unsigned long	g;

	pthread_mutex_lock(&state_mtx);
	g = state_gen;
	pthread_mutex_unlock(&state_mtx);
	return g;
}
