/* SPDX-License-Identifier: ISC */
/*
 * metrics_darwin.c: the macOS metrics backend, unprivileged: mach
 * (host_statistics64, host_processor_info), sysctl, the IORegistry
 * (IOAccelerator statistics, cpu cluster types, pmgr frequency tables),
 * IOReport (Energy Model power, GPU residency) loaded with dlopen(), the
 * SMC (smc_darwin.c: die temperatures on M2 and later, system power), IOHID
 * temperature services looked up with dlsym() (die temperatures on M1,
 * whose SMC has no such keys), and notify(3) for thermal pressure.
 *
 * This file only gathers raw values; every formula is in
 * metrics_darwin_calc.c, which the unit tests check on any OS. Each source
 * is optional: what cannot be opened stays null. IOReport and the sensors
 * cost a few milliseconds, so they are read at most once per power window
 * and held in between; memory counters are read at most once a second,
 * because the kernel rate-limits host_statistics64 for non-Apple processes.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/sysctl.h>
#include <sys/utsname.h>

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <notify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_host.h>
#include <mach/mig_errors.h>
#include <mach/processor_info.h>
#include <mach/vm_statistics.h>

#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>

#include "log.h"
#include "metrics.h"
#include "metrics_darwin_calc.h"
#include "smc.h"
#include "timeutil.h"
#include "xmalloc.h"

#ifndef MIG_ARRAY_TOO_LARGE
#define MIG_ARRAY_TOO_LARGE	-307
#endif

#define METRICS_DARWIN_MAXCPU	256
#define METRICS_DARWIN_MAXDVFS	64
#define METRICS_DARWIN_MAXHID	64
#define METRICS_DARWIN_VMWORDS	256

/* libIOReport, as declared by the tools that use it (private API). */
typedef CFTypeRef ioreport_sub;
struct metrics_ioreport {
	void			*lib;
	CFMutableDictionaryRef	(*copy_group)(CFStringRef, CFStringRef,
				    uint64_t, uint64_t, uint64_t);
	void			(*merge)(CFMutableDictionaryRef,
				    CFDictionaryRef, CFTypeRef);
	ioreport_sub		(*subscribe)(void *, CFMutableDictionaryRef,
				    CFMutableDictionaryRef *, uint64_t,
				    CFTypeRef);
	CFDictionaryRef		(*samples)(ioreport_sub,
				    CFMutableDictionaryRef, CFTypeRef);
	CFDictionaryRef		(*delta)(CFDictionaryRef, CFDictionaryRef,
				    CFTypeRef);
	CFStringRef		(*group)(CFDictionaryRef);
	CFStringRef		(*subgroup)(CFDictionaryRef);
	CFStringRef		(*name)(CFDictionaryRef);
	CFStringRef		(*unit)(CFDictionaryRef);
	int64_t			(*simple)(CFDictionaryRef, int32_t);
	int32_t			(*state_count)(CFDictionaryRef);
	CFStringRef		(*state_name)(CFDictionaryRef, int32_t);
	int64_t			(*residency)(CFDictionaryRef, int32_t);

	CFMutableDictionaryRef	 wanted;
	CFMutableDictionaryRef	 subscribed;
	ioreport_sub		 sub;
	CFDictionaryRef		 prev;
	int64_t			 prev_ns;	/* monotonic */
};

/* IOHIDEventSystemClient, exported by IOKit (private API). */
struct metrics_hid {
	CFTypeRef		 client;
	CFTypeRef		 svc[METRICS_DARWIN_MAXHID];
	int			 kind[METRICS_DARWIN_MAXHID];
	int			 nsvc;
	CFTypeRef		(*copy_event)(CFTypeRef, int64_t, int32_t,
				    int64_t);
	double			(*event_float)(CFTypeRef, int32_t);
};

struct metrics_backend {
	mach_port_t		 host;
	uint64_t		 page_size;
	uint64_t		 memsize;

	/* Held between host_statistics64 calls. */
	int64_t			 mem_ns;
	bool			 mem_ok;
	double			 mem_used, mem_avail, mem_wired, mem_compr;

	unsigned int		 ncpu;
	uint32_t		*ticks;		/* ncpu x NSTATES, previous */
	bool			 have_ticks;
	int8_t			 map[METRICS_DARWIN_MAXCPU];
	int			 nclusters;
	char			 labels[METRICS_MAXCLUSTERS];
	struct metrics_darwin_level levels[METRICS_DARWIN_MAXLEVELS];
	int			 nlevels;

	io_service_t		 accel;		/* IOAccelerator */
	float			 dvfs[METRICS_DARWIN_MAXDVFS];
	int			 ndvfs;

	struct metrics_ioreport	 ior;
	struct metrics_energy	 energy[METRICS_NRAILS];
	float			 gpu_mhz;	/* held between reads */
	float			 gpu_active;	/* GPUPH active %, held */
	int64_t			 window_ns;

	struct metrics_hid	 hid;
	struct smc		*smc;
	int64_t			 temp_ns;
	float			 cpu_temp, gpu_temp, sys_w;

	int			 thermal_token;
	bool			 thermal_ok;
	uint64_t		 nsamples;
	int64_t			 last_ns;	/* previous sample, monotonic */
	int64_t			 tick_ns;	/* shortest gap between samples */
};

/* A CFString as UTF-8 into buf; false if it does not convert. */
static bool
metrics_darwin_cstr(CFStringRef s, char *buf, size_t len)
{
	if (s == NULL || CFGetTypeID(s) != CFStringGetTypeID())
		return false;
	return CFStringGetCString(s, buf, (CFIndex)len,
	    kCFStringEncodingUTF8);
}

/* A CFNumber as int64; false if it is not one. */
static bool
metrics_darwin_num(CFTypeRef n, int64_t *vp)
{
	if (n == NULL || CFGetTypeID(n) != CFNumberGetTypeID())
		return false;
	return CFNumberGetValue((CFNumberRef)n, kCFNumberSInt64Type, vp);
}

static int
metrics_darwin_sysctl_int(const char *name, int *vp)
{
	int	v = 0, rc;
	size_t	len = sizeof(v);

	errno = 0;
	rc = sysctlbyname(name, &v, &len, NULL, 0);
	if ((rc = metrics_darwin_sysctl_rc(rc, errno, len, sizeof(v))) != 0)
		return rc;
	*vp = v;
	return 0;
}

static int
metrics_darwin_sysctl_str(const char *name, char *buf, size_t len)
{
	size_t	n = len;

	if (sysctlbyname(name, buf, &n, NULL, 0) != 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[len - 1] = '\0';
	return 0;
}

/* hw.perflevelN names and sizes; cluster membership from cpuN nodes. */
static void
metrics_darwin_clusters(struct metrics_backend *b)
{
	char		 key[64], types[METRICS_DARWIN_MAXCPU];
	io_iterator_t	 it = IO_OBJECT_NULL;
	io_registry_entry_t e;
	io_name_t	 name;
	CFTypeRef	 ct;
	unsigned int	 idx, seen = 0;
	int		 i, n;

	if (metrics_darwin_sysctl_int("hw.nperflevels", &n) != 0 || n < 1 ||
	    n > METRICS_DARWIN_MAXLEVELS)
		return;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "hw.perflevel%d.name", i);
		if (metrics_darwin_sysctl_str(key, b->levels[i].name,
		    sizeof(b->levels[i].name)) != 0)
			return;
		snprintf(key, sizeof(key), "hw.perflevel%d.logicalcpu", i);
		if (metrics_darwin_sysctl_int(key, &b->levels[i].cpus) != 0)
			return;
	}
	b->nlevels = n;

	/* The device tree's cpuN nodes carry "cluster-type" ("E","M","P"). */
	memset(types, 0, sizeof(types));
	if (IOServiceGetMatchingServices(MACH_PORT_NULL,
	    IOServiceMatching("IOPlatformDevice"), &it) == KERN_SUCCESS) {
		while ((e = IOIteratorNext(it)) != IO_OBJECT_NULL) {
			if (IORegistryEntryGetName(e, name) == KERN_SUCCESS &&
			    sscanf(name, "cpu%u", &idx) == 1 &&
			    idx < b->ncpu && idx < METRICS_DARWIN_MAXCPU) {
				ct = IORegistryEntryCreateCFProperty(e,
				    CFSTR("cluster-type"), kCFAllocatorDefault,
				    0);
				if (ct != NULL && CFGetTypeID(ct) ==
				    CFDataGetTypeID() &&
				    CFDataGetLength(ct) >= 1 &&
				    types[idx] == '\0') {
					types[idx] = (char)CFDataGetBytePtr(
					    ct)[0];
					seen++;
				}
				if (ct != NULL)
					CFRelease(ct);
			}
			IOObjectRelease(e);
		}
		IOObjectRelease(it);
	}
	b->nclusters = metrics_darwin_cluster_map(seen == b->ncpu ? types :
	    NULL, b->ncpu, b->levels, b->nlevels, b->map, b->labels);
}

/*
 * The GPU's DVFS table from the pmgr node (for frequency): the first of
 * voltage-states9 and voltage-states9-sram that passes the sanity check.
 */
static void
metrics_darwin_dvfs(struct metrics_backend *b)
{
	static const char	*const keys[] = { "voltage-states9",
				    "voltage-states9-sram" };
	io_iterator_t		 it = IO_OBJECT_NULL;
	io_registry_entry_t	 e;
	io_name_t		 name;
	CFStringRef		 key;
	CFTypeRef		 d;
	size_t			 i;

	if (IOServiceGetMatchingServices(MACH_PORT_NULL,
	    IOServiceMatching("AppleARMIODevice"), &it) != KERN_SUCCESS)
		return;
	while ((e = IOIteratorNext(it)) != IO_OBJECT_NULL) {
		if (b->ndvfs == 0 &&
		    IORegistryEntryGetName(e, name) == KERN_SUCCESS &&
		    strcmp(name, "pmgr") == 0) {
			for (i = 0; i < 2 && b->ndvfs == 0; i++) {
				key = CFStringCreateWithCString(
				    kCFAllocatorDefault, keys[i],
				    kCFStringEncodingUTF8);
				if (key == NULL)
					break;
				d = IORegistryEntryCreateCFProperty(e, key,
				    kCFAllocatorDefault, 0);
				CFRelease(key);
				if (d != NULL && CFGetTypeID(d) ==
				    CFDataGetTypeID())
					b->ndvfs = metrics_darwin_dvfs_parse(
					    CFDataGetBytePtr(d),
					    (size_t)CFDataGetLength(d),
					    b->dvfs, METRICS_DARWIN_MAXDVFS);
				if (d != NULL)
					CFRelease(d);
			}
			if (b->ndvfs == 0)
				log_info("metrics: no plausible GPU frequency "
				    "table; GPU MHz will be null");
		}
		IOObjectRelease(e);
	}
	IOObjectRelease(it);
}

#define IOR_SYM(field, sym) \
	(*(void **)&r->field = dlsym(r->lib, sym))

/* Subscribe to Energy Model and GPU residency; nothing on failure. */
static void
metrics_darwin_ioreport_open(struct metrics_backend *b)
{
	struct metrics_ioreport	*r = &b->ior;
	CFMutableDictionaryRef	 energy = NULL, gpu = NULL;

	r->lib = dlopen("/usr/lib/libIOReport.dylib", RTLD_LAZY | RTLD_LOCAL);
	if (r->lib == NULL)
		return;
	if (IOR_SYM(copy_group, "IOReportCopyChannelsInGroup") == NULL ||
	    IOR_SYM(merge, "IOReportMergeChannels") == NULL ||
	    IOR_SYM(subscribe, "IOReportCreateSubscription") == NULL ||
	    IOR_SYM(samples, "IOReportCreateSamples") == NULL ||
	    IOR_SYM(delta, "IOReportCreateSamplesDelta") == NULL ||
	    IOR_SYM(group, "IOReportChannelGetGroup") == NULL ||
	    IOR_SYM(subgroup, "IOReportChannelGetSubGroup") == NULL ||
	    IOR_SYM(name, "IOReportChannelGetChannelName") == NULL ||
	    IOR_SYM(unit, "IOReportChannelGetUnitLabel") == NULL ||
	    IOR_SYM(simple, "IOReportSimpleGetIntegerValue") == NULL ||
	    IOR_SYM(state_count, "IOReportStateGetCount") == NULL ||
	    IOR_SYM(state_name, "IOReportStateGetNameForIndex") == NULL ||
	    IOR_SYM(residency, "IOReportStateGetResidency") == NULL)
		goto fail;
	energy = r->copy_group(CFSTR("Energy Model"), NULL, 0, 0, 0);
	gpu = r->copy_group(CFSTR("GPU Stats"), CFSTR("GPU Performance States"),
	    0, 0, 0);
	if (energy == NULL && gpu == NULL)
		goto fail;
	if (energy != NULL && gpu != NULL)
		r->merge(energy, gpu, NULL);
	r->wanted = CFDictionaryCreateMutableCopy(kCFAllocatorDefault, 0,
	    energy != NULL ? energy : gpu);
	if (r->wanted == NULL)
		goto fail;
	r->sub = r->subscribe(NULL, r->wanted, &r->subscribed, 0, NULL);
	if (r->sub == NULL || r->subscribed == NULL)
		goto fail;
	if (energy != NULL)
		CFRelease(energy);
	if (gpu != NULL)
		CFRelease(gpu);
	return;
fail:
	log_info("metrics: IOReport unavailable; power and GPU frequency "
	    "will be null");
	if (energy != NULL)
		CFRelease(energy);
	if (gpu != NULL)
		CFRelease(gpu);
	if (r->sub != NULL)
		CFRelease(r->sub);
	if (r->subscribed != NULL)
		CFRelease(r->subscribed);
	if (r->wanted != NULL)
		CFRelease(r->wanted);
	dlclose(r->lib);
	memset(r, 0, sizeof(*r));
}

/* GPUPH residency of one channel: average MHz and active %. */
static void
metrics_darwin_gpuph(struct metrics_backend *b, CFDictionaryRef ch)
{
	struct metrics_ioreport	*r = &b->ior;
	char			 names[32][16];
	const char		*np[32];
	int64_t			 res[32];
	int32_t			 i, n;

	n = r->state_count(ch);
	if (n <= 0 || n > 32)
		return;
	for (i = 0; i < n; i++) {
		np[i] = metrics_darwin_cstr(r->state_name(ch, i), names[i],
		    sizeof(names[i])) ? names[i] : NULL;
		res[i] = r->residency(ch, i);
	}
	b->gpu_mhz = b->ndvfs > 0 ? metrics_darwin_gpu_mhz(np, res, n,
	    b->dvfs, b->ndvfs) : NAN;
	b->gpu_active = metrics_darwin_gpu_active(np, res, n);
}

/*
 * One IOReport delta: power into the energy windows, GPU frequency. After a
 * sleep (slept) the interval is dropped and the windows restart.
 */
static void
metrics_darwin_ioreport_sample(struct metrics_backend *b, int64_t mono,
    bool slept)
{
	struct metrics_ioreport	*r = &b->ior;
	CFDictionaryRef		 cur, d, ch;
	CFArrayRef		 chans;
	CFIndex			 i, n;
	char			 group[64], sub[64], name[64], unit[16];
	struct metrics_darwin_energy_acc acc;
	double			 x;
	int			 k;

	if (r->sub == NULL)
		return;
	/* After a sleep, start over rather than average across it. */
	if (slept && r->prev != NULL) {
		CFRelease(r->prev);
		r->prev = NULL;
		for (k = 0; k < METRICS_NRAILS; k++)
			metrics_energy_reset(&b->energy[k]);
		b->gpu_mhz = b->gpu_active = NAN;
	}
	if (r->prev != NULL && mono - r->prev_ns < b->window_ns)
		return;
	if ((cur = r->samples(r->sub, r->subscribed, NULL)) == NULL)
		return;
	if (r->prev == NULL) {
		r->prev = cur;
		r->prev_ns = mono;
		for (k = 0; k < METRICS_NRAILS; k++)
			(void)metrics_energy_add(&b->energy[k], NAN, mono, 0,
			    0);
		return;
	}
	d = r->delta(r->prev, cur, NULL);
	CFRelease(r->prev);
	r->prev = cur;
	r->prev_ns = mono;
	if (d == NULL)
		return;
	metrics_darwin_energy_acc_init(&acc);
	chans = CFDictionaryGetValue(d, CFSTR("IOReportChannels"));
	n = chans != NULL && CFGetTypeID(chans) == CFArrayGetTypeID() ?
	    CFArrayGetCount(chans) : 0;
	for (i = 0; i < n; i++) {
		ch = CFArrayGetValueAtIndex(chans, i);
		if (ch == NULL || !metrics_darwin_cstr(r->group(ch), group,
		    sizeof(group)) || !metrics_darwin_cstr(r->name(ch), name,
		    sizeof(name)))
			continue;
		if (strcmp(group, "Energy Model") == 0) {
			if (metrics_darwin_energy_rail(name, NULL) < 0 ||
			    !metrics_darwin_cstr(r->unit(ch), unit,
			    sizeof(unit)))
				continue;
			(void)metrics_darwin_energy_acc_add(&acc, name,
			    r->simple(ch, 0), unit);
		} else if (strcmp(group, "GPU Stats") == 0 &&
		    metrics_darwin_cstr(r->subgroup(ch), sub, sizeof(sub)) &&
		    strcmp(sub, "GPU Performance States") == 0 &&
		    strcmp(name, "GPUPH") == 0)
			metrics_darwin_gpuph(b, ch);
	}
	CFRelease(d);
	for (k = 0; k < METRICS_NRAILS; k++)
		if (!isnan(x = metrics_darwin_energy_acc_joules(&acc, k)))
			(void)metrics_energy_add(&b->energy[k], x, mono,
			    b->window_ns,
			    (int64_t)METRICS_POWER_MAXWINDOW_MS * 1000000);
}

/* IOHID temperature services for CPU and GPU dies. */
static void
metrics_darwin_hid_open(struct metrics_backend *b)
{
	struct metrics_hid	*h = &b->hid;
	CFTypeRef		(*create)(CFAllocatorRef);
	int			(*set_matching)(CFTypeRef, CFDictionaryRef);
	CFArrayRef		(*copy_services)(CFTypeRef);
	CFTypeRef		(*copy_prop)(CFTypeRef, CFStringRef);
	CFMutableDictionaryRef	 match;
	CFNumberRef		 page, usage;
	CFArrayRef		 svcs;
	CFTypeRef		 svc, prod;
	CFIndex			 i, n;
	char			 pname[128];
	int			 kind, v;

	*(void **)&create = dlsym(RTLD_DEFAULT, "IOHIDEventSystemClientCreate");
	*(void **)&set_matching = dlsym(RTLD_DEFAULT,
	    "IOHIDEventSystemClientSetMatching");
	*(void **)&copy_services = dlsym(RTLD_DEFAULT,
	    "IOHIDEventSystemClientCopyServices");
	*(void **)&copy_prop = dlsym(RTLD_DEFAULT,
	    "IOHIDServiceClientCopyProperty");
	*(void **)&h->copy_event = dlsym(RTLD_DEFAULT,
	    "IOHIDServiceClientCopyEvent");
	*(void **)&h->event_float = dlsym(RTLD_DEFAULT,
	    "IOHIDEventGetFloatValue");
	if (create == NULL || set_matching == NULL || copy_services == NULL ||
	    copy_prop == NULL || h->copy_event == NULL ||
	    h->event_float == NULL)
		return;
	if ((h->client = create(kCFAllocatorDefault)) == NULL)
		return;
	/* Temperature sensors: vendor page 0xff00, usage 5. */
	match = CFDictionaryCreateMutable(kCFAllocatorDefault, 2,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	v = 0xff00;
	page = CFNumberCreate(kCFAllocatorDefault, kCFNumberIntType, &v);
	v = 5;
	usage = CFNumberCreate(kCFAllocatorDefault, kCFNumberIntType, &v);
	CFDictionarySetValue(match, CFSTR("PrimaryUsagePage"), page);
	CFDictionarySetValue(match, CFSTR("PrimaryUsage"), usage);
	CFRelease(page);
	CFRelease(usage);
	set_matching(h->client, match);
	CFRelease(match);
	if ((svcs = copy_services(h->client)) == NULL)
		return;
	n = CFArrayGetCount(svcs);
	for (i = 0; i < n && h->nsvc < METRICS_DARWIN_MAXHID; i++) {
		svc = CFArrayGetValueAtIndex(svcs, i);
		if ((prod = copy_prop(svc, CFSTR("Product"))) == NULL)
			continue;
		kind = metrics_darwin_cstr(prod, pname, sizeof(pname)) ?
		    metrics_darwin_temp_kind(pname) : 0;
		CFRelease(prod);
		if (kind == 0)
			continue;
		h->svc[h->nsvc] = CFRetain(svc);
		h->kind[h->nsvc++] = kind;
	}
	CFRelease(svcs);
}

/* Average CPU and GPU die temperatures. */
static void
metrics_darwin_hid_sample(struct metrics_backend *b)
{
	struct metrics_hid	*h = &b->hid;
	CFTypeRef		 ev;
	double			 sum[3] = { 0, 0, 0 }, t;
	int			 cnt[3] = { 0, 0, 0 }, i;

	for (i = 0; i < h->nsvc; i++) {
		/* kIOHIDEventTypeTemperature = 15, field 15 << 16. */
		if ((ev = h->copy_event(h->svc[i], 15, 0, 0)) == NULL)
			continue;
		t = h->event_float(ev, 15 << 16);
		CFRelease(ev);
		if (!metrics_darwin_temp_ok(t))
			continue;
		sum[h->kind[i]] += t;
		cnt[h->kind[i]]++;
	}
	b->cpu_temp = cnt[1] > 0 ? (float)(sum[1] / cnt[1]) : NAN;
	b->gpu_temp = cnt[2] > 0 ? (float)(sum[2] / cnt[2]) : NAN;
}

/* Open the macOS backend; root must be NULL or "/". */
int
metrics_backend_open(const char *root, struct metrics_backend **bp)
{
	struct metrics_backend	*b;
	processor_info_array_t	 info = NULL;
	mach_msg_type_number_t	 ninfo = 0;
	natural_t		 ncpu = 0;
	vm_size_t		 ps = 0;
	size_t			 len;
	int			 k;

	if (root != NULL && strcmp(root, "/") != 0)
		return -EINVAL;
	b = xcalloc(1, sizeof(*b));
	b->host = mach_host_self();
	b->window_ns = (int64_t)METRICS_POWER_WINDOW_MS * 1000000;
	b->gpu_mhz = b->gpu_active = b->cpu_temp = b->gpu_temp = NAN;
	b->sys_w = NAN;
	for (k = 0; k < METRICS_NRAILS; k++)
		metrics_energy_reset(&b->energy[k]);
	if (host_page_size(b->host, &ps) != KERN_SUCCESS || ps == 0)
		ps = (vm_size_t)sysconf(_SC_PAGESIZE);
	b->page_size = ps;
	len = sizeof(b->memsize);
	if (sysctlbyname("hw.memsize", &b->memsize, &len, NULL, 0) != 0)
		b->memsize = 0;

	if (host_processor_info(b->host, PROCESSOR_CPU_LOAD_INFO, &ncpu,
	    &info, &ninfo) == KERN_SUCCESS) {
		if (ncpu > 0 && ncpu <= METRICS_DARWIN_MAXCPU)
			b->ncpu = ncpu;
		vm_deallocate(mach_task_self(), (vm_address_t)info,
		    ninfo * sizeof(integer_t));
	}
	if (b->ncpu > 0) {
		b->ticks = xcalloc(b->ncpu * METRICS_DARWIN_NSTATES,
		    sizeof(uint32_t));
		metrics_darwin_clusters(b);
	}
	b->accel = IOServiceGetMatchingService(MACH_PORT_NULL,
	    IOServiceMatching("IOAccelerator"));
	metrics_darwin_dvfs(b);
	metrics_darwin_ioreport_open(b);
	/* SMC die keys from M2 on; IOHID's die sensors exist on M1 only. */
	if (smc_open(&b->smc) != 0)
		log_info("metrics: no SMC; system power will be null");
	if (!smc_has_cpu_temps(b->smc))
		metrics_darwin_hid_open(b);
	b->thermal_ok = notify_register_check(
	    "com.apple.system.thermalpressurelevel", &b->thermal_token) ==
	    NOTIFY_STATUS_OK;
	*bp = b;
	return 0;
}

/* Shortest power window. */
void
metrics_backend_set_power_window(struct metrics_backend *b, uint32_t ms)
{
	b->window_ns = (int64_t)ms * 1000000;
}

/* Memory figures, from the kernel at most once a second. */
static void
metrics_darwin_memory_sample(struct metrics_backend *b, int64_t mono,
    struct metrics_sample *s)
{
	uint64_t		 raw[METRICS_DARWIN_VMWORDS / 2];
	vm_statistics64_t	 v = (vm_statistics64_t)(void *)raw;
	mach_msg_type_number_t	 count;
	struct metrics_darwin_vm vm;
	struct metrics_sample	 m;
	kern_return_t		 kr;

	if (metrics_darwin_mem_due(b->mem_ok, b->mem_ns, mono)) {
		b->mem_ns = mono;
		memset(raw, 0, sizeof(raw));
		count = HOST_VM_INFO64_COUNT;
		kr = host_statistics64(b->host, HOST_VM_INFO64,
		    (host_info64_t)raw, &count);
		/* Newer kernels answer MIG_ARRAY_TOO_LARGE with their count. */
		if (kr == MIG_ARRAY_TOO_LARGE && count > 0 &&
		    count <= METRICS_DARWIN_VMWORDS) {
			memset(raw, 0, sizeof(raw));
			kr = host_statistics64(b->host, HOST_VM_INFO64,
			    (host_info64_t)raw, &count);
		}
		if (kr == KERN_SUCCESS && metrics_darwin_vm_count_ok(count)) {
			vm.free = v->free_count;
			vm.active = v->active_count;
			vm.inactive = v->inactive_count;
			vm.speculative = v->speculative_count;
			vm.wire = v->wire_count;
			vm.purgeable = v->purgeable_count;
			vm.compressor = v->compressor_page_count;
			vm.external = v->external_page_count;
			vm.internal = v->internal_page_count;
			metrics_sample_init(&m, 0);
			metrics_darwin_memory(&vm, b->page_size, b->memsize,
			    &m);
			b->mem_used = m.mem_used;
			b->mem_avail = m.mem_available;
			b->mem_wired = m.mem_wired;
			b->mem_compr = m.mem_compressed;
			b->mem_ok = true;
		} else {
			log_debug("metrics: host_statistics64: %d (count %u)",
			    kr, count);
			b->mem_ok = false;
		}
	}
	if (b->memsize > 0)
		s->mem_total = (double)b->memsize;
	if (b->mem_ok) {
		s->mem_used = b->mem_used;
		s->mem_available = b->mem_avail;
		s->mem_wired = b->mem_wired;
		s->mem_compressed = b->mem_compr;
	}
}

/* CPU busy % since the previous sample. */
static void
metrics_darwin_cpu_sample(struct metrics_backend *b, struct metrics_sample *s)
{
	processor_info_array_t	 info = NULL;
	mach_msg_type_number_t	 ninfo = 0;
	natural_t		 ncpu = 0;
	uint32_t		 cur[METRICS_DARWIN_MAXCPU *
				     METRICS_DARWIN_NSTATES];
	processor_cpu_load_info_t load;
	unsigned int		 i, k;
	int			 c;

	if (b->ncpu == 0 || host_processor_info(b->host,
	    PROCESSOR_CPU_LOAD_INFO, &ncpu, &info, &ninfo) != KERN_SUCCESS)
		return;
	if (ncpu == b->ncpu) {
		load = (processor_cpu_load_info_t)info;
		for (i = 0; i < ncpu; i++)
			for (k = 0; k < METRICS_DARWIN_NSTATES; k++)
				cur[i * METRICS_DARWIN_NSTATES + k] =
				    load[i].cpu_ticks[k];
	}
	vm_deallocate(mach_task_self(), (vm_address_t)info,
	    ninfo * sizeof(integer_t));
	if (ncpu != b->ncpu)
		return;
	if (b->have_ticks) {
		metrics_darwin_cpu_pct(b->ticks, cur, b->ncpu,
		    b->nclusters > 0 ? b->map : NULL, b->nclusters,
		    &s->cpu_pct, s->cpu_cluster_pct);
		for (c = 0; c < b->nclusters; c++)
			s->cluster_label[c] = b->labels[c];
	}
	memcpy(b->ticks, cur, b->ncpu * METRICS_DARWIN_NSTATES *
	    sizeof(uint32_t));
	b->have_ticks = true;
}

/* GPU busy % and memory from IOAccelerator's PerformanceStatistics. */
static void
metrics_darwin_gpu_sample(struct metrics_backend *b, struct metrics_sample *s)
{
	CFTypeRef	 ps;
	int64_t		 v;

	if (b->accel == IO_OBJECT_NULL)
		return;
	/* Fetch only this property: the full table is ~100x slower. */
	ps = IORegistryEntryCreateCFProperty(b->accel,
	    CFSTR("PerformanceStatistics"), kCFAllocatorDefault, 0);
	if (ps == NULL)
		return;
	if (CFGetTypeID(ps) == CFDictionaryGetTypeID()) {
		if (metrics_darwin_num(CFDictionaryGetValue(ps,
		    CFSTR("Device Utilization %")), &v) && v >= 0)
			s->gpu_pct = v > 100 ? 100.0f : (float)v;
		if (metrics_darwin_num(CFDictionaryGetValue(ps,
		    CFSTR("In use system memory")), &v) && v >= 0)
			s->gpu_mem_used = (double)v;
	}
	CFRelease(ps);
}

/* Take one sample. */
int
metrics_backend_sample(struct metrics_backend *b, struct metrics_sample *s)
{
	struct xsw_usage	 sw;
	double			 la[3];
	uint64_t		 state;
	int64_t			 mono, gap;
	size_t			 len;
	int			 lvl, k;
	bool			 slept = false;

	metrics_sample_init(s, timeutil_now_ns());
	mono = (int64_t)timeutil_mono_ns();
	if (b->nsamples > 0 && (gap = mono - b->last_ns) > 0) {
		slept = metrics_darwin_window_stale(gap, b->tick_ns,
		    (int64_t)METRICS_POWER_MAXWINDOW_MS * 1000000);
		if (!slept && (b->tick_ns == 0 || gap < b->tick_ns))
			b->tick_ns = gap;
	}
	b->last_ns = mono;

	metrics_darwin_memory_sample(b, mono, s);
	len = sizeof(sw);
	if (sysctlbyname("vm.swapusage", &sw, &len, NULL, 0) == 0) {
		s->swap_total = (double)sw.xsu_total;
		s->swap_used = (double)sw.xsu_used;
	}
	if (metrics_darwin_sysctl_int("kern.memorystatus_vm_pressure_level",
	    &lvl) == 0)
		s->mem_pressure = (int8_t)metrics_darwin_mem_pressure(lvl);

	metrics_darwin_cpu_sample(b, s);
	if (getloadavg(la, 3) == 3)
		for (k = 0; k < 3; k++)
			s->load[k] = (float)la[k];

	metrics_darwin_gpu_sample(b, s);
	metrics_darwin_ioreport_sample(b, mono, slept);
	s->gpu_mhz = b->gpu_mhz;
	/* Device Utilization % flips 0/100 on M4 Pro: check with GPUPH. */
	s->gpu_pct = metrics_darwin_gpu_pct(s->gpu_pct, b->gpu_active);
	for (k = 0; k < METRICS_NRAILS; k++)
		s->power_w[k] = b->energy[k].watts;
	/* macOS 27 froze CPU and DRAM energy at 0 on many machines. */
	s->power_w[METRICS_RAIL_CPU] = metrics_darwin_power_check(
	    s->power_w[METRICS_RAIL_CPU], s->cpu_pct);
	s->power_w[METRICS_RAIL_DRAM] = metrics_darwin_power_check(
	    s->power_w[METRICS_RAIL_DRAM], s->cpu_pct);

	if ((b->smc != NULL || b->hid.nsvc > 0) && (b->nsamples == 0 ||
	    mono - b->temp_ns >= b->window_ns)) {
		if (smc_has_cpu_temps(b->smc))
			smc_temps(b->smc, &b->cpu_temp, &b->gpu_temp);
		else if (b->hid.nsvc > 0)
			metrics_darwin_hid_sample(b);
		b->sys_w = smc_system_power(b->smc);
		b->temp_ns = mono;
	}
	s->cpu_temp_c = b->cpu_temp;
	s->gpu_temp_c = b->gpu_temp;
	s->power_w[METRICS_RAIL_SYSTEM] = b->sys_w;

	if (b->thermal_ok && notify_get_state(b->thermal_token, &state) ==
	    NOTIFY_STATUS_OK)
		s->thermal_level = (int8_t)metrics_darwin_thermal_level(state);
	b->nsamples++;
	return 0;
}

/* Describe the machine. */
int
metrics_backend_system(struct metrics_backend *b, struct metrics_system *sys)
{
	struct utsname	 un;
	io_service_t	 agx;
	CFTypeRef	 n;
	int64_t		 v;
	int		 i, x;

	memset(sys, 0, sizeof(*sys));
	sys->cpus_logical = sys->cpus_physical = sys->gpu_cores = -1;
	sys->mem_total = b->memsize > 0 ? (double)b->memsize : NAN;
	(void)metrics_darwin_sysctl_str("machdep.cpu.brand_string", sys->chip,
	    sizeof(sys->chip));
	(void)metrics_darwin_sysctl_str("hw.model", sys->model,
	    sizeof(sys->model));
	if (metrics_darwin_sysctl_int("hw.logicalcpu", &x) == 0)
		sys->cpus_logical = x;
	if (metrics_darwin_sysctl_int("hw.physicalcpu", &x) == 0)
		sys->cpus_physical = x;
	/* Slowest tier first, as in the samples. */
	for (i = 0; i < b->nclusters; i++) {
		sys->clusters[i].label = b->labels[i];
		snprintf(sys->clusters[i].name, sizeof(sys->clusters[i].name),
		    "%s", b->levels[b->nlevels - 1 - i].name);
		sys->clusters[i].cpus = b->levels[b->nlevels - 1 - i].cpus;
	}
	sys->nclusters = b->nclusters;

	/* The GPU is part of the chip; its core count is on AGXAccelerator. */
	snprintf(sys->gpu_name, sizeof(sys->gpu_name), "%s", sys->chip);
	agx = IOServiceGetMatchingService(MACH_PORT_NULL,
	    IOServiceMatching("AGXAccelerator"));
	if (agx != IO_OBJECT_NULL) {
		n = IORegistryEntryCreateCFProperty(agx,
		    CFSTR("gpu-core-count"), kCFAllocatorDefault, 0);
		if (metrics_darwin_num(n, &v) && v > 0 && v < 100000)
			sys->gpu_cores = (int)v;
		if (n != NULL)
			CFRelease(n);
		IOObjectRelease(agx);
	}

	snprintf(sys->os_name, sizeof(sys->os_name), "macOS");
	(void)metrics_darwin_sysctl_str("kern.osproductversion",
	    sys->os_version, sizeof(sys->os_version));
	(void)metrics_darwin_sysctl_str("kern.osrelease", sys->kernel,
	    sizeof(sys->kernel));
	if (gethostname(sys->hostname, sizeof(sys->hostname)) != 0)
		sys->hostname[0] = '\0';
	sys->hostname[sizeof(sys->hostname) - 1] = '\0';
	if (uname(&un) == 0)
		snprintf(sys->arch, sizeof(sys->arch), "%.31s", un.machine);
	return 0;
}

/* Release every source; accepts NULL. */
void
metrics_backend_close(struct metrics_backend *b)
{
	struct metrics_ioreport	*r;
	int			 i;

	if (b == NULL)
		return;
	r = &b->ior;
	if (r->lib != NULL) {
		if (r->prev != NULL)
			CFRelease(r->prev);
		CFRelease(r->sub);
		CFRelease(r->subscribed);
		CFRelease(r->wanted);
		dlclose(r->lib);
	}
	smc_close(b->smc);
	for (i = 0; i < b->hid.nsvc; i++)
		CFRelease(b->hid.svc[i]);
	if (b->hid.client != NULL)
		CFRelease(b->hid.client);
	if (b->thermal_ok)
		notify_cancel(b->thermal_token);
	if (b->accel != IO_OBJECT_NULL)
		IOObjectRelease(b->accel);
	free(b->ticks);
	free(b);
}
