# SPDX-License-Identifier: ISC
"""System metrics against the real machine (Linux): memory equals
/proc/meminfo, a busy core shows, a missing GPU is null, history grows one
sample per interval, SSE reaches several clients within 2 s, /metrics is
valid exposition format, and the TCP listener guards everything but
/metrics with a token."""
import http.client
import os
import re
import socket
import subprocess
import sys
import time

from harness import SLOW, check, eq, run, wait_for


def meminfo():
    m = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":")
        m[k] = int(v.split()[0]) * 1024
    return m


def test_memory_truth(env):
    env.daemon()
    s = wait_for(lambda: env.request("GET", "/v1/metrics")[2]
                 if env.request("GET", "/v1/metrics")[0] == 200 else None,
                 3, "a sample")
    mi = meminfo()
    mem = s["memory"]
    eq(mem["total_bytes"], mi["MemTotal"], "memory total = MemTotal")
    used = mi["MemTotal"] - mi["MemAvailable"]
    check(abs(mem["used_bytes"] - used) <= 0.02 * mi["MemTotal"],
          "used within 2%% (%d vs %d)" % (mem["used_bytes"], used))
    check(abs(mem["available_bytes"] - mi["MemAvailable"]) <=
          0.02 * mi["MemTotal"], "available within 2%")
    # No GPU on this machine: null, never 0.
    if not os.path.exists("/sys/class/drm/card0/device/gpu_busy_percent"):
        eq(s["gpu"]["utilization_pct"], None, "missing GPU is null")
    system = env.get("/v1/system")
    eq(system["memory_total_bytes"], mi["MemTotal"], "system memory")
    eq(system["cpu"]["logical"], os.cpu_count(), "logical CPUs")
    eq(system["hostname"], socket.gethostname(), "hostname")
    st = env.get("/v1/status")
    check("system" in st and st["system"]["memory"]["total_bytes"] ==
          mi["MemTotal"], "status carries the latest sample")


def test_first_sample_has_no_cpu(env):
    env.daemon(config="metrics:\n  interval_ms: 5000\n")
    s = env.get("/v1/metrics")
    eq(s["cpu"]["utilization_pct"], None, "no CPU figure without a delta")
    for v in s["power_watts"].values():
        eq(v, None, "no power without a delta")


def test_busy_core_shows(env):
    env.daemon(config="metrics:\n  interval_ms: 500\n")
    time.sleep(1.5)
    idle = env.get("/v1/metrics")["cpu"]["utilization_pct"]
    check(idle is not None, "CPU figure after the second sample")
    spin = subprocess.Popen([sys.executable, "-c",
                             "import time\nt=time.time()\n"
                             "while time.time()-t<4: pass"])
    try:
        def busy():
            u = env.get("/v1/metrics")["cpu"]["utilization_pct"]
            return u if u is not None and u >= 100.0 / os.cpu_count() * 0.7 \
                and u > idle else None
        u = wait_for(busy, 3.5, "a busy core to show (idle was %.1f%%)"
                     % idle, interval=0.25)
        print("idle %.1f%%, one core busy %.1f%%" % (idle, u))
    finally:
        spin.kill()
        spin.wait()


def test_history_grows(env):
    env.daemon(config="metrics:\n  interval_ms: 250\n")
    time.sleep(0.5)
    n0 = len(env.get("/v1/metrics/history?window=1h")["points"])
    time.sleep(2.0)
    h = env.get("/v1/metrics/history?window=1h")
    n1 = len(h["points"])
    eq(h["interval_ms"], 250, "interval")
    check(6 <= n1 - n0 <= 10, "about one sample per 250 ms: %d in 2 s"
          % (n1 - n0))
    ts = [p["t"] for p in h["points"]]
    eq(ts, sorted(ts), "oldest first")
    stepped = env.get("/v1/metrics/history?window=10s&step=1s")
    check(len(stepped["points"]) <= 11, "steps of 1 s")
    for bad in ("window=soon", "window=2h&step=3h", "step=-1"):
        st, _, body = env.request("GET", "/v1/metrics/history?" + bad)
        eq(st, 400, "bad query %s" % bad)


def read_events(sock, n_metrics, timeout):
    """Connect to /v1/events, return (events seen, seconds to the first
    metrics event)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: mlxd\r\n\r\n")
    t0 = time.monotonic()
    buf = b""
    events = []
    first_metrics = None
    while time.monotonic() - t0 < timeout:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        for m in re.finditer(rb"event: (\w+)\r?\n", buf):
            pass
        events = re.findall(rb"event: (\w+)", buf)
        if first_metrics is None and b"metrics" in events:
            first_metrics = time.monotonic() - t0
        if events.count(b"metrics") >= n_metrics:
            break
    s.close()
    head = buf.split(b"\r\n\r\n")[0]
    return head, events, first_metrics


def test_sse_many_clients(env):
    env.daemon()
    import threading
    results = []

    def client():
        results.append(read_events(env.sock, 2, 5))
    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(len(results), 8, "eight clients")
    for head, events, first in results:
        check(b"text/event-stream" in head, "SSE content type")
        eq(events[0], b"status", "status snapshot first")
        check(first is not None and first <= 2.0 * SLOW,
              "a metrics event within 2 s (%r)" % first)
        check(events.count(b"metrics") >= 2, "metrics events keep coming")


PROM_LINE = re.compile(
    r'^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|'
    r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?'
    r' -?[0-9.e+-]+)$')


def check_exposition(text):
    typed = set()
    for line in text.splitlines():
        check(PROM_LINE.match(line), "exposition line: %r" % line)
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
        elif not line.startswith("#"):
            name = re.match(r"[a-zA-Z0-9_:]+", line).group(0)
            check(name in typed, "%s has a TYPE line before it" % name)
            check("nan" not in line.lower(), "no NaN: %s" % line)


def test_prometheus(env):
    sim = env.sim()
    env.daemon(sim)
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    sim.load(model)
    wait_for(lambda: env.get("/v1/status")["ollama"]["running"], 3, "loaded")
    time.sleep(1.2)
    st, hd, body = env.request("GET", "/metrics", raw=True)
    eq(st, 200, "GET /metrics")
    check(hd["content-type"].startswith("text/plain; version=0.0.4"),
          "exposition content type")
    text = body.decode()
    check_exposition(text)
    for name in ("mlxd_memory_used_bytes", "mlxd_ollama_up 1",
                 'mlxd_ollama_model_loaded{model="%s"} 1' % model,
                 'mlxd_ollama_model_vram_bytes{model="%s"}' % model,
                 'mlxd_cpu_utilization_ratio'):
        check(name in text, "%s in /metrics" % name)
    check("mlxd_gpu_utilization_ratio" not in text or
          os.path.exists("/sys/class/drm/card0/device/gpu_busy_percent"),
          "unavailable GPU is absent, not 0")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def test_tcp_listener_and_token(env):
    port = free_port()
    env.daemon(config="http:\n  listen: 127.0.0.1:%d\n  token: t0ken\n"
               % port)

    def get(path, token=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path, headers={"Authorization": "Bearer " + token}
                  if token else {})
        r = c.getresponse()
        b = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), b
    st, _, body = get("/metrics")
    eq(st, 200, "/metrics needs no token")
    check_exposition(body.decode())
    st, hd, _ = get("/v1/status")
    eq(st, 401, "status without a token")
    eq(hd.get("www-authenticate"), "Bearer", "challenge")
    eq(get("/v1/status", "wrong")[0], 401, "wrong token")
    eq(get("/v1/status", "t0ken")[0], 200, "right token")
    opts = {o["name"]: o for o in env.get("/v1/config")["options"]}
    eq(opts["http.token"]["value"], "***", "token never shown")


def test_tcp_listener_refuses_remote(env):
    d = env.daemon(config="http:\n  listen: 0.0.0.0:%d\n" % free_port(),
                   wait=False)
    d.proc.wait(10)
    d.log.close()
    eq(d.proc.returncode, 1, "refused to listen on all interfaces")
    check("not a loopback address" in d.read_log(), "says why")
    env.procs.remove(d)


if __name__ == "__main__":
    run([test_memory_truth, test_first_sample_has_no_cpu, test_busy_core_shows,
         test_history_grows, test_sse_many_clients, test_prometheus,
         test_tcp_listener_and_token, test_tcp_listener_refuses_remote])
