# SPDX-License-Identifier: ISC
"""Generation through mlxd: the stream equals Ollama's chunk for chunk and
arrives as Ollama sends it, status shows it live, the session keeps
Ollama's exact counters, a client that leaves cancels upstream, and every
fault reaches the client as Ollama would send it while the daemon lives."""
import http.client
import json
import socket
import threading
import time

from harness import check, eq, run, wait_for

MODEL = "llama3.2"


def stream_lines(env, path, body, timeout=30):
    """POST over the socket; return (status, headers, [(t, line)])."""
    c = env.conn(timeout)
    c.request("POST", path, body=json.dumps(body),
              headers={"Content-Type": "application/json",
                       "User-Agent": "gen-test/1"})
    t0 = time.monotonic()
    r = c.getresponse()
    out = []
    buf = b""
    while True:
        try:
            data = r.read1(65536) if hasattr(r, "read1") else r.read(1)
        except http.client.IncompleteRead as e:
            buf += e.partial
            break
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            out.append((time.monotonic() - t0, line.decode()))
    if buf.strip():
        out.append((time.monotonic() - t0, buf.decode()))
    hd = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hd, out


def direct_lines(sim, path, body):
    c = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=30)
    c.request("POST", path, body=json.dumps(body))
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, [l for l in data.split("\n") if l]


def comparable(line):
    o = json.loads(line)
    for k in ("created_at", "total_duration", "load_duration"):
        o.pop(k, None)
    return o


def test_stream_equals_upstream(env):
    sim = env.sim(["--tps", "40", "--ttft-ms", "50"])
    env.daemon(sim)
    body = {"model": MODEL, "prompt": "why is the sky blue",
            "options": {"num_predict": 12}}
    sim.load(MODEL + ":latest")
    st, direct = direct_lines(sim, "/api/generate", body)
    eq(st, 200, "direct")
    st, hd, lines = stream_lines(env, "/v1/generate", body)
    eq(st, 200, "through mlxd")
    check(hd["content-type"].startswith("application/x-ndjson"),
          "NDJSON content type")
    eq(len(lines), len(direct), "same number of chunks")
    for (t, a), b in zip(lines, direct):
        eq(comparable(a), comparable(b), "chunk")
    # Chunks arrive as Ollama paces them (25 ms apart at 40 tok/s), not in
    # one burst at the end.
    gaps = [b[0] - a[0] for a, b in zip(lines, lines[1:-1])]
    check(min(gaps) > 0.010 and sum(gaps) > 0.2,
          "streamed chunk by chunk: gaps %s" % ["%.3f" % g for g in gaps])
    # Chat too, and stream:false gives one object.
    st, hd, lines = stream_lines(env, "/v1/chat", {
        "model": MODEL, "messages": [{"role": "user", "content": "hi"}],
        "options": {"num_predict": 4}})
    eq(st, 200, "chat")
    check(json.loads(lines[-1][1])["done"], "chat ends with done")
    st, hd, lines = stream_lines(env, "/v1/generate", dict(body,
                                 stream=False))
    eq(len(lines), 1, "stream:false is one object")
    o = json.loads(lines[0][1])
    check(o["done"] and len(o["response"]) > 0, "whole text")


def test_status_and_session(env):
    sim = env.sim(["--tps", "20", "--ttft-ms", "100", "--load-ms", "200"])
    env.daemon(sim)
    result = {}

    def gen():
        result["r"] = stream_lines(env, "/v1/generate", {
            "model": MODEL, "prompt": "tell me a story",
            "options": {"num_predict": 30}})
    t = threading.Thread(target=gen)
    t.start()

    def active():
        g = env.get("/v1/status").get("generation") or {}
        a = [x for x in g.get("active", []) if x["chunks"] >= 5]
        return a[0] if a else None
    a = wait_for(active, 5, "the generation to show as active")
    eq(a["model"], MODEL, "active model")
    eq(a["route"], "/v1/generate", "route")
    eq(a["client"], "gen-test/1", "client")
    check(a["tokens_per_s"] is not None and
          abs(a["tokens_per_s"] - 20) < 3, "live rate ~20 tok/s: %r"
          % a["tokens_per_s"])
    t.join()
    st, _, lines = result["r"]
    final = json.loads(lines[-1][1])
    last = wait_for(lambda: (env.get("/v1/status")["generation"]["last"]
                             if not env.get("/v1/status")["generation"]
                             ["active"] else None), 3, "generation.last")
    eq(last["tokens"], final["eval_count"], "exact eval_count")
    eq(last["tokens_per_s"], final["eval_count"] /
       (final["eval_duration"] / 1e9), "rate from Ollama's counters")
    eq(last["prompt_tokens"], final["prompt_eval_count"], "prompt tokens")
    eq(last["done_reason"], "length", "done_reason")
    check(abs(last["ttft_ms"] - 300) < 60, "TTFT ~ load + prefill: %r"
          % last["ttft_ms"])
    s = env.get("/v1/sessions?limit=1")["sessions"][0]
    eq(s["eval_count"], final["eval_count"], "session eval_count")
    eq(s["eval_duration_ns"], final["eval_duration"], "session eval ns")
    eq(s["prompt_eval_duration_ns"], final["prompt_eval_duration"],
       "session prompt ns")
    eq(s["load_ns"], final["load_duration"], "session load")
    eq(s["user_agent"], "gen-test/1", "session client")
    eq(s["prompt_text"], None, "prompt not stored by default")
    check(s["peak_memory_bytes"] is None or s["peak_memory_bytes"] > 0,
          "peak memory")
    eq(env.get("/v1/sessions?model=nope")["sessions"], [], "model filter")


def test_client_disconnect_cancels_upstream(env):
    sim = env.sim(["--tps", "20", "--ttft-ms", "20"])
    env.daemon(sim)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(env.sock)
    body = json.dumps({"model": MODEL, "prompt": "long",
                       "options": {"num_predict": 400}}).encode()
    s.sendall(b"POST /v1/generate HTTP/1.1\r\nHost: mlxd\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    got = b""
    while got.count(b'"done":false') < 3:
        got += s.recv(4096)
    s.close()
    t0 = time.monotonic()

    def cancelled():
        reqs = sim.request("GET", "/_sim/requests")[1]["requests"]
        return reqs and reqs[-1]["cancelled"]
    wait_for(cancelled, 1.0, "upstream cancelled within 1 s")
    print("upstream cancelled %.0f ms after the client left"
          % ((time.monotonic() - t0) * 1000))
    sess = wait_for(lambda: env.get("/v1/sessions")["sessions"], 2,
                    "session")
    eq(sess[0]["error"], "client disconnected", "session error")


def test_faults(env):
    sim = env.sim(["--tps", "100", "--ttft-ms", "10"])
    env.daemon(sim)
    body = {"model": MODEL, "prompt": "x", "options": {"num_predict": 8}}
    # Unknown model: Ollama's 404 and body, passed through.
    st, hd, lines = stream_lines(env, "/v1/generate", dict(body,
                                 model="nope"))
    eq(st, 404, "unknown model")
    eq(json.loads(lines[0][1]), {"error": "model 'nope' not found"},
       "Ollama's error body")
    # Malformed JSON: mlxd's own 400.
    st, _, b = env.request("POST", "/v1/generate", body="{nope")
    eq(st, 400, "malformed JSON")
    eq(b["error"]["code"], "bad_json", "error code")
    # Mid-stream error line reaches the client as Ollama sent it.
    sim.config(mode="midstream_error")
    st, _, lines = stream_lines(env, "/v1/generate", body)
    eq(st, 200, "status stays 200 after streaming began")
    check("error" in json.loads(lines[-1][1]), "error line last")
    # Dropped upstream: the stream ends without a done line.
    sim.config(mode="drop")
    st, _, lines = stream_lines(env, "/v1/generate", body)
    check(lines and not any('"done":true' in l for _, l in lines),
          "no done line after a drop")
    sim.config(mode="ok")
    sess = env.get("/v1/sessions?limit=3")["sessions"]
    check(sess[0]["error"] and sess[1]["error"] and sess[2]["error"],
          "faults stored as failed sessions: %r"
          % [s["error"] for s in sess])
    # Ollama down: 503 with mlxd's JSON error.
    sim.kill()
    st, _, b = env.request("POST", "/v1/generate", body=body)
    eq(st, 503, "Ollama down")
    eq(b["error"]["code"], "ollama_unavailable", "code")
    eq(env.get("/v1/health")["status"], "ok", "daemon alive")


def test_concurrent_streams_independent(env):
    sim = env.sim(["--tps", "50", "--ttft-ms", "10"])
    env.daemon(sim)
    results = []

    def one(i):
        results.append(stream_lines(env, "/v1/generate", {
            "model": MODEL, "prompt": "p%d" % i,
            "options": {"num_predict": 20}}))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st, _, lines in results:
        eq(st, 200, "status")
        eq(json.loads(lines[-1][1])["eval_count"], 20, "complete stream")


def test_proxy_listener(env):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sim = env.sim(["--tps", "100"])
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 200\n"
               "proxy:\n  listen: 127.0.0.1:%d\n" % (sim.url, port))
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/version")
    r = c.getresponse()
    eq((r.status, json.loads(r.read())["version"]), (200, "0.32.15"),
       "version passed through")
    c.request("POST", "/api/generate", body=json.dumps(
        {"model": MODEL, "prompt": "hi", "options": {"num_predict": 3}}),
        headers={"User-Agent": "some-ollama-client"})
    r = c.getresponse()
    lines = [l for l in r.read().decode().split("\n") if l]
    eq(r.status, 200, "generate through the proxy listener")
    eq(json.loads(lines[-1])["eval_count"], 3, "final chunk")
    c.request("POST", "/api/generate", body=json.dumps({"model": "nope",
                                                        "prompt": "x"}))
    r = c.getresponse()
    eq((r.status, json.loads(r.read())), (404, {"error":
       "model 'nope' not found"}), "Ollama's error shape")
    c.request("GET", "/v1/status")
    r = c.getresponse()
    eq((r.status, r.read()), (404, b"404 page not found"),
       "only Ollama's routes there")
    c.close()
    s = env.get("/v1/sessions?limit=2")["sessions"]
    eq(s[1]["user_agent"], "some-ollama-client", "measured like any other")
    eq(s[1]["route"], "/api/generate", "route")


def test_sigterm_mid_generation(env):
    """SIGTERM while a request waits for Ollama, another streams, an SSE
    client listens and a benchmark runs: mlxd still exits 0, promptly."""
    sim = env.sim(["--tps", "20", "--ttft-ms", "20"])
    d = env.daemon(sim)
    threads = []
    for body in ({"model": MODEL, "prompt": "a",
                  "options": {"num_predict": 400}},):
        t = threading.Thread(target=lambda b=body: stream_lines(
            env, "/v1/generate", b))
        t.start()
        threads.append(t)
    ev = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ev.connect(env.sock)
    ev.sendall(b"GET /v1/events HTTP/1.1\r\nHost: mlxd\r\n\r\n")
    st, _, _ = env.request("POST", "/v1/benchmarks", body={"model": MODEL})
    eq(st, 202, "benchmark started")
    wait_for(lambda: env.get("/v1/status")["generation"]["active"], 5,
             "streams running")
    sim.config(mode="stall")
    t = threading.Thread(target=lambda: stream_lines(
        env, "/v1/generate", {"model": MODEL, "prompt": "b"}))
    t.start()
    threads.append(t)
    time.sleep(0.5)
    t0 = time.monotonic()
    eq(d.stop(), 0, "exit status")
    check(time.monotonic() - t0 < 5, "stopped within 5 s")
    ev.close()
    sim.config(mode="ok")
    for t in threads:
        t.join(10)


if __name__ == "__main__":
    run([test_stream_equals_upstream, test_status_and_session,
         test_client_disconnect_cancels_upstream, test_faults,
         test_concurrent_streams_independent, test_proxy_listener,
         test_sigterm_mid_generation])
