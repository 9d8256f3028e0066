# SPDX-License-Identifier: ISC
"""A dead, failing, lying or stalled Ollama is a state mlxd shows, never a
crash: down and back (noticed within 5 s), HTTP 500, garbage, stalls."""
import select
import socket
import threading
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


class HangingOllama:
    """Accepts connections and never answers, counting the connections the
    client holds open at once (one closed by the client no longer counts)."""

    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.url = "http://127.0.0.1:%d" % self.lsock.getsockname()[1]
        self.open = []
        self.accepted = 0
        self.most = 0
        self.paths = []
        self.done = False
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        while not self.done:
            r, _, _ = select.select([self.lsock] + self.open, [], [], 0.02)
            for s in r:
                if s is self.lsock:
                    c, _ = s.accept()
                    self.open.append(c)
                    self.accepted += 1
                    self.most = max(self.most, len(self.open))
                    continue
                try:
                    got = s.recv(4096)
                except OSError:
                    got = b""
                if not got:
                    self.open.remove(s)
                    s.close()
                elif got.split(b" ")[0] in (b"GET", b"POST", b"HEAD"):
                    self.paths.append(got.split(b" ")[1].decode())

    def stop(self):
        self.done = True
        self.t.join(2)
        for s in self.open:
            s.close()
        self.lsock.close()


def test_one_probe_in_flight_while_disconnected(env):
    """A hung Ollama: each /api/ps probe times out (1 s) long after the
    next poll tick (100 ms), yet mlxd never has two probes open at once."""
    ho = HangingOllama()
    try:
        env.daemon(config="ollama:\n  url: %s\n  poll_interval_ms: 100\n"
                   "  timeout_ms: 1000\n" % ho.url)
        wait_for(lambda: ho.accepted >= 3, 10, "three probes")
        eq(connected(env), False, "not connected to a hung Ollama")
        print("probes: %d, most open at once: %d, paths: %s"
              % (ho.accepted, ho.most, sorted(set(ho.paths))))
        eq(ho.most, 1, "probes open at once")
        eq(set(ho.paths), {"/api/ps"}, "only /api/ps probes")
    finally:
        ho.stop()


if __name__ == "__main__":
    run([test_down_and_back, test_http_500, test_garbage,
         test_stall_never_blocks_api,
         test_one_probe_in_flight_while_disconnected])
