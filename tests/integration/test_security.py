# SPDX-License-Identifier: ISC
"""The daemon cannot be wedged, tricked or made to lie (docs/security.md):
bounded shutdown, signals from the first instant, socket hygiene, the
browser-origin defence and slow-client limits on TCP listeners, honest ends
of mlxd's own streams, start-up reconciliation of interrupted runs, and
strict request handling."""
import http.client
import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading
import time

from harness import MLXD, SLOW, check, eq, run, wait_for


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_mlxd(env, *args, config="", timeout=20):
    path = os.path.join(env.dir, "c.yaml")
    with open(path, "w") as f:
        f.write(config)
    cmd = [MLXD, "--data-dir", env.data, "--config", path] + list(args)
    if "--socket" not in args:
        cmd += ["--socket", env.sock]
    p = subprocess.run(cmd, capture_output=True, env=env.base_env,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def tcp(port, method, path, body=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    try:
        c.request(method, path, body=json.dumps(body) if body is not None
                  else None, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def sim_requests(sim, path):
    st, reqs = sim.request("GET", "/_sim/requests")
    eq(st, 200, "sim request log")
    return [r for r in reqs["requests"] if r.get("path") == path]


# ---- 1. shutdown is bounded ------------------------------------------------

def test_shutdown_bounded_with_pending_passthrough(env):
    sim = env.sim(["--mode", "stall"])
    d = env.daemon(sim)
    got = {}

    def call():
        try:
            got["st"] = env.request("GET", "/api/tags", timeout=30)[0]
        except Exception as e:   # the reply, or a closed connection
            got["err"] = e
    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.5 * SLOW)       # the pass-through now waits on Ollama
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    try:
        d.proc.wait(10 * SLOW)
    except subprocess.TimeoutExpired:
        pass
    took = time.monotonic() - t0
    t.join(10)
    check(d.proc.poll() is not None, "mlxd still running %.1fs after "
          "SIGTERM with a pass-through pending" % took)
    check(took <= 2.0 * SLOW, "stopped in %.2fs (at most 2s)" % took)
    eq(d.proc.returncode, 0, "exit status")
    check(not os.path.exists(env.sock), "socket removed")
    check(got.get("st") in (502, 503) or "err" in got,
          "the waiting client was answered or released: %r" % got)


# ---- 2. signals from the first instant --------------------------------------

def test_sigterm_right_after_start(env):
    for i in range(5):
        sock = os.path.join(env.dir, "r%d" % i, "s.sock")
        cmd = [MLXD, "--socket", sock, "--data-dir", env.data + str(i),
               "--config", os.devnull]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env.base_env)
        deadline = time.monotonic() + 10 * SLOW
        while not os.path.exists(sock) and time.monotonic() < deadline \
                and p.poll() is None:
            time.sleep(0.0005)
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=15 * SLOW)[1].decode()
        eq(p.returncode, 0, "exit status after SIGTERM at start-up "
           "(round %d): %s" % (i, err))
        check(not os.path.exists(sock), "socket removed (round %d)" % i)


def test_second_signal_while_stopping(env):
    d = env.daemon()
    c = env.conn(timeout=10)
    c.request("GET", "/v1/events")      # something to wind down
    r = c.getresponse()
    r.readline()
    d.signal(signal.SIGINT)
    d.signal(signal.SIGTERM)            # impatient: a second one
    d.signal(signal.SIGHUP)
    d.proc.wait(15 * SLOW)
    c.close()
    d.stop()                            # must have exited 0


# ---- 3, 4. socket hygiene ---------------------------------------------------

def test_socket_never_removes_a_regular_file(env):
    d = os.path.join(env.dir, "docs")
    os.makedirs(d, mode=0o700)
    notes = os.path.join(d, "notes.txt")
    with open(notes, "w") as f:
        f.write("keep me\n")
    rc, out, err = run_mlxd(env, "--socket", notes)
    eq(rc, 1, "refused: %s" % err)
    check(notes in err and "not a socket" in err, "says why: %r" % err)
    with open(notes) as f:
        eq(f.read(), "keep me\n", "the file is untouched")


def test_socket_directory_never_chmodded(env):
    # An existing directory of ours that others cannot write: used as is.
    shared = os.path.join(env.dir, "home-like")
    os.makedirs(shared)
    os.chmod(shared, 0o755)
    sock = os.path.join(shared, "mlxd.sock")
    p = subprocess.Popen([MLXD, "--socket", sock, "--data-dir", env.data,
                          "--config", os.devnull], env=env.base_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: os.path.exists(sock), 10, "the socket")
    eq(stat.S_IMODE(os.stat(shared).st_mode), 0o755, "mode left alone")
    eq(stat.S_IMODE(os.stat(sock).st_mode), 0o600, "socket 0600")
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=15 * SLOW)
    eq(p.returncode, 0, "clean stop")
    # Writable by others (like /tmp): refused, named, mode left alone.
    open_dir = os.path.join(env.dir, "tmp-like")
    os.makedirs(open_dir)
    os.chmod(open_dir, 0o1777)
    rc, out, err = run_mlxd(env, "--socket",
                            os.path.join(open_dir, "x.sock"))
    eq(rc, 1, "refused: %s" % err)
    check(open_dir in err and "private directory" in err and
          "--socket %s/mlxd-%d/" % (open_dir, os.geteuid()) in err,
          "names the path and the fix: %r" % err)
    eq(stat.S_IMODE(os.stat(open_dir).st_mode), 0o1777, "mode left alone")
    # Group-writable, not shared: the fix is to tighten it.
    group_dir = os.path.join(env.dir, "group-writable")
    os.makedirs(group_dir)
    os.chmod(group_dir, 0o775)
    rc, out, err = run_mlxd(env, "--socket",
                            os.path.join(group_dir, "x.sock"))
    eq(rc, 1, "refused: %s" % err)
    check("chmod go-w %s" % group_dir in err, "says how: %r" % err)
    eq(stat.S_IMODE(os.stat(group_dir).st_mode), 0o775, "mode left alone")
    # A missing directory is created 0700.
    fresh = os.path.join(env.dir, "fresh", "run")
    p = subprocess.Popen([MLXD, "--socket", os.path.join(fresh, "m.sock"),
                          "--data-dir", env.data, "--config", os.devnull],
                         env=env.base_env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(os.path.join(fresh, "m.sock")), 10,
             "the socket")
    eq(stat.S_IMODE(os.stat(fresh).st_mode), 0o700, "created 0700")
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=15 * SLOW)


# ---- 5. browser-origin defence ----------------------------------------------

def proxy_daemon(env, sim, extra="", extra_env=None):
    port = free_port()
    mport = free_port()
    env.daemon(sim, config="proxy:\n  listen: 127.0.0.1:%d\n%s"
               "http:\n  listen: 127.0.0.1:%d\n" % (port, extra, mport),
               extra_env=extra_env)
    # The TCP listeners open just after the socket answers.
    for p in (port, mport):
        wait_for(lambda: socket.create_connection(("127.0.0.1", p)).close()
                 or True, 5, "port %d to accept" % p)
    return port, mport


def test_proxy_refuses_foreign_origin_and_host(env):
    sim = env.sim(["--tps", "500", "--ttft-ms", "1", "--load-ms", "1"])
    port, mport = proxy_daemon(env, sim)
    gen = {"model": "llama3.2", "prompt": "hi", "stream": False}
    sim.request("DELETE", "/_sim/requests")
    for hdrs in ({"Origin": "http://evil.example"},
                 {"Host": "evil.example"},
                 {"Host": "evil.example:%d" % port},
                 {"Origin": "null"}):
        st, body = tcp(port, "POST", "/api/generate", gen, headers=hdrs)
        eq(st, 403, "refused for %r" % hdrs)
        obj = json.loads(body)
        check(set(obj) == {"error"} and obj["error"],
              "Ollama's error shape: %r" % body)
    st, body = tcp(port, "POST", "/api/generate", gen,
                   headers={"Content-Type": "text/plain",
                            "Origin": "http://evil.example"})
    eq(st, 403, "CSRF with a text/plain body")
    eq(sim_requests(sim, "/api/generate"), [], "no prompt reached Ollama")
    # Ollama's defaults are served.
    for hdrs in ({}, {"Origin": "http://localhost:3000"},
                 {"Origin": "http://127.0.0.1"},
                 {"Origin": "chrome-extension://abcdef"},
                 {"Host": "localhost:%d" % port}, {"Host": "[::1]"}):
        st, body = tcp(port, "POST", "/api/generate", gen, headers=hdrs)
        eq(st, 200, "served for %r: %r" % (hdrs, body[:200]))
    # The metrics listener has the same defence, in mlxd's error shape.
    st, body = tcp(mport, "GET", "/metrics",
                   headers={"Origin": "http://evil.example"})
    eq(st, 403, "metrics listener refuses a foreign origin")
    eq(json.loads(body)["error"]["code"], "forbidden", "mlxd error shape")
    st, _ = tcp(mport, "GET", "/metrics", headers={"Host": "evil.example"})
    eq(st, 403, "metrics listener refuses a foreign Host")
    st, _ = tcp(mport, "GET", "/metrics")
    eq(st, 200, "metrics served")


def test_allowed_origins_from_config_and_environment(env):
    sim = env.sim(["--tps", "500", "--ttft-ms", "1", "--load-ms", "1"])
    port, _ = proxy_daemon(env, sim,
                           extra="  origins: ['https://*.example.org']\n",
                           extra_env={"OLLAMA_ORIGINS":
                                      "http://evil.example"})
    st, _ = tcp(port, "GET", "/api/version",
                headers={"Origin": "http://evil.example"})
    eq(st, 200, "OLLAMA_ORIGINS entry allowed (environment over file)")
    st, _ = tcp(port, "GET", "/api/version",
                headers={"Origin": "http://other.example"})
    eq(st, 403, "others still refused")


# ---- 6. slow clients --------------------------------------------------------

def test_slow_request_heads_are_cut(env):
    sim = env.sim()
    port, _ = proxy_daemon(env, sim)
    # One peer cannot take more than its share of connections.
    idle = []
    for _ in range(64):
        s = socket.create_connection(("127.0.0.1", port))
        idle.append(s)
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", port))
    extra.settimeout(5)
    try:
        extra.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = extra.recv(100)
    except OSError:
        data = b""
    eq(data, b"", "connection over the per-peer limit closed")
    extra.close()
    # A client that trickles its head is cut at the deadline.
    t0 = time.monotonic()
    slow = idle[0]
    slow.settimeout(0.5)
    closed = None
    head = b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
    for i in range(60):
        try:
            slow.sendall(head[i:i + 1] if i < len(head) else b"a")
            if slow.recv(1) == b"":
                closed = time.monotonic() - t0
                break
        except socket.timeout:
            continue
        except OSError:
            closed = time.monotonic() - t0
            break
    check(closed is not None and closed <= 12.0 * SLOW,
          "trickling client cut within the 10 s head deadline (%r)" % closed)
    for s in idle:
        s.close()
    # The server frees a peer's slots as its connection threads end.
    wait_for(lambda: tcp(port, "GET", "/api/version")[0] == 200, 5,
             "the listener to serve again")


def test_head_timeout_setting(env):
    sim = env.sim()
    port, mport = free_port(), free_port()
    env.daemon(sim, config="proxy:\n  listen: 127.0.0.1:%d\nhttp:\n"
               "  listen: 127.0.0.1:%d\n  head_timeout_s: 2\n"
               % (port, mport))
    for p in (port, mport):
        wait_for(lambda: socket.create_connection(("127.0.0.1", p)).close()
                 or True, 5, "port %d to accept" % p)
    # Both TCP listeners cut a half-sent head at 2 s, not 10 s.
    for p in (port, mport):
        s = socket.create_connection(("127.0.0.1", p))
        t0 = time.monotonic()
        s.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(9)
        try:
            data = s.recv(100)
        except socket.timeout:
            data = None
        except OSError:
            data = b""
        took = time.monotonic() - t0
        s.close()
        eq(data, b"", "port %d: connection closed without a reply" % p)
        check(1.5 <= took <= 4.0 * SLOW, "port %d: cut after %.1f s with "
              "http.head_timeout_s 2" % (p, took))
    # A complete head in time is served.
    eq(tcp(port, "GET", "/api/version")[0], 200, "a prompt request")
    opt = [o for o in env.get("/v1/config")["options"]
           if o["name"] == "http.head_timeout_s"]
    eq(len(opt), 1, "the option is listed")
    eq(opt[0].get("value"), 2, "its value: %r" % opt[0])


# ---- 7 (mlxd's own streams). honest ends -----------------------------------

def test_event_stream_ends_with_an_error_on_stop(env):
    d = env.daemon()
    c = env.conn(timeout=10)
    c.request("GET", "/v1/events")
    r = c.getresponse()
    eq(r.status, 200, "events stream")
    first = r.readline()
    check(first.startswith(b"retry") or first.startswith(b"event"),
          "stream started: %r" % first)
    d.signal(signal.SIGTERM)
    rest = b""
    incomplete = False
    try:
        while True:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                break
            rest += chunk
    except http.client.IncompleteRead as e:
        rest += e.partial
        incomplete = True
    except (http.client.HTTPException, OSError):
        incomplete = True
    events = [b for b in rest.split(b"\n\n") if b.strip()]
    check(events, "something after the start: %r" % rest)
    last = events[-1].decode()
    check(last.startswith("event: error\n"), "last event is an error: %r"
          % last)
    err = json.loads(last.split("data: ", 1)[1])["error"]
    eq(err["code"], "stopping", "error code")
    check(incomplete, "the transfer was not ended as complete")
    d.stop()


def test_sdk_reports_why_the_event_stream_ended(env):
    example = os.environ.get("EVENTS_EXAMPLE_BIN")
    if not example or not os.path.exists(example):
        check(False, "EVENTS_EXAMPLE_BIN not set")
    d = env.daemon()
    p = subprocess.Popen([example, env.sock], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env.base_env)
    wait_for(lambda: env.get("/v1/status")["daemon"].get("pid") and
             p.poll() is None, 5, "the example to run")
    time.sleep(0.5 * SLOW)        # subscribed
    d.stop()
    out, err = p.communicate(timeout=15 * SLOW)
    check("mlxd is stopping" in err.decode(), "libmlxd reports the daemon's "
          "cause: %r" % err)
    eq(p.returncode, 1, "the example's exit status")


# ---- 8. start-up reconciliation --------------------------------------------

def test_interrupted_run_is_reconciled(env):
    sim = env.sim(["--tps", "5", "--ttft-ms", "10", "--load-ms", "10"])
    d = env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5, "models")
    st, _, b = env.request("POST", "/v1/benchmarks",
                           body={"model": "llama3.2", "suite": "quick"})
    eq(st, 202, "benchmark accepted: %r" % (b,))
    rid = b["id"]
    wait_for(lambda: env.get("/v1/benchmarks/" + rid)["state"] == "running",
             10, "the run to be running")
    d.proc.kill()             # a crash: nothing gets to clean up
    d.proc.wait()
    d.log.close()
    env.procs.remove(d)
    env.daemon(sim)
    r = env.get("/v1/benchmarks/" + rid)
    eq(r["state"], "interrupted", "state after restart")
    check("mlxd stopped" in (r.get("error") or ""), "error says why: "
          "%r" % r.get("error"))
    check(r.get("finished_at") is not None, "an interrupted run has ended")
    runs = env.get("/v1/benchmarks")["benchmarks"]
    check(any(x["id"] == rid and x["state"] == "interrupted" for x in runs),
          "the list shows it interrupted")
    rc, out, err = env.mlxctl("bench", "show", rid)
    eq(rc, 0, "mlxctl bench show: %s" % err)
    check("interrupted" in out.splitlines()[0], "mlxctl shows the state: "
          "%r" % out)
    rc, out, err = env.mlxctl("bench", "list")
    check(rc == 0 and any(rid[:8] in l and "interrupted" in l
                          for l in out.splitlines()),
          "mlxctl bench list shows it interrupted: %r" % out)
    st, _, body = env.request("DELETE", "/v1/history")
    eq(st, 200, "history deleted: %r" % (body,))
    st, _, _ = env.request("GET", "/v1/benchmarks/" + rid)
    eq(st, 404, "the interrupted run is deleted with the history")


# ---- 9. smaller ones --------------------------------------------------------

def test_repeated_flags(env):
    rc, out, err = run_mlxd(env, *(["--log-level", "info"] * 6), "-n")
    eq(rc, 0, "repeated --log-level: %s" % err)
    check("configuration OK" in out, "checked")


def test_check_config_validates_listen_addresses(env):
    rc, out, err = run_mlxd(env, "-n", config="http:\n  listen: "
                            "10.1.2.3:9100\n")
    eq(rc, 1, "-n refuses what start-up refuses: %s" % out)
    check("http.listen" in err and "http.allow_remote" in err,
          "says how: %r" % err)
    check("configuration OK" not in out, "not OK")
    rc, out, err = run_mlxd(env, "-n", config="proxy:\n  listen: "
                            "10.1.2.3:11435\nhttp:\n  allow_remote: true\n")
    eq(rc, 1, "proxy on the network refused: %s" % out)
    check("proxy.listen" in err and "allow_remote" not in err,
          "does not suggest an option the proxy ignores: %r" % err)
    rc, out, err = run_mlxd(env, "-n", config="proxy:\n  listen: nonsense\n")
    eq(rc, 1, "a listen address that is not host:port")
    rc, out, err = run_mlxd(env, "-n", config="http:\n  listen: "
                            "127.0.0.1:9100\n")
    eq(rc, 0, "loopback is fine: %s" % err)
    # The socket path is checked as start-up checks it, creating nothing.
    open_dir = os.path.join(env.dir, "open")
    os.makedirs(open_dir)
    os.chmod(open_dir, 0o777)
    rc, out, err = run_mlxd(env, "-n", "--socket",
                            os.path.join(open_dir, "m.sock"))
    eq(rc, 1, "-n refuses a socket directory others can write: %s" % out)
    check("chmod go-w" in err, "says how: %r" % err)
    missing = os.path.join(env.dir, "missing", "m.sock")
    rc, out, err = run_mlxd(env, "-n", "--socket", missing)
    eq(rc, 0, "a directory that would be created is fine: %s" % err)
    check(not os.path.exists(os.path.dirname(missing)), "-n created nothing")


def test_odd_requests_get_replies(env):
    env.daemon()
    st, hd, body = env.request("GET", "/v1/nope%ff")
    eq(st, 404, "undecodable path")
    eq(body["error"]["code"], "not_found", "404 code")
    q = "&".join("a%d=1" % i for i in range(500))
    st, _, body = env.request("GET", "/v1/health?" + q)
    eq(st, 200, "500 query parameters")
    # Expect: 100-continue for a body that is too large: 413 at once.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(env.sock)
    s.sendall(b"POST /v1/cache/sync HTTP/1.1\r\nHost: mlxd\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
    line = s.recv(4096).split(b"\r\n")[0]
    s.close()
    check(line.startswith(b"HTTP/1.1 413 "), "413 instead of 100 Continue: "
          "%r" % line)



def raw_query(addr, path, n, family=socket.AF_UNIX):
    """Send GET path with n query parameters; the status line, or b''."""
    q = "&".join("a%d=1" % i for i in range(n))
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10 * SLOW)
    s.connect(addr)
    data = b""
    try:
        s.sendall(("GET %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Connection: close\r\n\r\n" % (path, q)).encode())
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionError:
        pass
    finally:
        s.close()
    return data.split(b"\r\n")[0]


def test_too_many_query_parameters(env):
    sim = env.sim()
    port, _ = proxy_daemon(env, sim)
    eq(raw_query(env.sock, "/v1/health", 1500), b"HTTP/1.1 200 OK",
       "1,500 query parameters on the socket (docs/security.md)")
    # Past the pool: a 4xx from libmicrohttpd or a closed connection,
    # at once, never a handler's reply or a hang.
    for n in (3000, 10000, 20000):
        t0 = time.monotonic()
        line = raw_query(env.sock, "/v1/health", n)
        check(line == b"" or line.startswith(b"HTTP/1.1 414") or
              line.startswith(b"HTTP/1.1 431"), "%d parameters: %r" %
              (n, line))
        check(time.monotonic() - t0 < 5 * SLOW, "%d parameters: ended "
              "at once" % n)
    eq(raw_query(env.sock, "/v1/health", 20000)[:12], b"HTTP/1.1 414",
       "a request line longer than the pool")
    eq(env.request("GET", "/v1/health")[0], 200, "the daemon carries on")
    line = raw_query(("127.0.0.1", port), "/api/version", 6000,
                     socket.AF_INET)
    check(line == b"" or line[:12] in (b"HTTP/1.1 414", b"HTTP/1.1 431"),
          "proxy, 6,000 parameters: %r" % line)
    eq([r for r in sim_requests(sim, "/api/version") if "a5999" in
        json.dumps(r)], [], "nothing of it reached Ollama")
    eq(tcp(port, "GET", "/api/version")[0], 200, "the proxy carries on")

def test_bodies_are_strict(env):
    env.daemon()
    st, _, body = env.request("POST", "/v1/cache/dedup",
                              body='{"dry_run":true,"dry_run":false}')
    eq(st, 400, "duplicate key refused: %r" % (body,))
    check("duplicate" in body["error"]["message"], "says duplicate")
    st, _, body = env.request("POST", "/v1/benchmarks",
                              body={"model": "llama3.2", "repetitons": 3})
    eq(st, 400, "unknown benchmark field: %r" % (body,))
    check("repetitons" in body["error"]["message"], "names it")
    st, _, body = env.request("POST", "/v1/benchmarks",
                              body='{"model":"a","model":"b"}')
    eq(st, 400, "duplicate benchmark key")


def test_stall_timeout(env):
    sim = env.sim(["--mode", "stall"])
    port = free_port()
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 200\n"
               "  timeout_ms: 1000\n  stall_timeout_s: 1\n"
               "proxy:\n  listen: 127.0.0.1:%d\n" % (sim.url, port))
    t0 = time.monotonic()
    try:
        st, body = tcp(port, "POST", "/api/generate",
                       {"model": "llama3.2", "prompt": "hi"}, timeout=30)
    except (OSError, http.client.HTTPException):
        st = None
    took = time.monotonic() - t0
    check(took < 10 * SLOW, "a stalled generation ends after the stall "
          "timeout, not Ollama's (took %.1fs)" % took)


def test_include_guards_unique(env):
    root = os.environ.get("MLXD_SOURCE_ROOT",
                          os.path.join(os.path.dirname(__file__), "..",
                                       ".."))
    seen = {}
    for top in ("daemon", "include", "clients", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if not f.endswith(".h"):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, errors="replace") as fh:
                    m = re.search(r"^#ifndef (\w+_H)\s*$", fh.read(), re.M)
                if m:
                    check(m.group(1) not in seen, "%s and %s share the "
                          "include guard %s" % (seen.get(m.group(1)), path,
                                                m.group(1)))
                    seen[m.group(1)] = path
    check(len(seen) > 20, "found the headers")


if __name__ == "__main__":
    run([test_shutdown_bounded_with_pending_passthrough,
         test_sigterm_right_after_start,
         test_second_signal_while_stopping,
         test_socket_never_removes_a_regular_file,
         test_socket_directory_never_chmodded,
         test_proxy_refuses_foreign_origin_and_host,
         test_allowed_origins_from_config_and_environment,
         test_slow_request_heads_are_cut,
         test_head_timeout_setting,
         test_too_many_query_parameters,
         test_event_stream_ends_with_an_error_on_stop,
         test_sdk_reports_why_the_event_stream_ended,
         test_interrupted_run_is_reconciled,
         test_repeated_flags,
         test_check_config_validates_listen_addresses,
         test_odd_requests_get_replies,
         test_bodies_are_strict,
         test_stall_timeout,
         test_include_guards_unique])
