/* SPDX-License-Identifier: ISC */
/*
 * metrics_prom.c: the system metrics in Prometheus text exposition format
 * 0.0.4, and the small growable buffer it writes into.
 *
 * Every family carries HELP and TYPE lines and is in base units: bytes,
 * ratios 0-1 (the sample holds percentages), watts, degrees Celsius, hertz.
 * A null value has no line; a family with no value at all has no HELP/TYPE
 * either. Numbers are printed with the C locale's decimal point, which the
 * daemon never changes.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "xmalloc.h"

struct metrics_prom_lv {
	const char	*labels;
	double		 v;
};

/* Append printf-formatted text. */
void
metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;
	size_t	need;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	need = b->len + (size_t)n + 1;
	if (need > b->cap) {
		b->cap = b->cap == 0 ? 1024 : b->cap;
		while (b->cap < need)
			b->cap *= 2;
		b->data = xrealloc(b->data, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Release the buffer's memory and zero it; accepts an empty buffer. */
void
metrics_buf_free(struct metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Append the HELP and TYPE lines of a family. */
void
metrics_prom_header(struct metrics_buf *b, const char *name, const char *type,
    const char *help)
{
	metrics_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* Append one sample line; whole numbers print without an exponent. */
void
metrics_prom_value(struct metrics_buf *b, const char *name,
    const char *labels, double v)
{
	char	num[64];

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), "%.6g", v);
	if (labels != NULL && *labels != '\0')
		metrics_buf_printf(b, "%s{%s} %s\n", name, labels, num);
	else
		metrics_buf_printf(b, "%s %s\n", name, num);
}

static void
metrics_prom_family(struct metrics_buf *b, const char *name, const char *help,
    const struct metrics_prom_lv *lv, size_t n)
{
	size_t	i;
	bool	any = false;

	for (i = 0; i < n; i++)
		if (!isnan(lv[i].v))
			any = true;
	if (!any)
		return;
	metrics_prom_header(b, name, "gauge", help);
	for (i = 0; i < n; i++)
		if (!isnan(lv[i].v))
			metrics_prom_value(b, name, lv[i].labels, lv[i].v);
}

static void
metrics_prom_one(struct metrics_buf *b, const char *name, const char *help,
    double v)
{
	struct metrics_prom_lv	lv = { NULL, v };

	metrics_prom_family(b, name, help, &lv, 1);
}

/* Append every system metric of s. */
void
metrics_prom_append(const struct metrics_sample *s, struct metrics_buf *b)
{
	struct metrics_prom_lv	 lv[8];
	char			 cl[METRICS_MAXCLUSTERS][24];
	char			 rl[METRICS_NRAILS][24];
	size_t			 n;
	int			 i;

	metrics_prom_one(b, "mlxd_memory_total_bytes",
	    "Physical memory.", s->mem_total);
	metrics_prom_one(b, "mlxd_memory_used_bytes",
	    "Memory in use (macOS: app + wired + compressed; Linux: total - "
	    "available).", s->mem_used);
	metrics_prom_one(b, "mlxd_memory_available_bytes",
	    "Memory available for new allocations without swapping.",
	    s->mem_available);
	metrics_prom_one(b, "mlxd_memory_wired_bytes",
	    "Wired (unpageable) memory.", s->mem_wired);
	metrics_prom_one(b, "mlxd_memory_compressed_bytes",
	    "Memory occupied by compressed pages.", s->mem_compressed);
	metrics_prom_one(b, "mlxd_swap_total_bytes",
	    "Swap space.", s->swap_total);
	metrics_prom_one(b, "mlxd_swap_used_bytes",
	    "Swap space in use.", s->swap_used);
	metrics_prom_one(b, "mlxd_memory_pressure_level",
	    "Memory pressure: 0 normal, 1 warning, 2 critical.",
	    metrics_field_get(s, METRICS_F_MEM_PRESSURE));

	lv[0] = (struct metrics_prom_lv){ "resource=\"memory\",kind=\"some\"",
	    s->mem_psi_some / 100.0 };
	lv[1] = (struct metrics_prom_lv){ "resource=\"memory\",kind=\"full\"",
	    s->mem_psi_full / 100.0 };
	lv[2] = (struct metrics_prom_lv){ "resource=\"cpu\",kind=\"some\"",
	    s->cpu_psi_some / 100.0 };
	metrics_prom_family(b, "mlxd_pressure_stall_ratio",
	    "Share of the last 10 s in which tasks stalled on the resource "
	    "(Linux PSI avg10).", lv, 3);

	n = 0;
	lv[n++] = (struct metrics_prom_lv){ "cluster=\"all\"",
	    s->cpu_pct / 100.0 };
	for (i = 0; i < METRICS_MAXCLUSTERS; i++) {
		if (s->cluster_label[i] == '\0')
			continue;
		snprintf(cl[i], sizeof(cl[i]), "cluster=\"%c\"",
		    s->cluster_label[i]);
		lv[n++] = (struct metrics_prom_lv){ cl[i],
		    s->cpu_cluster_pct[i] / 100.0 };
	}
	metrics_prom_family(b, "mlxd_cpu_utilization_ratio",
	    "CPU busy share over the last sampling interval.", lv, n);

	lv[0] = (struct metrics_prom_lv){ "period=\"1m\"", s->load[0] };
	lv[1] = (struct metrics_prom_lv){ "period=\"5m\"", s->load[1] };
	lv[2] = (struct metrics_prom_lv){ "period=\"15m\"", s->load[2] };
	metrics_prom_family(b, "mlxd_load_average",
	    "System load average.", lv, 3);

	metrics_prom_one(b, "mlxd_gpu_utilization_ratio",
	    "GPU busy share.", s->gpu_pct / 100.0);
	metrics_prom_one(b, "mlxd_gpu_memory_used_bytes",
	    "Memory in use by the GPU (Apple: system memory attributed to GPU "
	    "clients).", s->gpu_mem_used);
	metrics_prom_one(b, "mlxd_gpu_memory_total_bytes",
	    "Dedicated GPU memory.", s->gpu_mem_total);
	metrics_prom_one(b, "mlxd_gpu_frequency_hertz",
	    "Average GPU clock while active.", s->gpu_mhz * 1e6);

	for (i = 0; i < METRICS_NRAILS; i++) {
		snprintf(rl[i], sizeof(rl[i]), "rail=\"%s\"",
		    metrics_rail_name((enum metrics_rail)i));
		lv[i] = (struct metrics_prom_lv){ rl[i], s->power_w[i] };
	}
	metrics_prom_family(b, "mlxd_power_watts",
	    "Average power over the last power window.", lv, METRICS_NRAILS);

	metrics_prom_one(b, "mlxd_thermal_pressure_level",
	    "Thermal pressure: 0 nominal, 1 moderate, 2 heavy, 3 trapping, "
	    "4 sleeping.", metrics_field_get(s, METRICS_F_THERMAL));

	lv[0] = (struct metrics_prom_lv){ "sensor=\"cpu\"", s->cpu_temp_c };
	lv[1] = (struct metrics_prom_lv){ "sensor=\"gpu\"", s->gpu_temp_c };
	metrics_prom_family(b, "mlxd_temperature_celsius",
	    "Temperature.", lv, 2);
}
