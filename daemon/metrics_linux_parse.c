/* SPDX-License-Identifier: ISC */
/*
 * metrics_linux_parse.c: text parsers for /proc and /sys files and the
 * arithmetic on their counters, free of I/O so that the unit tests can feed
 * them recorded files on any OS. metrics_linux.c does the reading.
 *
 * Parsers never trust the text: a missing or malformed line leaves the value
 * null (NAN) instead of guessing.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_linux_parse.h"

/* Find "key" at the start of a line; returns what follows it, or NULL. */
static const char *
metrics_linux_line(const char *text, const char *key)
{
	const char	*p = text;
	size_t		 klen = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0)
			return p + klen;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* A "Key:   123 kB" line of /proc/meminfo in bytes, NAN if absent. */
static double
metrics_linux_meminfo_kb(const char *text, const char *key)
{
	const char		*p;
	char			*end;
	unsigned long long	 v;

	if ((p = metrics_linux_line(text, key)) == NULL)
		return NAN;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return NAN;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return NAN;
	while (*end == ' ')
		end++;
	/* Every size line is in kB; anything else is not ours to guess. */
	if (strncmp(end, "kB", 2) != 0)
		return NAN;
	return (double)v * 1024.0;
}

/* /proc/meminfo into the memory fields of s. */
int
metrics_linux_parse_meminfo(const char *text, struct metrics_sample *s)
{
	double	total, avail, swt, swf, zs;

	total = metrics_linux_meminfo_kb(text, "MemTotal:");
	if (isnan(total))
		return -EINVAL;
	s->mem_total = total;
	avail = metrics_linux_meminfo_kb(text, "MemAvailable:");
	if (!isnan(avail) && avail <= total) {
		s->mem_available = avail;
		s->mem_used = total - avail;
	}
	swt = metrics_linux_meminfo_kb(text, "SwapTotal:");
	swf = metrics_linux_meminfo_kb(text, "SwapFree:");
	if (!isnan(swt)) {
		s->swap_total = swt;
		if (!isnan(swf) && swf <= swt)
			s->swap_used = swt - swf;
	}
	zs = metrics_linux_meminfo_kb(text, "Zswap:");
	if (!isnan(zs))
		s->mem_compressed = zs;
	return 0;
}

/* The aggregate cpu line of /proc/stat. */
int
metrics_linux_parse_stat(const char *text, struct metrics_linux_cpu *c)
{
	const char		*p;
	char			*end;
	unsigned long long	 v[10] = { 0 };
	uint64_t		 total;
	int			 n;

	if ((p = metrics_linux_line(text, "cpu ")) == NULL)
		return -EINVAL;
	for (n = 0; n < 10; n++) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		v[n] = strtoull(p, &end, 10);
		p = end;
	}
	/* user nice system idle are in every kernel since 2.4. */
	if (n < 4)
		return -EINVAL;
	/* guest and guest_nice (v[8], v[9]) are already in user and nice. */
	total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	c->total = total;
	c->busy = total - v[3] - v[4];
	return 0;
}

/* Busy % between two /proc/stat readings. */
float
metrics_linux_cpu_pct(const struct metrics_linux_cpu *prev,
    const struct metrics_linux_cpu *cur)
{
	uint64_t	dt, db;

	if (cur->total <= prev->total)
		return NAN;
	dt = cur->total - prev->total;
	/* iowait may step backwards on NO_HZ kernels; clamp instead. */
	db = cur->busy > prev->busy ? cur->busy - prev->busy : 0;
	if (db > dt)
		db = dt;
	return (float)(100.0 * (double)db / (double)dt);
}

/* /proc/loadavg. */
int
metrics_linux_parse_loadavg(const char *text, float load[3])
{
	double	a, b, c;

	if (sscanf(text, "%lf %lf %lf", &a, &b, &c) != 3 || a < 0 || b < 0 ||
	    c < 0)
		return -EINVAL;
	load[0] = (float)a;
	load[1] = (float)b;
	load[2] = (float)c;
	return 0;
}

static float
metrics_linux_psi_avg10(const char *text, const char *kind)
{
	const char	*p;
	double		 v;

	if ((p = metrics_linux_line(text, kind)) == NULL)
		return NAN;
	if (sscanf(p, " avg10=%lf", &v) != 1 || v < 0)
		return NAN;
	return (float)v;
}

/* A /proc/pressure file: some/full avg10 in percent. */
int
metrics_linux_parse_psi(const char *text, float *somep, float *fullp)
{
	float	some, full;

	some = metrics_linux_psi_avg10(text, "some ");
	if (isnan(some))
		return -EINVAL;
	full = metrics_linux_psi_avg10(text, "full ");
	*somep = some;
	*fullp = full;
	return 0;
}

/* Pressure level from PSI memory avg10. */
int
metrics_linux_mem_pressure(float some, float full)
{
	if (isnan(some))
		return -1;
	if (!isnan(full) && full >= 10.0f)
		return METRICS_MEM_PRESSURE_CRITICAL;
	if (some >= 10.0f)
		return METRICS_MEM_PRESSURE_WARNING;
	return METRICS_MEM_PRESSURE_NORMAL;
}

/* Count the CPUs in a cpulist. */
int
metrics_linux_parse_cpulist(const char *text)
{
	const char	*p = text;
	char		*end;
	long		 a, b;
	int		 n = 0;

	while (*p != '\0' && *p != '\n') {
		if (!isdigit((unsigned char)*p))
			return -1;
		a = strtol(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (b < a || b - a > 65536)
			return -1;
		n += (int)(b - a + 1);
		if (*p == ',')
			p++;
		else if (*p != '\0' && *p != '\n')
			return -1;
	}
	return n;
}

/* First unsigned decimal in text. */
int
metrics_linux_parse_u64(const char *text, uint64_t *vp)
{
	char			*end;
	unsigned long long	 v;

	while (*text == ' ' || *text == '\t')
		text++;
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -EINVAL;
	*vp = v;
	return 0;
}

/* Copy the value of an os-release KEY=value line, unquoted. */
static void
metrics_linux_osr_value(const char *text, const char *key, char *out,
    size_t len)
{
	const char	*p;
	char		 q = '\0';
	size_t		 n = 0;

	out[0] = '\0';
	if (len == 0 || (p = metrics_linux_line(text, key)) == NULL)
		return;
	if (*p == '"' || *p == '\'')
		q = *p++;
	for (; *p != '\0' && *p != '\n' && n + 1 < len; p++) {
		if (q != '\0' && *p == q)
			break;
		if (q == '"' && *p == '\\' && p[1] != '\0' && p[1] != '\n')
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
}

/* NAME and VERSION_ID of os-release. */
void
metrics_linux_parse_os_release(const char *text, char *name, size_t namelen,
    char *version, size_t versionlen)
{
	metrics_linux_osr_value(text, "NAME=", name, namelen);
	metrics_linux_osr_value(text, "VERSION_ID=", version, versionlen);
}

/* Value of a "key\t: value" line starting at p, trimmed, into out. */
static void
metrics_linux_cpuinfo_value(const char *p, char *out, size_t len)
{
	size_t	n = 0;

	if ((p = strchr(p, ':')) == NULL) {
		out[0] = '\0';
		return;
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\0' && *p != '\n' && n + 1 < len)
		out[n++] = *p++;
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
}

/* Model, logical CPU count and physical core count from /proc/cpuinfo. */
void
metrics_linux_parse_cpuinfo(const char *text, char *model, size_t modellen,
    int *logicalp, int *physicalp)
{
	const char	*p = text;
	char		 val[128], hw[128] = "";
	long		 phys = 0, core, pairs[1024][2];
	int		 logical = 0, npairs = 0, i, have_core = 0;

	model[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, "processor", 9) == 0 &&
		    (p[9] == '\t' || p[9] == ' ' || p[9] == ':'))
			logical++;
		else if (strncmp(p, "model name", 10) == 0 &&
		    model[0] == '\0')
			metrics_linux_cpuinfo_value(p, model, modellen);
		else if (strncmp(p, "Hardware", 8) == 0 && hw[0] == '\0')
			metrics_linux_cpuinfo_value(p, hw, sizeof(hw));
		else if (strncmp(p, "physical id", 11) == 0) {
			metrics_linux_cpuinfo_value(p, val, sizeof(val));
			phys = strtol(val, NULL, 10);
		} else if (strncmp(p, "core id", 7) == 0) {
			metrics_linux_cpuinfo_value(p, val, sizeof(val));
			core = strtol(val, NULL, 10);
			have_core = 1;
			for (i = 0; i < npairs; i++)
				if (pairs[i][0] == phys && pairs[i][1] == core)
					break;
			if (i == npairs && npairs < 1024) {
				pairs[npairs][0] = phys;
				pairs[npairs][1] = core;
				npairs++;
			}
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	if (model[0] == '\0' && hw[0] != '\0')
		snprintf(model, modellen, "%s", hw);
	*logicalp = logical > 0 ? logical : -1;
	*physicalp = have_core ? npairs : -1;
}

/* How well a hwmon input stands for the CPU temperature. */
int
metrics_linux_cpu_sensor_score(const char *chip, const char *label)
{
	if (strcmp(chip, "coretemp") == 0) {
		if (strncmp(label, "Package id", 10) == 0)
			return 30;
		return strncmp(label, "Core", 4) == 0 ? 10 : 5;
	}
	if (strcmp(chip, "k10temp") == 0 || strcmp(chip, "zenpower") == 0) {
		if (strcmp(label, "Tdie") == 0)
			return 30;
		if (strcmp(label, "Tctl") == 0)
			return 25;
		if (*label == '\0')
			return 20;
		return strncmp(label, "Tccd", 4) == 0 ? 10 : 5;
	}
	if (strcmp(label, "SoC Temperature") == 0)
		return 15;
	if (strstr(chip, "cpu") != NULL)
		return 20;
	if (strcmp(chip, "soc_thermal") == 0)
		return 15;
	return 0;
}

/* How well a thermal zone stands for the CPU temperature. */
int
metrics_linux_cpu_zone_score(const char *type)
{
	if (strcmp(type, "x86_pkg_temp") == 0)
		return 30;
	if (strstr(type, "cpu") != NULL)
		return 20;
	if (strncmp(type, "soc", 3) == 0)
		return 15;
	return 0;
}

/* RAPL µJ between two readings, allowing one wrap. */
int
metrics_linux_rapl_delta(uint64_t prev, uint64_t cur, uint64_t max_range,
    uint64_t *deltap)
{
	if (cur >= prev) {
		*deltap = cur - prev;
		return 0;
	}
	if (max_range == 0 || prev > max_range)
		return -ERANGE;
	*deltap = (max_range - prev) + cur;
	return 0;
}
