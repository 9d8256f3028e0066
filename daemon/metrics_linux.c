/* SPDX-License-Identifier: ISC */
/*
 * metrics_linux.c: the Linux metrics backend: /proc (memory, CPU, load,
 * PSI), /sys (hwmon and thermal-zone temperatures, amdgpu, RAPL power) and,
 * when the library is installed, NVIDIA's NVML loaded with dlopen().
 *
 * Every path is opened relative to a root directory so the tests can point
 * the backend at a recorded tree. metrics_backend_open() probes once which
 * files exist and keeps them open; each sample is then a handful of pread()
 * calls. Parsing is in metrics_linux_parse.c. A file that cannot be opened
 * or read leaves its fields null.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "metrics_linux_parse.h"
#include "timeutil.h"
#include "xmalloc.h"

#define METRICS_LINUX_MAXGPU	8
#define METRICS_LINUX_MAXRAPL	16
#define METRICS_LINUX_PATH	512

struct metrics_linux_amd {
	int	busy_fd;		/* gpu_busy_percent, % */
	int	vram_used_fd;		/* bytes */
	int	vram_total_fd;
	int	temp_fd;		/* hwmon temp1_input, m°C */
	int	power_fd;		/* hwmon power1_average/input, µW */
	int	freq_fd;		/* hwmon freq1_input, Hz */
};

struct metrics_linux_rapl {
	int		fd;		/* energy_uj */
	int		rail;
	uint64_t	max_range;
	uint64_t	prev;
	bool		have_prev;
};

/* The NVML subset we use; types as in nvml.h. */
typedef int nvml_return;
typedef void *nvml_device;
struct nvml_utilization {
	unsigned int	gpu;
	unsigned int	memory;
};
struct nvml_memory {
	unsigned long long	total;
	unsigned long long	free;
	unsigned long long	used;
};

struct metrics_linux_nvml {
	void		*lib;
	unsigned int	 ndev;
	nvml_device	 dev[METRICS_LINUX_MAXGPU];
	nvml_return	(*init)(void);
	nvml_return	(*shutdown)(void);
	nvml_return	(*count)(unsigned int *);
	nvml_return	(*handle)(unsigned int, nvml_device *);
	nvml_return	(*util)(nvml_device, struct nvml_utilization *);
	nvml_return	(*mem)(nvml_device, struct nvml_memory *);
	nvml_return	(*temp)(nvml_device, int, unsigned int *);
	nvml_return	(*power)(nvml_device, unsigned int *);
	nvml_return	(*clock)(nvml_device, int, unsigned int *);
	nvml_return	(*name)(nvml_device, char *, unsigned int);
};

struct metrics_backend {
	int			 rootfd;
	bool			 live;		/* root is "/" */
	int			 meminfo_fd;
	int			 stat_fd;
	int			 loadavg_fd;
	int			 psi_mem_fd;
	int			 psi_cpu_fd;
	int			 cpu_temp_fd;	/* m°C */

	struct metrics_linux_cpu cpu_prev;
	bool			 have_cpu_prev;

	struct metrics_linux_amd amd[METRICS_LINUX_MAXGPU];
	int			 namd;
	struct metrics_linux_rapl rapl[METRICS_LINUX_MAXRAPL];
	int			 nrapl;
	struct metrics_energy	 energy[METRICS_NRAILS];
	int64_t			 window_ns;
	struct metrics_linux_nvml nvml;

	uint64_t		 nsamples;
	char			 buf[8192];
};

static int
metrics_linux_open(int rootfd, const char *path)
{
	return openat(rootfd, path, O_RDONLY | O_CLOEXEC);
}

static void
metrics_linux_close(int *fdp)
{
	if (*fdp >= 0)
		close(*fdp);
	*fdp = -1;
}

/* Format a path relative to the root; false if it does not fit. */
static bool __attribute__((format(printf, 3, 4)))
metrics_linux_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

/*
 * Read an open file from its start into buf, NUL-terminated, with one
 * pread(): the files sampled each tick are small and generated whole by the
 * kernel (and /proc/stat is only needed up to its first line).
 */
static int
metrics_linux_pread(int fd, char *buf, size_t len)
{
	ssize_t	n;

	if (fd < 0)
		return -ENOENT;
	do
		n = pread(fd, buf, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Read a small file under root to its end, without trailing newlines. */
static int
metrics_linux_slurp(int rootfd, const char *path, char *buf, size_t len)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd, rc = 0;

	if ((fd = metrics_linux_open(rootfd, path)) < 0)
		return -errno;
	while (off + 1 < len) {
		if ((n = read(fd, buf + off, len - 1 - off)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	if (rc != 0)
		return rc;
	while (off > 0 && (buf[off - 1] == '\n' || buf[off - 1] == ' '))
		buf[--off] = '\0';
	return 0;
}

/* A number from an open sysfs attribute, NAN when unavailable. */
static double
metrics_linux_read_num(struct metrics_backend *b, int fd)
{
	uint64_t	v;

	if (metrics_linux_pread(fd, b->buf, 64) != 0 ||
	    metrics_linux_parse_u64(b->buf, &v) != 0)
		return NAN;
	return (double)v;
}

/* A signed milli-degree temperature file, in °C; NAN when unavailable. */
static float
metrics_linux_read_temp(struct metrics_backend *b, int fd)
{
	long	v;
	char	*end;

	if (metrics_linux_pread(fd, b->buf, 64) != 0)
		return NAN;
	errno = 0;
	v = strtol(b->buf, &end, 10);
	if (errno != 0 || end == b->buf)
		return NAN;
	/* Drivers report -273150 or absurd values for a sensor that is off. */
	if (v <= -100000 || v >= 200000)
		return NAN;
	return (float)v / 1000.0f;
}

static DIR *
metrics_linux_opendir(int rootfd, const char *path)
{
	DIR	*d;
	int	 fd;

	if ((fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* Whether name is prefix followed by digits only. */
static bool
metrics_linux_numbered(const char *name, const char *prefix)
{
	size_t	n = strlen(prefix);

	if (strncmp(name, prefix, n) != 0 || name[n] == '\0')
		return false;
	for (name += n; *name != '\0'; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}

/* Open a path formatted relative to the root; -1 if it does not exist. */
static int __attribute__((format(printf, 2, 3)))
metrics_linux_openf(int rootfd, const char *fmt, ...)
{
	char	path[METRICS_LINUX_PATH];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return metrics_linux_open(rootfd, path);
}

/* Keep path as the best candidate if it scores higher (ties: lower path). */
static void
metrics_linux_better(const char *path, int score, char *best, size_t len,
    int *bestp)
{
	/* readdir order is arbitrary: break ties by name to stay stable. */
	if (score > *bestp || (score > 0 && score == *bestp &&
	    strcmp(path, best) < 0)) {
		*bestp = score;
		snprintf(best, len, "%s", path);
	}
}

/* Score the temp*_input files of one hwmon directory. */
static void
metrics_linux_scan_hwmon(int rootfd, const char *base, char *best,
    size_t len, int *bestp)
{
	char		 path[METRICS_LINUX_PATH], chip[64], label[64];
	DIR		*d;
	struct dirent	*de;
	size_t		 n;

	if (!metrics_linux_path(path, sizeof(path), "%s/name", base) ||
	    metrics_linux_slurp(rootfd, path, chip, sizeof(chip)) != 0)
		return;
	if ((d = metrics_linux_opendir(rootfd, base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (strncmp(de->d_name, "temp", 4) != 0 || n < 11 ||
		    strcmp(de->d_name + n - 6, "_input") != 0)
			continue;
		if (!metrics_linux_path(path, sizeof(path), "%s/%.*s_label",
		    base, (int)(n - 6), de->d_name) ||
		    metrics_linux_slurp(rootfd, path, label,
		    sizeof(label)) != 0)
			label[0] = '\0';
		if (metrics_linux_path(path, sizeof(path), "%s/%s", base,
		    de->d_name))
			metrics_linux_better(path,
			    metrics_linux_cpu_sensor_score(chip, label), best,
			    len, bestp);
	}
	closedir(d);
}

/* The best-scoring CPU temperature among hwmon inputs, then thermal zones. */
static void
metrics_linux_find_cpu_temp(struct metrics_backend *b)
{
	char		 best[METRICS_LINUX_PATH] = "";
	char		 path[METRICS_LINUX_PATH], type[64];
	DIR		*d;
	struct dirent	*de;
	int		 score = 0;

	if ((d = metrics_linux_opendir(b->rootfd, "sys/class/hwmon")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (metrics_linux_numbered(de->d_name, "hwmon") &&
			    metrics_linux_path(path, sizeof(path),
			    "sys/class/hwmon/%s", de->d_name))
				metrics_linux_scan_hwmon(b->rootfd, path, best,
				    sizeof(best), &score);
		closedir(d);
	}
	if (score == 0 && (d = metrics_linux_opendir(b->rootfd,
	    "sys/class/thermal")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (!metrics_linux_numbered(de->d_name,
			    "thermal_zone") ||
			    !metrics_linux_path(path, sizeof(path),
			    "sys/class/thermal/%s/type", de->d_name) ||
			    metrics_linux_slurp(b->rootfd, path, type,
			    sizeof(type)) != 0 ||
			    !metrics_linux_path(path, sizeof(path),
			    "sys/class/thermal/%s/temp", de->d_name))
				continue;
			metrics_linux_better(path,
			    metrics_linux_cpu_zone_score(type), best,
			    sizeof(best), &score);
		}
		closedir(d);
	}
	if (score > 0)
		b->cpu_temp_fd = metrics_linux_open(b->rootfd, best);
}

/* The lowest-numbered hwmon directory of a DRM device; -1 if none. */
static int
metrics_linux_card_hwmon(int rootfd, const char *dev, char *path, size_t len)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[METRICS_LINUX_PATH], first[256] = "";

	if (!metrics_linux_path(dir, sizeof(dir), "%s/hwmon", dev) ||
	    (d = metrics_linux_opendir(rootfd, dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (metrics_linux_numbered(de->d_name, "hwmon") &&
		    (first[0] == '\0' || strcmp(de->d_name, first) < 0))
			snprintf(first, sizeof(first), "%s", de->d_name);
	closedir(d);
	if (first[0] == '\0')
		return -1;
	return metrics_linux_path(path, len, "%s/%s", dir, first) ? 0 : -1;
}

static void
metrics_linux_amd_close(struct metrics_linux_amd *a)
{
	metrics_linux_close(&a->busy_fd);
	metrics_linux_close(&a->vram_used_fd);
	metrics_linux_close(&a->vram_total_fd);
	metrics_linux_close(&a->temp_fd);
	metrics_linux_close(&a->power_fd);
	metrics_linux_close(&a->freq_fd);
}

/* GPUs that report gpu_busy_percent (amdgpu) under sys/class/drm/card*. */
static void
metrics_linux_find_amd(struct metrics_backend *b)
{
	DIR			*d;
	struct dirent		*de;
	char			 dev[METRICS_LINUX_PATH];
	char			 hw[METRICS_LINUX_PATH];
	struct metrics_linux_amd *a;
	int			 fd;

	if ((d = metrics_linux_opendir(b->rootfd, "sys/class/drm")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && b->namd < METRICS_LINUX_MAXGPU) {
		/* "card0" only: "card0-DP-1" and friends are connectors. */
		if (!metrics_linux_numbered(de->d_name, "card") ||
		    !metrics_linux_path(dev, sizeof(dev),
		    "sys/class/drm/%s/device", de->d_name))
			continue;
		if ((fd = metrics_linux_openf(b->rootfd, "%s/gpu_busy_percent",
		    dev)) < 0)
			continue;
		a = &b->amd[b->namd++];
		a->busy_fd = fd;
		a->vram_used_fd = metrics_linux_openf(b->rootfd,
		    "%s/mem_info_vram_used", dev);
		a->vram_total_fd = metrics_linux_openf(b->rootfd,
		    "%s/mem_info_vram_total", dev);
		a->temp_fd = a->power_fd = a->freq_fd = -1;
		if (metrics_linux_card_hwmon(b->rootfd, dev, hw,
		    sizeof(hw)) != 0)
			continue;
		a->temp_fd = metrics_linux_openf(b->rootfd, "%s/temp1_input",
		    hw);
		if ((a->power_fd = metrics_linux_openf(b->rootfd,
		    "%s/power1_average", hw)) < 0)
			a->power_fd = metrics_linux_openf(b->rootfd,
			    "%s/power1_input", hw);
		a->freq_fd = metrics_linux_openf(b->rootfd, "%s/freq1_input",
		    hw);
	}
	closedir(d);
}

/* Whether name is "intel-rapl:N" or "intel-rapl:N:M". */
static bool
metrics_linux_rapl_zone(const char *name)
{
	const char	*p;
	int		 parts = 0;

	if (strncmp(name, "intel-rapl:", 11) != 0)
		return false;
	for (p = name + 11; ; p++) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (*p == '\0')
			return parts <= 2;
		if (*p != ':')
			return false;
	}
}

/* RAPL zones we can read: packages (cpu), dram, psys (system). */
static void
metrics_linux_find_rapl(struct metrics_backend *b)
{
	DIR			*d;
	struct dirent		*de;
	char			 path[METRICS_LINUX_PATH], name[64], num[64];
	struct metrics_linux_rapl *z;
	int			 rail;
	uint64_t		 range;

	if ((d = metrics_linux_opendir(b->rootfd, "sys/class/powercap")) ==
	    NULL)
		return;
	while ((de = readdir(d)) != NULL && b->nrapl < METRICS_LINUX_MAXRAPL) {
		/* intel-rapl:N or intel-rapl:N:M; the -mmio twin duplicates. */
		if (!metrics_linux_rapl_zone(de->d_name))
			continue;
		if (!metrics_linux_path(path, sizeof(path),
		    "sys/class/powercap/%s/name", de->d_name) ||
		    metrics_linux_slurp(b->rootfd, path, name,
		    sizeof(name)) != 0)
			continue;
		if (strncmp(name, "package-", 8) == 0)
			rail = METRICS_RAIL_CPU;
		else if (strcmp(name, "dram") == 0)
			rail = METRICS_RAIL_DRAM;
		else if (strcmp(name, "psys") == 0)
			rail = METRICS_RAIL_SYSTEM;
		else
			continue;
		range = 0;
		if (metrics_linux_path(path, sizeof(path),
		    "sys/class/powercap/%s/max_energy_range_uj", de->d_name) &&
		    metrics_linux_slurp(b->rootfd, path, num, sizeof(num)) == 0)
			(void)metrics_linux_parse_u64(num, &range);
		z = &b->rapl[b->nrapl];
		/* Root-only since CVE-2020-8694 unless a udev rule opens it. */
		if ((z->fd = metrics_linux_openf(b->rootfd,
		    "sys/class/powercap/%s/energy_uj", de->d_name)) < 0)
			continue;
		if (metrics_linux_pread(z->fd, num, sizeof(num)) != 0) {
			metrics_linux_close(&z->fd);
			continue;
		}
		z->rail = rail;
		z->max_range = range;
		z->have_prev = false;
		b->nrapl++;
	}
	closedir(d);
}

#define NVML_SYM(field, sym) \
	(*(void **)&n->field = dlsym(n->lib, sym))

/* Load NVML if the driver installed it; quietly nothing otherwise. */
static void
metrics_linux_nvml_open(struct metrics_backend *b)
{
	struct metrics_linux_nvml	*n = &b->nvml;
	unsigned int			 i, count;

	if ((n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL)) ==
	    NULL)
		return;
	/* nvml.h maps the plain names to _v2; ask for those explicitly. */
	if (NVML_SYM(init, "nvmlInit_v2") == NULL ||
	    NVML_SYM(shutdown, "nvmlShutdown") == NULL ||
	    NVML_SYM(count, "nvmlDeviceGetCount_v2") == NULL ||
	    NVML_SYM(handle, "nvmlDeviceGetHandleByIndex_v2") == NULL)
		goto fail;
	NVML_SYM(util, "nvmlDeviceGetUtilizationRates");
	NVML_SYM(mem, "nvmlDeviceGetMemoryInfo");
	NVML_SYM(temp, "nvmlDeviceGetTemperature");
	NVML_SYM(power, "nvmlDeviceGetPowerUsage");
	NVML_SYM(clock, "nvmlDeviceGetClockInfo");
	NVML_SYM(name, "nvmlDeviceGetName");
	if (n->init() != 0) {
		log_info("metrics: NVML present but nvmlInit failed");
		goto fail;
	}
	if (n->count(&count) != 0)
		count = 0;
	for (i = 0; i < count && n->ndev < METRICS_LINUX_MAXGPU; i++)
		if (n->handle(i, &n->dev[n->ndev]) == 0)
			n->ndev++;
	if (n->ndev == 0) {
		n->shutdown();
		goto fail;
	}
	log_debug("metrics: NVML with %u device(s)", n->ndev);
	return;
fail:
	dlclose(n->lib);
	memset(n, 0, sizeof(*n));
}

/* Open the Linux backend on root ("/" in production). */
int
metrics_backend_open(const char *root, struct metrics_backend **bp)
{
	struct metrics_backend	*b;
	int			 i, rc;

	if (root == NULL)
		root = "/";
	b = xcalloc(1, sizeof(*b));
	b->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0) {
		rc = -errno;
		free(b);
		return rc;
	}
	b->live = strcmp(root, "/") == 0;
	b->window_ns = (int64_t)METRICS_POWER_WINDOW_MS * 1000000;
	b->meminfo_fd = metrics_linux_open(b->rootfd, "proc/meminfo");
	b->stat_fd = metrics_linux_open(b->rootfd, "proc/stat");
	b->loadavg_fd = metrics_linux_open(b->rootfd, "proc/loadavg");
	b->psi_mem_fd = metrics_linux_open(b->rootfd, "proc/pressure/memory");
	b->psi_cpu_fd = metrics_linux_open(b->rootfd, "proc/pressure/cpu");
	b->cpu_temp_fd = -1;
	for (i = 0; i < METRICS_NRAILS; i++)
		metrics_energy_reset(&b->energy[i]);
	metrics_linux_find_cpu_temp(b);
	metrics_linux_find_amd(b);
	metrics_linux_find_rapl(b);
	if (b->live)
		metrics_linux_nvml_open(b);
	if (b->meminfo_fd < 0)
		log_warnx("metrics: %s: no proc/meminfo", root);
	*bp = b;
	return 0;
}

/* Shortest power window. */
void
metrics_backend_set_power_window(struct metrics_backend *b, uint32_t ms)
{
	b->window_ns = (int64_t)ms * 1000000;
}

struct metrics_linux_gpu {
	double	util_sum;
	int	util_n;
	double	mem_used, mem_total, power, mhz, temp;
};

static void
metrics_linux_gpu_add(double *sum, double v)
{
	if (isnan(v))
		return;
	*sum = isnan(*sum) ? v : *sum + v;
}

static void
metrics_linux_gpu_max(double *m, double v)
{
	if (!isnan(v) && (isnan(*m) || v > *m))
		*m = v;
}

static void
metrics_linux_sample_amd(struct metrics_backend *b, struct metrics_linux_gpu *g)
{
	struct metrics_linux_amd	*a;
	double				 v;
	int				 i;

	for (i = 0; i < b->namd; i++) {
		a = &b->amd[i];
		if (!isnan(v = metrics_linux_read_num(b, a->busy_fd)) &&
		    v <= 100) {
			g->util_sum += v;
			g->util_n++;
		}
		metrics_linux_gpu_add(&g->mem_used,
		    metrics_linux_read_num(b, a->vram_used_fd));
		metrics_linux_gpu_add(&g->mem_total,
		    metrics_linux_read_num(b, a->vram_total_fd));
		metrics_linux_gpu_add(&g->power,
		    metrics_linux_read_num(b, a->power_fd) / 1e6);
		metrics_linux_gpu_max(&g->mhz,
		    metrics_linux_read_num(b, a->freq_fd) / 1e6);
		metrics_linux_gpu_max(&g->temp,
		    metrics_linux_read_temp(b, a->temp_fd));
	}
}

static void
metrics_linux_sample_nvml(struct metrics_backend *b,
    struct metrics_linux_gpu *g)
{
	struct metrics_linux_nvml	*n = &b->nvml;
	struct nvml_utilization		 u;
	struct nvml_memory		 m;
	unsigned int			 i, v;

	for (i = 0; i < n->ndev; i++) {
		if (n->util != NULL && n->util(n->dev[i], &u) == 0 &&
		    u.gpu <= 100) {
			g->util_sum += u.gpu;
			g->util_n++;
		}
		if (n->mem != NULL && n->mem(n->dev[i], &m) == 0) {
			metrics_linux_gpu_add(&g->mem_used, (double)m.used);
			metrics_linux_gpu_add(&g->mem_total, (double)m.total);
		}
		/* NVML_TEMPERATURE_GPU = 0, NVML_CLOCK_GRAPHICS = 0. */
		if (n->temp != NULL && n->temp(n->dev[i], 0, &v) == 0)
			metrics_linux_gpu_max(&g->temp, v);
		if (n->power != NULL && n->power(n->dev[i], &v) == 0)
			metrics_linux_gpu_add(&g->power, v / 1e3);
		if (n->clock != NULL && n->clock(n->dev[i], 0, &v) == 0)
			metrics_linux_gpu_max(&g->mhz, v);
	}
}

static void
metrics_linux_sample_rapl(struct metrics_backend *b, int64_t mono,
    struct metrics_sample *s)
{
	struct metrics_linux_rapl	*z;
	double				 j[METRICS_NRAILS];
	bool				 has[METRICS_NRAILS] = { false };
	bool				 moved[METRICS_NRAILS] = { false };
	uint64_t			 cur, d;
	int				 i;

	for (i = 0; i < METRICS_NRAILS; i++)
		j[i] = 0;
	for (i = 0; i < b->nrapl; i++) {
		z = &b->rapl[i];
		has[z->rail] = true;
		if (metrics_linux_pread(z->fd, b->buf, 64) != 0 ||
		    metrics_linux_parse_u64(b->buf, &cur) != 0)
			continue;
		if (z->have_prev &&
		    metrics_linux_rapl_delta(z->prev, cur, z->max_range, &d) ==
		    0) {
			j[z->rail] += (double)d / 1e6;
			moved[z->rail] = true;
		}
		z->prev = cur;
		z->have_prev = true;
	}
	for (i = 0; i < METRICS_NRAILS; i++) {
		if (!has[i])
			continue;
		s->power_w[i] = metrics_energy_add(&b->energy[i],
		    moved[i] ? j[i] : NAN, mono, b->window_ns,
		    (int64_t)METRICS_POWER_MAXWINDOW_MS * 1000000);
	}
}

/* Take one sample. */
int
metrics_backend_sample(struct metrics_backend *b, struct metrics_sample *s)
{
	struct metrics_linux_cpu	cur;
	struct metrics_linux_gpu	g = { 0, 0, NAN, NAN, NAN, NAN, NAN };
	int64_t				mono;
	float				some, full;

	metrics_sample_init(s, timeutil_now_ns());
	mono = (int64_t)timeutil_mono_ns();

	if (metrics_linux_pread(b->meminfo_fd, b->buf, sizeof(b->buf)) == 0)
		(void)metrics_linux_parse_meminfo(b->buf, s);

	if (metrics_linux_pread(b->stat_fd, b->buf, 4096) == 0 &&
	    metrics_linux_parse_stat(b->buf, &cur) == 0) {
		if (b->have_cpu_prev)
			s->cpu_pct = metrics_linux_cpu_pct(&b->cpu_prev, &cur);
		b->cpu_prev = cur;
		b->have_cpu_prev = true;
	}

	if (metrics_linux_pread(b->loadavg_fd, b->buf, 256) == 0)
		(void)metrics_linux_parse_loadavg(b->buf, s->load);

	if (metrics_linux_pread(b->psi_mem_fd, b->buf, 512) == 0 &&
	    metrics_linux_parse_psi(b->buf, &some, &full) == 0) {
		s->mem_psi_some = some;
		s->mem_psi_full = full;
		s->mem_pressure = (int8_t)metrics_linux_mem_pressure(some,
		    full);
	}
	if (metrics_linux_pread(b->psi_cpu_fd, b->buf, 512) == 0 &&
	    metrics_linux_parse_psi(b->buf, &some, &full) == 0)
		s->cpu_psi_some = some;

	s->cpu_temp_c = metrics_linux_read_temp(b, b->cpu_temp_fd);

	metrics_linux_sample_amd(b, &g);
	metrics_linux_sample_nvml(b, &g);
	if (g.util_n > 0)
		s->gpu_pct = (float)(g.util_sum / g.util_n);
	s->gpu_mem_used = g.mem_used;
	s->gpu_mem_total = g.mem_total;
	s->gpu_mhz = (float)g.mhz;
	s->gpu_temp_c = (float)g.temp;

	metrics_linux_sample_rapl(b, mono, s);
	/* Power appears from the second sample on, gauges included. */
	if (b->nsamples > 0 && !isnan(g.power))
		s->power_w[METRICS_RAIL_GPU] = (float)g.power;
	b->nsamples++;
	return 0;
}

/* Describe the machine. */
int
metrics_backend_system(struct metrics_backend *b, struct metrics_system *sys)
{
	struct metrics_sample	 s;
	struct utsname		 un;
	char			*text;
	int			 n;
	size_t			 len = 1 << 20;

	memset(sys, 0, sizeof(*sys));
	sys->cpus_logical = sys->cpus_physical = sys->gpu_cores = -1;
	sys->mem_total = NAN;

	text = xmalloc(len);
	if (metrics_linux_slurp(b->rootfd, "proc/cpuinfo", text, len) == 0)
		metrics_linux_parse_cpuinfo(text, sys->chip, sizeof(sys->chip),
		    &sys->cpus_logical, &sys->cpus_physical);
	if (sys->cpus_logical < 0 && metrics_linux_slurp(b->rootfd,
	    "sys/devices/system/cpu/online", text, len) == 0 &&
	    (n = metrics_linux_parse_cpulist(text)) > 0)
		sys->cpus_logical = n;
	if (metrics_linux_slurp(b->rootfd, "etc/os-release", text, len) == 0 ||
	    metrics_linux_slurp(b->rootfd, "usr/lib/os-release", text,
	    len) == 0)
		metrics_linux_parse_os_release(text, sys->os_name,
		    sizeof(sys->os_name), sys->os_version,
		    sizeof(sys->os_version));
	free(text);
	if (sys->os_name[0] == '\0')
		snprintf(sys->os_name, sizeof(sys->os_name), "Linux");

	/* Intel hybrid parts list their core types as PMU devices. */
	sys->nclusters = 0;
	if (metrics_linux_slurp(b->rootfd, "sys/devices/cpu_atom/cpus",
	    b->buf, sizeof(b->buf)) == 0 &&
	    (n = metrics_linux_parse_cpulist(b->buf)) > 0) {
		sys->clusters[sys->nclusters].label = 'E';
		snprintf(sys->clusters[sys->nclusters].name,
		    sizeof(sys->clusters[0].name), "Efficiency");
		sys->clusters[sys->nclusters++].cpus = n;
	}
	if (metrics_linux_slurp(b->rootfd, "sys/devices/cpu_core/cpus",
	    b->buf, sizeof(b->buf)) == 0 &&
	    (n = metrics_linux_parse_cpulist(b->buf)) > 0) {
		sys->clusters[sys->nclusters].label = 'P';
		snprintf(sys->clusters[sys->nclusters].name,
		    sizeof(sys->clusters[0].name), "Performance");
		sys->clusters[sys->nclusters++].cpus = n;
	}

	if (metrics_linux_slurp(b->rootfd, "sys/class/dmi/id/product_name",
	    sys->model, sizeof(sys->model)) != 0 &&
	    metrics_linux_slurp(b->rootfd, "sys/firmware/devicetree/base/model",
	    sys->model, sizeof(sys->model)) != 0)
		sys->model[0] = '\0';
	if (metrics_linux_slurp(b->rootfd, "proc/sys/kernel/osrelease",
	    sys->kernel, sizeof(sys->kernel)) != 0)
		sys->kernel[0] = '\0';
	if (metrics_linux_slurp(b->rootfd, "proc/sys/kernel/hostname",
	    sys->hostname, sizeof(sys->hostname)) != 0)
		sys->hostname[0] = '\0';
	if (metrics_linux_slurp(b->rootfd, "proc/sys/kernel/arch",
	    sys->arch, sizeof(sys->arch)) != 0)
		sys->arch[0] = '\0';
	if (b->live && uname(&un) == 0) {
		if (sys->kernel[0] == '\0')
			snprintf(sys->kernel, sizeof(sys->kernel), "%s",
			    un.release);
		if (sys->hostname[0] == '\0')
			snprintf(sys->hostname, sizeof(sys->hostname), "%s",
			    un.nodename);
		if (sys->arch[0] == '\0')
			snprintf(sys->arch, sizeof(sys->arch), "%.31s",
			    un.machine);
	}

	metrics_sample_init(&s, 0);
	if (metrics_linux_pread(b->meminfo_fd, b->buf, sizeof(b->buf)) == 0 &&
	    metrics_linux_parse_meminfo(b->buf, &s) == 0)
		sys->mem_total = s.mem_total;

	if (b->nvml.ndev > 0 && b->nvml.name != NULL &&
	    b->nvml.name(b->nvml.dev[0], sys->gpu_name,
	    sizeof(sys->gpu_name)) != 0)
		sys->gpu_name[0] = '\0';
	return 0;
}

/* Close every descriptor and unload NVML; accepts NULL. */
void
metrics_backend_close(struct metrics_backend *b)
{
	int	i;

	if (b == NULL)
		return;
	metrics_linux_close(&b->meminfo_fd);
	metrics_linux_close(&b->stat_fd);
	metrics_linux_close(&b->loadavg_fd);
	metrics_linux_close(&b->psi_mem_fd);
	metrics_linux_close(&b->psi_cpu_fd);
	metrics_linux_close(&b->cpu_temp_fd);
	for (i = 0; i < b->namd; i++)
		metrics_linux_amd_close(&b->amd[i]);
	for (i = 0; i < b->nrapl; i++)
		metrics_linux_close(&b->rapl[i].fd);
	if (b->nvml.lib != NULL) {
		b->nvml.shutdown();
		dlclose(b->nvml.lib);
	}
	metrics_linux_close(&b->rootfd);
	free(b);
}
