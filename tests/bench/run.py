#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmarks: start the real mlxd against the Ollama simulator and print
figures. Targets are printed beside the figures; nothing here fails on a
timing. Usage: tests/bench/run.py BUILD_DIR [bench ...]

  idle     mlxd RSS and CPU over MLXD_BENCH_IDLE_S (default 60) seconds,
           Ollama polled at 1 Hz, metrics sampled at 1 Hz
  status   GET /v1/status with 32 keep-alive clients for 10 s (loadgen)
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
os.environ.setdefault("MLXD_BIN", os.path.join(BUILD, "daemon", "mlxd"))
os.environ.setdefault("MLXCTL_BIN", os.path.join(BUILD, "clients", "mlxctl"))
os.environ.setdefault("SIM_BIN", os.path.join(BUILD, "tests", "sim",
                                              "ollama-sim"))
LOADGEN = os.path.join(BUILD, "tests", "bench", "loadgen")

import harness  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def proc_rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_mem_kb(pid):
    """RSS, and the private part of it (anonymous + private file pages),
    and PSS, from smaps_rollup."""
    out = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0,
           "Anonymous": 0}
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            k = line.split(":")[0]
            if k in out:
                out[k] = int(line.split()[1])
    except OSError:
        out["Rss"] = proc_rss_kb(pid)
    return out


def bench_idle(env):
    secs = float(os.environ.get("MLXD_BENCH_IDLE_S", "60"))
    sim = env.sim()
    d = env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 1000\n"
                   % sim.url)
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    sim.load(model)
    time.sleep(3)
    pid = d.proc.pid
    c0, t0 = proc_cpu_s(pid), time.monotonic()
    peak = {}
    while time.monotonic() - t0 < secs:
        m = proc_mem_kb(pid)
        if m["Rss"] >= peak.get("Rss", 0):
            peak = m
        time.sleep(1)
    cpu = (proc_cpu_s(pid) - c0) / (time.monotonic() - t0) * 100
    private = peak["Private_Clean"] + peak["Private_Dirty"]
    print("idle: %.0f s, Ollama polled at 1 Hz, metrics at 1 Hz: mlxd RSS "
          "peak %.1f MB (target <= 8 MB), of which private %.1f MB "
          "(anonymous %.1f MB) and shared library pages %.1f MB; PSS %.1f "
          "MB; CPU %.2f %% of one core (target <= 0.5 %%)"
          % (secs, peak["Rss"] / 1024, private / 1024,
             peak["Anonymous"] / 1024, (peak["Rss"] - private) / 1024,
             peak["Pss"] / 1024, cpu))


def bench_status(env):
    sim = env.sim()
    env.daemon(sim)
    harness.wait_for(lambda: env.get("/v1/status")["ollama"]["connected"],
                     5, "connected")
    out = subprocess.run([LOADGEN, env.sock, "/v1/status", "32", "10"],
                         capture_output=True, check=True).stdout.decode()
    f = out.split()
    kv = dict(zip(f[0::2], f[1::2]))
    print("status: 32 keep-alive clients, 10 s: %s req/s (target >= "
          "10000), p50 %s ms, p99 %s ms (target <= 5 ms), errors %s, "
          "on %d cores" % (kv["rps"], kv["p50_ms"], kv["p99_ms"],
                            kv["errors"], os.cpu_count()))


BENCHES = {"idle": bench_idle, "status": bench_status}


def main():
    names = sys.argv[2:] or list(BENCHES)
    for name in names:
        env = harness.Env(name)
        ok = False
        try:
            BENCHES[name](env)
            ok = True
        finally:
            env.cleanup(ok)


if __name__ == "__main__":
    main()
