/* SPDX-License-Identifier: ISC */
/*
 * cmd_metrics.c: `mlxctl metrics` (one sample of the machine) and `mlxctl
 * system` (what the machine is).
 *
 * Both print what the daemon measured, one figure per line; a figure it
 * could not measure is "n/a". With --json (before or after the command)
 * they print the API's reply unchanged.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "monitor.h"
#include "output.h"

/* Accept --json/-j after the command too; false on any other argument. */
static bool
cmd_metrics_args(struct mlxctl *m, int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			m->json = true;
		else
			return false;
	}
	return true;
}

static const char *
cmd_metrics_str(const char *s)
{
	return s != NULL && *s != '\0' ? s : "n/a";
}

static void
cmd_metrics_memory(const struct mlxd_metrics *mt)
{
	const struct mlxd_metrics_memory	*mem = &mt->memory;
	char	 used[MONITOR_CELL_LEN], total[MONITOR_CELL_LEN];
	char	 pct[MONITOR_CELL_LEN], avail[MONITOR_CELL_LEN];
	char	 a[MONITOR_CELL_LEN], b[MONITOR_CELL_LEN];

	monitor_bytes(used, sizeof used, mem->used_bytes);
	monitor_bytes(total, sizeof total, mem->total_bytes);
	monitor_pct(pct, sizeof pct, mlxd_metrics_memory_pct(mt));
	monitor_bytes(avail, sizeof avail, mem->available_bytes);
	printf("Memory:     %s / %s used (%s), %s available\n", used, total,
	    pct, avail);
	monitor_bytes(a, sizeof a, mem->wired_bytes);
	monitor_bytes(b, sizeof b, mem->compressed_bytes);
	printf("            wired %s, compressed %s\n", a, b);
	monitor_bytes(a, sizeof a, mem->swap_used_bytes);
	monitor_bytes(b, sizeof b, mem->swap_total_bytes);
	printf("Swap:       %s / %s used\n", a, b);
	printf("Pressure:   %s", cmd_metrics_str(mem->pressure));
	if (!isnan(mem->psi_some_pct) || !isnan(mem->psi_full_pct)) {
		monitor_pct(a, sizeof a, mem->psi_some_pct);
		monitor_pct(b, sizeof b, mem->psi_full_pct);
		printf(" (stalled: some %s, full %s)", a, b);
	}
	printf("\n");
}

static void
cmd_metrics_cpu(const struct mlxd_metrics *mt)
{
	const struct mlxd_metrics_cpu	*cpu = &mt->cpu;
	char				 a[MONITOR_CELL_LEN];
	size_t				 i;

	monitor_pct(a, sizeof a, cpu->utilization_pct);
	printf("CPU:        %s", a);
	for (i = 0; i < cpu->nclusters; i++) {
		monitor_pct(a, sizeof a, cpu->clusters[i].utilization_pct);
		printf("%s%s %s", i == 0 ? " (" : ", ",
		    cmd_metrics_str(cpu->clusters[i].label), a);
	}
	if (cpu->nclusters > 0)
		printf(")");
	printf("\n");
	if (isnan(cpu->load_1m))
		printf("Load:       n/a\n");
	else
		printf("Load:       %.2f %.2f %.2f (1, 5, 15 min)\n",
		    cpu->load_1m, cpu->load_5m, cpu->load_15m);
}

static void
cmd_metrics_gpu_power(const struct mlxd_metrics *mt)
{
	const struct mlxd_metrics_power	*pw = &mt->power;
	char	 a[MONITOR_CELL_LEN], b[MONITOR_CELL_LEN];
	char	 c[MONITOR_CELL_LEN], d[MONITOR_CELL_LEN];

	monitor_pct(a, sizeof a, mt->gpu.utilization_pct);
	printf("GPU:        %s", a);
	if (mt->gpu.memory_used_bytes != MLXD_NULL_INT64) {
		monitor_bytes(a, sizeof a, mt->gpu.memory_used_bytes);
		monitor_bytes(b, sizeof b, mt->gpu.memory_total_bytes);
		printf(", memory %s / %s", a, b);
	}
	if (!isnan(mt->gpu.frequency_mhz))
		printf(", %.0f MHz", mt->gpu.frequency_mhz);
	printf("\n");

	monitor_watts(a, sizeof a, mlxd_metrics_power_w(mt));
	printf("Power:      %s", a);
	if (!isnan(pw->cpu_w) || !isnan(pw->gpu_w) || !isnan(pw->ane_w) ||
	    !isnan(pw->dram_w)) {
		monitor_watts(a, sizeof a, pw->cpu_w);
		monitor_watts(b, sizeof b, pw->gpu_w);
		monitor_watts(c, sizeof c, pw->ane_w);
		monitor_watts(d, sizeof d, pw->dram_w);
		printf(" (CPU %s, GPU %s, ANE %s, DRAM %s)", a, b, c, d);
	}
	printf("\n");
}

static void
cmd_metrics_thermal(const struct mlxd_metrics *mt)
{
	const struct mlxd_metrics_thermal	*th = &mt->thermal;
	char	 a[MONITOR_CELL_LEN], b[MONITOR_CELL_LEN];
	enum output_style	 st = OUTPUT_RESET;

	if (th->pressure_level >= 2)
		st = OUTPUT_RED;
	else if (th->pressure_level == 1)
		st = OUTPUT_YELLOW;
	monitor_celsius(a, sizeof a, th->cpu_celsius);
	monitor_celsius(b, sizeof b, th->gpu_celsius);
	printf("Thermal:    %s%s%s (CPU %s, GPU %s)\n",
	    st != OUTPUT_RESET ? output_style(st) : "",
	    cmd_metrics_str(th->pressure),
	    st != OUTPUT_RESET ? output_style(OUTPUT_RESET) : "", a, b);
}

static int
cmd_metrics_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_metrics	*mt = NULL;
	int			 rc;

	if (!cmd_metrics_args(m, argc, argv))
		return mlxctl_usage_error(&cmd_metrics_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/metrics");
	if ((rc = mlxd_metrics(m->client, &mt)) != 0)
		return mlxctl_fail(m, rc);
	printf("Sampled:    %s\n", cmd_metrics_str(mt->t));
	cmd_metrics_memory(mt);
	cmd_metrics_cpu(mt);
	cmd_metrics_gpu_power(mt);
	cmd_metrics_thermal(mt);
	mlxd_metrics_free(mt);
	return MLXCTL_EXIT_OK;
}

static void
cmd_metrics_count(const char *what, int64_t n)
{
	if (n == MLXD_NULL_INT64)
		printf("n/a %s", what);
	else
		printf("%" PRId64 " %s", n, what);
}

static int
cmd_metrics_system_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_system	*sys = NULL;
	char			 mem[MONITOR_CELL_LEN];
	size_t			 i;
	int			 rc;

	if (!cmd_metrics_args(m, argc, argv))
		return mlxctl_usage_error(&cmd_system_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/system");
	if ((rc = mlxd_system(m->client, &sys)) != 0)
		return mlxctl_fail(m, rc);
	printf("Host:       %s\n", cmd_metrics_str(sys->hostname));
	printf("Chip:       %s\n", cmd_metrics_str(sys->chip));
	printf("Model:      %s\n", cmd_metrics_str(sys->model));
	printf("CPUs:       ");
	cmd_metrics_count("logical", sys->cpus_logical);
	printf(", ");
	cmd_metrics_count("physical", sys->cpus_physical);
	for (i = 0; i < sys->nclusters; i++) {
		printf("%s%s: ", i == 0 ? " (" : ", ",
		    cmd_metrics_str(sys->clusters[i].label));
		cmd_metrics_count(cmd_metrics_str(sys->clusters[i].name),
		    sys->clusters[i].cpus);
	}
	printf("%s\n", sys->nclusters > 0 ? ")" : "");
	printf("GPU:        %s", cmd_metrics_str(sys->gpu_name));
	if (sys->gpu_cores != MLXD_NULL_INT64)
		printf(", %" PRId64 " cores", sys->gpu_cores);
	printf("\n");
	monitor_bytes(mem, sizeof mem, sys->memory_total_bytes);
	printf("Memory:     %s\n", mem);
	printf("OS:         %s %s (kernel %s, %s)\n",
	    cmd_metrics_str(sys->os_name),
	    sys->os_version != NULL ? sys->os_version : "",
	    cmd_metrics_str(sys->kernel), cmd_metrics_str(sys->arch));
	mlxd_system_free(sys);
	return MLXCTL_EXIT_OK;
}

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.alias = NULL,
	.usage = "[--json]",
	.help = "one sample of memory, CPU, GPU, power and thermal state",
	.exec = cmd_metrics_exec,
};

const struct cmd_entry cmd_system_entry = {
	.name = "system",
	.alias = NULL,
	.usage = "[--json]",
	.help = "describe the machine: chip, CPUs, GPU, memory, OS",
	.exec = cmd_metrics_system_exec,
};
