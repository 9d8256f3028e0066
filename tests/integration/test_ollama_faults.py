# SPDX-License-Identifier: ISC
"""A dead, failing, lying or stalled Ollama is a state mlxd shows, never a
crash: down and back (noticed within 5 s), HTTP 500, garbage, stalls."""
import time

from harness import check, eq, run, wait_for


def connected(env):
    return env.get("/v1/status")["ollama"]["connected"]


def test_down_and_back(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: connected(env), 5, "connected")
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    sim.load(model)
    wait_for(lambda: env.get("/v1/status")["ollama"]["running"], 3, "loaded")
    port = sim.port
    sim.kill()
    s = wait_for(lambda: (lambda s: s if not s["ollama"]["connected"]
                          else None)(env.get("/v1/status")), 5, "down seen")
    check(s["ollama"]["last_error"], "last_error says why")
    eq(s["ollama"]["running"], [], "nothing known to be loaded")
    check(s["ollama"]["last_ok_at"] is not None, "last_ok_at kept")
    # Wait long enough for the backoff to grow, then come back.
    time.sleep(3)
    sim.port = port
    sim.start()
    t0 = time.monotonic()
    wait_for(lambda: connected(env), 5, "Ollama back within 5 s")
    print("reconnected after %.2f s" % (time.monotonic() - t0))
    eq(env.get("/v1/status")["ollama"]["last_error"], None, "error cleared")


def test_http_500(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: connected(env), 5, "connected")
    sim.config(mode="error500")
    s = wait_for(lambda: (lambda s: s if s["ollama"]["last_error"] else None)
                 (env.get("/v1/status")), 3, "500 shown")
    check("500" in s["ollama"]["last_error"], "status in the error: %s"
          % s["ollama"]["last_error"])
    check("llama runner" in s["ollama"]["last_error"], "Ollama's message")
    sim.config(mode="ok")
    wait_for(lambda: env.get("/v1/status")["ollama"]["last_error"] is None,
             3, "error cleared")


def test_garbage(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: connected(env), 5, "connected")
    sim.config(mode="garbage")
    s = wait_for(lambda: (lambda s: s if s["ollama"]["last_error"] else None)
                 (env.get("/v1/status")), 3, "garbage shown")
    check("JSON" in s["ollama"]["last_error"], "says the reply was not JSON")
    eq(env.get("/v1/health")["status"], "ok", "daemon fine")


def test_stall_never_blocks_api(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: connected(env), 5, "connected")
    sim.config(mode="stall")
    # While Ollama stalls, the API answers at once and the poller times out.
    for _ in range(20):
        t0 = time.monotonic()
        env.get("/v1/status")
        check(time.monotonic() - t0 < 0.5, "status answered promptly")
        time.sleep(0.1)
    s = wait_for(lambda: (lambda s: s if s["ollama"]["last_error"] else None)
                 (env.get("/v1/status")), 5, "timeout shown")
    check("timed out" in s["ollama"]["last_error"].lower() or
          "timeout" in s["ollama"]["last_error"].lower(),
          "timeout error: %s" % s["ollama"]["last_error"])
    sim.config(mode="ok")
    wait_for(lambda: connected(env), 5, "recovered after the stall")


if __name__ == "__main__":
    run([test_down_and_back, test_http_500, test_garbage,
         test_stall_never_blocks_api])
