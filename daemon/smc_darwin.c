/* SPDX-License-Identifier: ISC */
/*
 * smc_darwin.c: read-only access to the AppleSMC user client (macOS).
 *
 * The service is opened with IOServiceOpen(type 0), which any user may do;
 * every request is one 80-byte struct through IOConnectCallStructMethod
 * selector 2. At open, "#KEY" gives the key count and each key is listed by
 * index once (the SMC has about 1,500 keys; listing costs most of a second,
 * so it is done only here), keeping the "flt " die temperature keys and
 * "PSTR". Afterwards a reading is one call per kept key.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <IOKit/IOKitLib.h>

#include "log.h"
#include "smc.h"
#include "xmalloc.h"

#define SMC_MAXTEMPS	128

struct smc {
	io_connect_t	 conn;
	uint32_t	 keys[SMC_MAXTEMPS];
	uint32_t	 types[SMC_MAXTEMPS];
	uint32_t	 sizes[SMC_MAXTEMPS];
	int		 nkeys;
	int		 ncpu;
	bool		 have_pstr;
	uint32_t	 pstr_type, pstr_size;
};

/* One request; 0 or a negative errno. */
static int
smc_call(struct smc *s, struct smc_keydata *in, struct smc_keydata *out)
{
	size_t		outsz = sizeof(*out);
	kern_return_t	kr;

	memset(out, 0, sizeof(*out));
	kr = IOConnectCallStructMethod(s->conn, SMC_METHOD_YPC, in,
	    sizeof(*in), out, &outsz);
	if (kr != KERN_SUCCESS)
		return -EIO;
	if (out->result == SMC_RESULT_NOTFOUND)
		return -ENOENT;
	return out->result == 0 ? 0 : -EIO;
}

/* Type and size of a key. */
static int
smc_key_info(struct smc *s, uint32_t key, uint32_t *typep, uint32_t *sizep)
{
	struct smc_keydata	in, out;
	int			rc;

	memset(&in, 0, sizeof(in));
	in.key = key;
	in.data8 = SMC_CMD_READ_KEYINFO;
	if ((rc = smc_call(s, &in, &out)) != 0)
		return rc;
	if (out.info.size == 0 || out.info.size > sizeof(out.bytes))
		return -EINVAL;
	*typep = out.info.type;
	*sizep = out.info.size;
	return 0;
}

/* Value of a key whose type and size are known. */
static int
smc_read(struct smc *s, uint32_t key, uint32_t type, uint32_t size,
    double *vp)
{
	struct smc_keydata	in, out;
	int			rc;

	memset(&in, 0, sizeof(in));
	in.key = key;
	in.info.size = size;
	in.data8 = SMC_CMD_READ_BYTES;
	if ((rc = smc_call(s, &in, &out)) != 0)
		return rc;
	return smc_decode(type, out.bytes, size, vp);
}

/* Open the SMC and list the keys that matter. */
int
smc_open(struct smc **sp)
{
	struct smc		*s;
	struct smc_keydata	 in, out;
	io_service_t		 svc;
	uint32_t		 type, size, key, i, count;
	double			 v;
	kern_return_t		 kr;
	int			 kind;

	*sp = NULL;
	svc = IOServiceGetMatchingService(MACH_PORT_NULL,
	    IOServiceMatching("AppleSMC"));
	if (svc == IO_OBJECT_NULL)
		return -ENODEV;
	s = xcalloc(1, sizeof(*s));
	kr = IOServiceOpen(svc, mach_task_self(), 0, &s->conn);
	IOObjectRelease(svc);
	if (kr != KERN_SUCCESS) {
		free(s);
		return -EACCES;
	}
	if (smc_key_info(s, smc_key("#KEY"), &type, &size) != 0 ||
	    smc_read(s, smc_key("#KEY"), type, size, &v) != 0 || v < 1 ||
	    v > 65535) {
		smc_close(s);
		return -EIO;
	}
	count = (uint32_t)v;
	for (i = 0; i < count; i++) {
		memset(&in, 0, sizeof(in));
		in.data8 = SMC_CMD_READ_INDEX;
		in.data32 = i;
		if (smc_call(s, &in, &out) != 0)
			continue;
		key = out.key;
		if ((key >> 24) != 'T' && key != smc_key("PSTR"))
			continue;
		if (smc_key_info(s, key, &type, &size) != 0)
			continue;
		if (key == smc_key("PSTR")) {
			if (type == SMC_TYPE_FLT && size == 4) {
				s->have_pstr = true;
				s->pstr_type = type;
				s->pstr_size = size;
			}
			continue;
		}
		if ((kind = smc_temp_kind(key, type)) == SMC_TEMP_NONE ||
		    size != 4 || s->nkeys >= SMC_MAXTEMPS)
			continue;
		s->keys[s->nkeys] = key;
		s->types[s->nkeys] = type;
		s->sizes[s->nkeys++] = size;
		if (kind == SMC_TEMP_CPU)
			s->ncpu++;
	}
	log_debug("smc: %u keys, %d temperature keys (%d CPU), PSTR %s",
	    count, s->nkeys, s->ncpu, s->have_pstr ? "yes" : "no");
	*sp = s;
	return 0;
}

/* Whether there are CPU temperature keys. */
bool
smc_has_cpu_temps(const struct smc *s)
{
	return s != NULL && s->ncpu > 0;
}

/* Average CPU and GPU temperatures. */
void
smc_temps(struct smc *s, float *cpup, float *gpup)
{
	double	vals[SMC_MAXTEMPS], cpu, gpu;
	int	i;

	*cpup = *gpup = NAN;
	if (s == NULL)
		return;
	for (i = 0; i < s->nkeys; i++)
		if (smc_read(s, s->keys[i], s->types[i], s->sizes[i],
		    &vals[i]) != 0)
			vals[i] = NAN;
	smc_temp_average(s->keys, s->types, vals, (size_t)s->nkeys, &cpu,
	    &gpu);
	*cpup = (float)cpu;
	*gpup = (float)gpu;
}

/* System power from PSTR. */
float
smc_system_power(struct smc *s)
{
	double	v;

	if (s == NULL || !s->have_pstr || smc_read(s, smc_key("PSTR"),
	    s->pstr_type, s->pstr_size, &v) != 0 || !isfinite(v) || v < 0 ||
	    v > 10000)
		return NAN;
	return (float)v;
}

/* Close the connection. */
void
smc_close(struct smc *s)
{
	if (s == NULL)
		return;
	if (s->conn != IO_OBJECT_NULL)
		IOServiceClose(s->conn);
	free(s);
}
