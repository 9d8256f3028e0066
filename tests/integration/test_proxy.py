# SPDX-License-Identifier: ISC
"""The Ollama-compatible proxy listener as a drop-in for Ollama: every route
passes through byte for byte (timestamps and durations aside), bodies of any
size stream both ways, aborts reach Ollama, broken streams look broken, and
shutdown is bounded."""
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from harness import Failure, check, eq, run, wait_for, SLOW

MODEL = "llama3.2"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(env, sim_args=(), config=""):
    port = free_port()
    sim = env.sim(list(sim_args))
    d = env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 200\n"
                   "proxy:\n  listen: 127.0.0.1:%d\n%s"
                   % (sim.url, port, config))
    return sim, d, port


def call(port, method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, data


NORMALISE = [
    (re.compile(rb'"created_at":"[^"]*"'), b'"created_at":"T"'),
    (re.compile(rb'"created":\d+'), b'"created":0'),
    (re.compile(rb'"(total|load|prompt_eval|eval)_duration":\d+'),
     rb'"\1_duration":0'),
    (re.compile(rb'"id":"(chatcmpl|cmpl)-\d+"'), rb'"id":"\1-0"'),
]


def norm(b):
    for rx, rep in NORMALISE:
        b = rx.sub(rep, b)
    return b


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure("no VmRSS for %d" % pid)


def sim_requests(sim):
    st, obj = sim.request("GET", "/_sim/requests")
    eq(st, 200, "sim request log")
    return obj["requests"]


def test_every_route_byte_for_byte(env):
    sim, d, port = start(env, ["--tps", "200", "--ttft-ms", "5",
                               "--load-ms", "5"])
    blob = os.urandom(300000)
    dig = "sha256:" + hashlib.sha256(blob).hexdigest()
    bad = "sha256:" + "0" * 64
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}],
            "options": {"num_predict": 4}}
    oa_chat = {"model": MODEL, "max_tokens": 4,
               "messages": [{"role": "user", "content": "hi"}]}
    cases = [
        ("GET", "/", None), ("HEAD", "/", None),
        ("GET", "/api/version", None), ("GET", "/api/tags", None),
        ("GET", "/api/ps", None),
        ("POST", "/api/show", {"model": MODEL}),
        ("POST", "/api/show", {"model": "nope"}),
        ("POST", "/api/generate", {"model": MODEL, "prompt": "hi",
                                   "options": {"num_predict": 4}}),
        ("POST", "/api/generate", {"model": MODEL, "prompt": "hi",
                                   "stream": False,
                                   "options": {"num_predict": 4}}),
        ("POST", "/api/chat", chat),
        ("POST", "/api/chat", dict(chat, stream=False)),
        ("POST", "/api/generate", {"model": "nope", "prompt": "x"}),
        ("POST", "/api/embed", {"model": "bge-m3", "input": ["a b", "c"]}),
        ("POST", "/api/embed", {"model": "nope", "input": "a"}),
        ("POST", "/api/embeddings", {"model": "bge-m3", "prompt": "a b"}),
        ("POST", "/api/pull", {"model": MODEL}),
        ("POST", "/api/pull", {"model": MODEL, "stream": False}),
        ("POST", "/api/pull", {"model": "nope:1b"}),
        ("POST", "/api/push", {"model": MODEL}),
        ("POST", "/api/create", {"model": "mine", "from": MODEL}),
        ("HEAD", "/api/blobs/" + dig, None),
        ("POST", "/api/blobs/" + bad, blob),
        ("GET", "/v1/models", None),
        ("POST", "/v1/chat/completions", oa_chat),
        ("POST", "/v1/chat/completions", dict(oa_chat, stream=True,
                                              stream_options={
                                                  "include_usage": True})),
        ("POST", "/v1/completions", {"model": MODEL, "prompt": "hi",
                                     "max_tokens": 3}),
        ("POST", "/v1/completions", {"model": MODEL, "prompt": "hi",
                                     "max_tokens": 3, "stream": True}),
        ("POST", "/v1/embeddings", {"model": "bge-m3", "input": ["x", "y"]}),
        ("POST", "/v1/embeddings", {"model": "nope", "input": "x"}),
        ("GET", "/api/nope", None), ("PUT", "/api/tags", None),
    ]
    for method, path, body in cases:
        what = "%s %s %s" % (method, path, str(body)[:60])
        direct = call(sim.port, method, path, body)
        proxied = call(port, method, path, body)
        eq(proxied[0], direct[0], what + ": status")
        eq(proxied[1].get("content-type"), direct[1].get("content-type"),
           what + ": content type")
        eq(norm(proxied[2]), norm(direct[2]), what + ": body")
    # State-changing routes: the same effect either way.
    for (tag, p) in (("d", sim.port), ("p", port)):
        st, _, b = call(p, "POST", "/api/copy", {"source": MODEL,
                                                 "destination": "c" + tag})
        eq((st, b), (200, b""), "copy via " + tag)
        st, _, b = call(p, "DELETE", "/api/delete", {"model": "c" + tag})
        eq((st, b), (200, b""), "delete via " + tag)
        st, _, b = call(p, "DELETE", "/api/delete", {"model": "c" + tag})
        eq((st, json.loads(b)), (404, {"error": "model 'c%s:latest' "
           "not found" % tag if False else "model 'c%s' not found" % tag}),
           "delete again via " + tag)
    st, _, b = call(port, "POST", "/api/blobs/" + dig, blob)
    eq((st, b), (201, b""), "blob upload through the proxy")
    eq(call(sim.port, "HEAD", "/api/blobs/" + dig)[0], 200, "blob arrived")
    # Query strings survive.
    eq(call(port, "GET", "/api/tags?x=1%202")[0], 200, "query string")


def test_blob_upload_constant_memory(env):
    sim, d, port = start(env)
    size = 100 * 1024 * 1024
    chunk = os.urandom(1024 * 1024)
    h = hashlib.sha256()
    for _ in range(size // len(chunk)):
        h.update(chunk)
    dig = "sha256:" + h.hexdigest()
    call(port, "GET", "/api/version")
    base = rss_kb(d.proc.pid)
    peak = [base]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(d.proc.pid))
            time.sleep(0.01)

    t = threading.Thread(target=watch)
    t.start()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.putrequest("POST", "/api/blobs/" + dig)
        c.putheader("Content-Length", str(size))
        c.endheaders()
        for _ in range(size // len(chunk)):
            c.send(chunk)
        r = c.getresponse()
        eq((r.status, r.read()), (201, b""), "100 MB blob accepted")
        c.close()
    finally:
        stop.set()
        t.join()
    growth = peak[0] - base
    print("rss: base %d kB, peak %d kB, growth %d kB" % (base, peak[0],
                                                          growth))
    limit = 4096 if "ASAN_OPTIONS" not in os.environ else 16384
    check(growth < limit, "RSS grew by %d kB during a 100 MB upload" % growth)
    eq(call(sim.port, "HEAD", "/api/blobs/" + dig)[0], 200,
       "the blob is there")


def test_big_image_chat(env):
    sim, d, port = start(env, ["--tps", "200", "--ttft-ms", "5"])
    img = base64.b64encode(os.urandom(15 * 1024 * 1024)).decode()
    body = {"model": MODEL, "stream": False, "options": {"num_predict": 2},
            "messages": [{"role": "user", "content": "what is this?",
                          "images": [img]}]}
    check(len(json.dumps(body)) > 20 * 1000 * 1000, "a 20 MB body")
    st, _, b = call(port, "POST", "/api/chat", body)
    eq(st, 200, "20 MB image chat through the proxy")
    eq(json.loads(b)["eval_count"], 2, "answered")
    st, _, obj = env.request("POST", "/v1/chat", body, timeout=60)
    eq(st, 200, "20 MB image chat on the socket")
    # Still bounded, and mlxd's own errors speak Ollama's shape there.
    huge = b'{"model":"x","prompt":"' + b"a" * (65 * 1024 * 1024) + b'"}'
    st, _, b = call(port, "POST", "/api/generate", huge)
    eq(st, 413, "over generation.max_body_bytes")
    check(isinstance(json.loads(b)["error"], str), "Ollama's error shape: %r"
          % b[:200])
    sim.kill()
    st, _, b = call(port, "GET", "/api/tags")
    eq(st, 503, "Ollama down")
    check(isinstance(json.loads(b)["error"], str), "Ollama's error shape: %r"
          % b[:200])


def abort_after_first_line(port, path, body):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = json.dumps(body).encode()
    s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
              b"application/json\r\nContent-Length: %d\r\n\r\n%s"
              % (path.encode(), len(data), data))
    buf = b""
    while b"\r\n\r\n" not in buf or b"}\n" not in buf.split(
            b"\r\n\r\n", 1)[1]:
        got = s.recv(4096)
        check(got, "stream of %s ended early: %r" % (path, buf))
        buf += got
    check(b" 200 " in buf.split(b"\r\n")[0], "%s: %r" % (path, buf[:100]))
    s.close()
    return time.monotonic()


def test_abort_stops_upstream(env):
    sim, d, port = start(env, ["--tps", "20", "--ttft-ms", "5",
                               "--load-ms", "5"])
    many = {"num_predict": 1000}
    routes = [
        ("/api/generate", {"model": MODEL, "prompt": "x", "options": many}),
        ("/api/chat", {"model": MODEL, "options": many,
                       "messages": [{"role": "user", "content": "x"}]}),
        ("/v1/chat/completions", {"model": MODEL, "stream": True,
                                  "max_tokens": 1000, "messages": [
                                      {"role": "user", "content": "x"}]}),
        ("/v1/completions", {"model": MODEL, "stream": True,
                             "max_tokens": 1000, "prompt": "x"}),
        ("/api/pull", {"model": MODEL}),
        ("/api/push", {"model": MODEL}),
    ]
    for path, body in routes:
        sim.request("DELETE", "/_sim/requests")
        t0 = abort_after_first_line(port, path, body)
        while True:
            reqs = [r for r in sim_requests(sim) if r["path"] == path]
            if reqs and reqs[-1]["outcome"] != "running":
                break
            check(time.monotonic() - t0 < 2 * SLOW, "%s still running" % path)
            time.sleep(0.005)
        dt = time.monotonic() - t0
        eq(reqs[-1]["outcome"], "cancelled", path + " outcome")
        print("%s: upstream stopped %.0f ms after the client left"
              % (path, dt * 1000))
        check(dt < 0.2 * SLOW, "%s: upstream stopped after %.0f ms"
              % (path, dt * 1000))


def curl_exit(url, body):
    p = subprocess.run(["curl", "-sS", "-N", "--max-time", "20", url,
                        "-d", json.dumps(body)], capture_output=True)
    return p.returncode, p.stdout


def test_broken_stream_looks_broken(env):
    if not os.path.exists("/usr/bin/curl"):
        raise SystemExit(77)
    sim, d, port = start(env, ["--tps", "50", "--ttft-ms", "5",
                               "--mode", "drop", "--fault-after", "3"])
    body = {"model": MODEL, "prompt": "x", "options": {"num_predict": 50}}
    rc_direct, _ = curl_exit(sim.url + "/api/generate", body)
    rc_proxy, out = curl_exit("http://127.0.0.1:%d/api/generate" % port,
                              body)
    eq(rc_direct, 18, "direct: curl sees a partial transfer")
    eq(rc_proxy, rc_direct, "proxy: same as direct")
    last = json.loads(out.decode().strip().split("\n")[-1])
    check("error" in last and "Ollama" in last["error"],
          "a last error line naming the cause: %r" % last)
    # The same on the socket's /v1/generate, and mlxctl names the cause.
    rc, o, e = env.mlxctl("run", MODEL, "hello")
    check(rc != 0, "mlxctl run fails")
    check("Ollama connection lost" in e and "final line" not in e,
          "mlxctl names the upstream cause: %r" % e)
    # The pass-through of NDJSON progress behaves the same way.
    sim.config(mode="ok")


def test_stop_mid_stream(env):
    sim, d, port = start(env, ["--tps", "20", "--ttft-ms", "5"])
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = json.dumps({"model": MODEL, "prompt": "x",
                       "options": {"num_predict": 1000}}).encode()
    s.sendall(b"POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
    buf = b""
    while buf.count(b"\n") < 10:
        got = s.recv(4096)
        check(got, "generate ended early: %r" % buf)
        buf += got
    # A pass-through NDJSON stream (pull progress) at the same time.
    s2 = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = json.dumps({"model": MODEL}).encode()
    s2.sendall(b"POST /api/pull HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
    buf2 = b""
    while b"pulling manifest" not in buf2:
        got = s2.recv(4096)
        check(got, "pull ended early: %r" % buf2)
        buf2 += got
    d.signal(signal.SIGTERM)
    t0 = time.monotonic()
    for sock, b in ((s, "generate"), (s2, "pull")):
        while True:
            got = sock.recv(65536)
            if not got:
                break
            if b == "generate":
                buf += got
            else:
                buf2 += got
        sock.close()
    for got in (buf, buf2):
        check(not got.endswith(b"0\r\n\r\n"), "the stream is not ended "
              "as complete: %r" % got[-80:])
        check(b'{"error":"mlxd is stopping"}' in got, "a last error line: %r"
              % got[-200:])
    d.proc.wait(5)
    check(time.monotonic() - t0 < 2.5 * SLOW, "stopped promptly")
    eq(d.proc.returncode, 0, "clean exit")


def test_shutdown_bounded_with_stalled_ollama(env):
    sim, d, port = start(env, ["--mode", "stall"])
    results = []

    def pending_socket():
        try:
            results.append(env.request("GET", "/api/tags", timeout=20)[0])
        except Exception as e:
            results.append(repr(e))

    def pending_proxy():
        try:
            results.append(call(port, "POST", "/api/embed",
                                {"model": "bge-m3", "input": "x"})[0])
        except Exception as e:
            results.append(repr(e))

    ts = [threading.Thread(target=pending_socket),
          threading.Thread(target=pending_proxy)]
    for t in ts:
        t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    try:
        d.proc.wait(2 * SLOW + 1)
    except subprocess.TimeoutExpired:
        raise Failure("mlxd did not stop within 2 s with Ollama stalled")
    dt = time.monotonic() - t0
    for t in ts:
        t.join(5)
    print("stopped in %.2f s; pending requests got %r" % (dt, results))
    check(dt < 2.0 * SLOW, "stopped in %.2f s" % dt)
    eq(d.proc.returncode, 0, "clean exit")
    sim.config(mode="ok")


def test_utf8_user_agent(env):
    sim, d, port = start(env, ["--tps", "20", "--ttft-ms", "5"])
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = json.dumps({"model": MODEL, "prompt": "x",
                       "options": {"num_predict": 60}}).encode()
    s.sendall(b"POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: "
              b"caf\xe9-client\xff\r\nContent-Length: %d\r\n\r\n%s"
              % (len(data), data))
    s.recv(4096)

    def active():
        st = env.get("/v1/status")
        return st["generation"]["active"]

    act = wait_for(active, 3, "the generation listed as active")
    eq(act[0]["client"], "caf\ufffd-client\ufffd", "client made valid UTF-8")
    s.close()


def test_openai_routes_listed_as_active(env):
    # At 20 tok/s, 40 tokens take 2 s: long enough to see them run.
    sim, d, port = start(env, ["--tps", "20", "--ttft-ms", "5",
                               "--load-ms", "5"])
    msgs = [{"role": "user", "content": "x"}]
    cases = [
        ("/v1/chat/completions", {"model": MODEL, "stream": True,
                                  "max_tokens": 40, "messages": msgs}, True),
        ("/v1/completions", {"model": MODEL, "stream": True,
                             "max_tokens": 40, "prompt": "x"}, True),
        ("/v1/chat/completions", {"model": MODEL, "max_tokens": 40,
                                  "messages": msgs}, False),
        ("/v1/completions", {"model": MODEL, "max_tokens": 40,
                             "prompt": "x"}, False),
    ]
    for path, body, streamed in cases:
        what = "%s (%s)" % (path, "stream" if streamed else "whole")
        out = {}
        t = threading.Thread(target=lambda: out.update(r=call(
            port, "POST", path, body, {"User-Agent": "oa-test"})))
        t.start()

        def listed():
            act = env.get("/v1/status")["generation"]["active"]
            a = [x for x in act if x["route"] == path]
            if a and a[0]["model"] is not None and (
                    not streamed or a[0]["tokens_per_s"] is not None):
                return a[0]
            return None

        a = wait_for(listed, 1.5, what + " listed as active",
                     interval=0.05)
        eq((a["model"], a["client"]), (MODEL, "oa-test"), what + " entry")
        check(isinstance(a["id"], int) and a["started_at"], what + " id")
        if streamed:
            print("%s: live %.1f tok/s" % (what, a["tokens_per_s"]))
            check(10 <= a["tokens_per_s"] <= 40,
                  "%s: live rate %r at 20 tok/s" % (what, a["tokens_per_s"]))
            check(a["chunks"] >= 2 and a["ttft_ms"] is not None,
                  what + ": chunks and TTFT")
        else:
            eq(a["tokens_per_s"], None, what + ": no live rate")
        t.join(30)
        eq(out["r"][0], 200, what + " status")
        wait_for(lambda: env.get("/v1/status")["generation"]["active"] == [],
                 2, what + " gone from active when done")


def test_get_with_body_stays_get(env):
    sim, d, port = start(env)
    # A GET with a body stays a GET (Ollama would answer 405 to a POST).
    st, _, direct = call(sim.port, "GET", "/api/tags", b'{"a":1}')
    st2, _, via = env.request("GET", "/api/tags", body=b'{"a":1}', raw=True)
    eq((st2, via), (st, direct), "GET with a body on the socket")
    st3, _, via2 = call(port, "GET", "/api/tags", b'{"a":1}')
    eq((st3, via2), (st, direct), "GET with a body on the proxy")


def test_sessions_keep_output_text(env):
    sim, d, port = start(env, ["--tps", "200", "--ttft-ms", "5"],
                         config="sessions:\n  store_text: true\n")
    wait_for(lambda: env.get("/v1/models").get("models"), 5, "model list")
    st, _, b = call(port, "POST", "/api/generate", {
        "model": MODEL, "prompt": "why?", "options": {"num_predict": 5}})
    text = "".join(json.loads(l)["response"] for l in b.decode().split("\n")
                   if l)
    st, _, b = call(port, "POST", "/v1/chat/completions", {
        "model": MODEL, "max_tokens": 4, "stream": True,
        "messages": [{"role": "user", "content": "hey"}]})
    sse = "".join(json.loads(e[6:])["choices"][0]["delta"]["content"]
                  for e in b.decode().split("\n\n")
                  if e.startswith("data: {"))
    s = wait_for(lambda: (lambda s: s if len(s) >= 2 else None)(
        env.get("/v1/sessions")["sessions"]), 5, "two sessions")
    g = [x for x in s if x["route"] == "/api/generate"][0]
    eq((g["prompt_text"], g["output_text"]), ("why?", text),
       "generate: prompt and output stored")
    check(g["digest"], "digest recorded")
    o = [x for x in s if x["route"] == "/v1/chat/completions"][0]
    eq(o["output_text"], sse, "OpenAI stream: output stored")
    check("hey" in o["prompt_text"], "OpenAI prompt stored")


def test_ollama_return_noticed_within_a_second(env):
    sim = env.sim()
    port = sim.port
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 1000\n"
               "  timeout_ms: 1000\n" % sim.url)

    def connected(want):
        return lambda: env.get("/v1/status")["ollama"]["connected"] == want

    wait_for(connected(True), 5, "connected")
    sim.kill()
    wait_for(connected(False), 5, "disconnected")
    time.sleep(4.5)		# long enough for any backoff to grow
    sim2 = env.sim(port=port)
    t0 = time.monotonic()
    wait_for(connected(True), 5, "reconnected", interval=0.02)
    dt = time.monotonic() - t0
    print("Ollama's return noticed after %.0f ms" % (dt * 1000))
    check(dt < 1.0 * SLOW, "noticed after %.2f s" % dt)
    sim2.stop()


if __name__ == "__main__":
    run([test_every_route_byte_for_byte, test_blob_upload_constant_memory,
         test_big_image_chat, test_abort_stops_upstream,
         test_broken_stream_looks_broken, test_stop_mid_stream,
         test_shutdown_bounded_with_stalled_ollama,
         test_utf8_user_agent, test_openai_routes_listed_as_active,
         test_get_with_body_stays_get,
         test_sessions_keep_output_text,
         test_ollama_return_noticed_within_a_second])
