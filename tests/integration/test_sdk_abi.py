# SPDX-License-Identifier: ISC
"""libmlxd's ABI: a program built against an older header (tests/abi/
mlxd_old.h, with fewer struct members) works with the current library,
which neither writes nor reads past the sizes that program passes."""
import os
import subprocess

from harness import MLXCTL, check, eq, run, wait_for

ABI_OLD = os.environ.get("ABI_OLD_BIN", "abi_old")


def test_old_program_new_library(env):
    sim = env.sim(["--tps", "500", "--ttft-ms", "5", "--load-ms", "5"])
    env.daemon(sim)
    # The status has no ollama section for the first few ms after the
    # socket opens.
    wait_for(lambda: env.get("/v1/status").get("ollama", {}).get("connected"),
             10, "Ollama connected")
    e = dict(env.base_env)
    p = subprocess.run([ABI_OLD, env.sock], capture_output=True, env=e,
                       timeout=60)
    out, err = p.stdout.decode(), p.stderr.decode()
    eq(p.returncode, 0, "abi_old exit status (stderr: %s)" % err)
    check("llama3.2:latest" in out, "models listed: %r" % out)
    # What the old program sent reached the daemon as it meant it.
    runs = env.get("/v1/benchmarks")["benchmarks"]
    eq(len(runs), 1, "one benchmark started")
    eq(runs[0]["model"], "llama3.2", "benchmark model")
    jobs = env.get("/v1/jobs?kind=cache.dedup")["jobs"]
    eq(len(jobs), 1, "one dedup job")


def test_unprepared_struct_is_refused(env):
    """A struct whose size was never set (0) is -EINVAL before anything is
    sent; mlxctl, which prepares its structs, still generates."""
    sim = env.sim(["--tps", "500", "--ttft-ms", "5", "--load-ms", "5"])
    env.daemon(sim)
    p = subprocess.run([ABI_OLD, env.sock, "unprepared"], capture_output=True,
                       env=dict(env.base_env), timeout=60)
    eq(p.returncode, 0, "abi_old unprepared (stderr: %s)" % p.stderr.decode())
    st, log = sim.request("GET", "/_sim/requests")
    eq(log["requests"], [], "nothing reached Ollama")
    code, out, err = env.mlxctl("run", "llama3.2", "hi")
    eq(code, 0, "mlxctl run (stderr: %s)" % err)
    st, log = sim.request("GET", "/_sim/requests")
    eq(len(log["requests"]), 1, "mlxctl's generation reached Ollama")


def test_status_example_uses_accessors(env):
    """mlxd_status_example lists the loaded models through
    mlxd_status_running_count()/mlxd_status_running_get()."""
    sim = env.sim()
    sim.load("qwen3:8b")
    env.daemon(sim)
    wait_for(lambda: env.get("/v1/status").get("ollama", {}).get("running"),
             10, "the loaded model in the status")
    exe = os.path.join(os.path.dirname(MLXCTL), "mlxd_status_example")
    p = subprocess.run([exe, env.sock], capture_output=True,
                       env=dict(env.base_env), timeout=30)
    eq(p.returncode, 0, "example exit status (stderr: %r)" % p.stderr)
    out = p.stdout.decode()
    check("connected" in out, "status printed: %r" % out)
    check("loaded: qwen3:8b (" in out, "loaded model listed: %r" % out)


if __name__ == "__main__":
    run([test_old_program_new_library, test_unprepared_struct_is_refused,
         test_status_example_uses_accessors])
