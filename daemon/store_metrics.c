/* SPDX-License-Identifier: ISC */
/*
 * store_metrics.c: the metrics_minutes table. Each row holds one minute's
 * min/mean/max per field as JSON; queries merge rows into coarser buckets
 * (mean of means weighted by sample count, min of mins, max of maxes).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_metrics.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Insert or replace one minute. */
int
store_metrics_insert(struct store *st, int64_t t_ns, int n, const json_t *data)
{
	sqlite3_stmt	*stmt = NULL;
	char		*text;
	int		 rc;

	text = json_dumps(data, JSON_COMPACT);
	if (text == NULL)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO metrics_minutes "
	    "(t_ns, n, data) VALUES (?, ?, ?)", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, t_ns);
		sqlite3_bind_int(stmt, 2, n);
		sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
	free(text);
	return store_errno(rc);
}

/* Delete old minutes. */
int
store_metrics_prune(struct store *st, int64_t cutoff_ns)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(st->db, "DELETE FROM metrics_minutes WHERE "
	    "t_ns < ?", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, cutoff_ns);
		rc = sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
	return store_errno(rc);
}

#define STORE_METRICS_MAXKEYS	64

struct bucket_field {
	char	 key[64];
	double	 sum, w, min, max;
};

struct bucket {
	struct bucket_field	f[STORE_METRICS_MAXKEYS];
	int			n;
};

static struct bucket_field *
store_metrics_slot(struct bucket *b, const char *key)
{
	int	i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->f[i].key, key) == 0)
			return &b->f[i];
	if (b->n == STORE_METRICS_MAXKEYS || strlen(key) >= sizeof(b->f[0].key))
		return NULL;
	memset(&b->f[b->n], 0, sizeof(b->f[0]));
	strcpy(b->f[b->n].key, key);
	b->f[b->n].min = INFINITY;
	b->f[b->n].max = -INFINITY;
	return &b->f[b->n++];
}

static void
store_metrics_flush(json_t *points, int64_t t_ns, struct bucket *b)
{
	json_t	*pt;
	char	 iso[TIMEUTIL_ISO_LEN], k2[80];
	int	 i;

	timeutil_format_utc(t_ns, iso, sizeof(iso));
	pt = json_pack("{s:s}", "t", iso);
	for (i = 0; i < b->n; i++) {
		struct bucket_field *f = &b->f[i];
		if (f->w <= 0)
			continue;
		json_object_set_new(pt, f->key, json_real(f->sum / f->w));
		snprintf(k2, sizeof(k2), "%s_min", f->key);
		json_object_set_new(pt, k2, isfinite(f->min) ?
		    json_real(f->min) : json_null());
		snprintf(k2, sizeof(k2), "%s_max", f->key);
		json_object_set_new(pt, k2, isfinite(f->max) ?
		    json_real(f->max) : json_null());
	}
	b->n = 0;
	json_array_append_new(points, pt);
}

/* Minutes in [from, to) merged into step buckets. */
int
store_metrics_query(struct store *st, int64_t from_ns, int64_t to_ns,
    int64_t step_ms, json_t **jp)
{
	sqlite3_stmt		*stmt = NULL;
	struct bucket		*acc;
	struct bucket_field	*b;
	json_t			*points, *data, *f, *jmin, *jmax;
	const char		*key;
	int64_t			 step_ns, bucket = INT64_MIN, t;
	int			 rc, n;

	if (step_ms < 60000)
		step_ms = 60000;
	step_ns = step_ms * 1000000LL;
	rc = sqlite3_prepare_v2(st->db, "SELECT t_ns, n, data FROM "
	    "metrics_minutes WHERE t_ns >= ? AND t_ns < ? ORDER BY t_ns", -1,
	    &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(stmt, 1, from_ns);
	sqlite3_bind_int64(stmt, 2, to_ns);
	points = json_array();
	acc = xcalloc(1, sizeof(*acc));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		t = sqlite3_column_int64(stmt, 0);
		n = sqlite3_column_int(stmt, 1);
		data = json_loads((const char *)sqlite3_column_text(stmt, 2), 0,
		    NULL);
		if (data == NULL)
			continue;
		if (t - t % step_ns != bucket) {
			if (bucket != INT64_MIN)
				store_metrics_flush(points, bucket, acc);
			bucket = t - t % step_ns;
		}
		json_object_foreach(data, key, f) {
			if (!json_is_number(json_object_get(f, "mean")) ||
			    (b = store_metrics_slot(acc, key)) == NULL)
				continue;
			b->sum += json_number_value(json_object_get(f, "mean")) *
			    n;
			b->w += n;
			jmin = json_object_get(f, "min");
			jmax = json_object_get(f, "max");
			if (json_is_number(jmin) && json_number_value(jmin) <
			    b->min)
				b->min = json_number_value(jmin);
			if (json_is_number(jmax) && json_number_value(jmax) >
			    b->max)
				b->max = json_number_value(jmax);
		}
		json_decref(data);
	}
	if (bucket != INT64_MIN)
		store_metrics_flush(points, bucket, acc);
	free(acc);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(points);
		return store_errno(rc);
	}
	*jp = json_pack("{s:s, s:I, s:o}", "source", "minutes", "step_ms",
	    (json_int_t)step_ms, "points", points);
	return 0;
}
