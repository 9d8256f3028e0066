# SPDX-License-Identifier: ISC
"""Prometheus families of the proxy: the exposition text passes promtool's
strict check, and every counter adds up to the sessions stored. Skips (77)
only when promtool cannot be had (make test-deps installs it)."""
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import time

from harness import Failure, check, eq, run, wait_for

MODEL = "llama3.2"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=json.dumps(body) if body is not None
              else None, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


LINE = re.compile(r'^([a-z_]+)\{(.*)\} ([0-9.e+-]+|\+Inf|NaN)$')


def parse(text):
    out = {}
    for line in text.split("\n"):
        m = LINE.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def test_counters_match_sessions(env):
    promtool = shutil.which("promtool")
    pport, hport = free_port(), free_port()
    sim = env.sim(["--tps", "100", "--ttft-ms", "20", "--load-ms", "5"])
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 200\n"
               "proxy:\n  listen: 127.0.0.1:%d\nhttp:\n  listen: "
               "127.0.0.1:%d\n" % (sim.url, pport, hport))
    wait_for(lambda: env.get("/v1/models").get("models"), 5,
             "the model list (for digests)")
    msgs = [{"role": "user", "content": "hi"}]
    reqs = [
        ("/api/generate", {"model": MODEL, "prompt": "a",
                           "options": {"num_predict": 5}}),
        ("/api/generate", {"model": MODEL, "prompt": "a", "stream": False,
                           "options": {"num_predict": 7}}),
        ("/api/generate", {"model": "nope", "prompt": "a"}),
        ("/api/chat", {"model": "qwen3:8b", "messages": msgs,
                       "options": {"num_predict": 4}}),
        ("/api/embed", {"model": "bge-m3", "input": ["one two", "three"]}),
        ("/api/embeddings", {"model": "bge-m3", "prompt": "x"}),
        ("/v1/chat/completions", {"model": MODEL, "messages": msgs,
                                  "stream": True, "max_tokens": 6,
                                  "stream_options": {"include_usage": True}}),
        ("/v1/chat/completions", {"model": MODEL, "messages": msgs,
                                  "max_tokens": 3}),
        ("/v1/completions", {"model": MODEL, "prompt": "x", "max_tokens": 2}),
        ("/v1/embeddings", {"model": "bge-m3", "input": ["a", "b", "c"]}),
        ("/v1/embeddings", {"model": "nope", "input": "a"}),
    ]
    for path, body in reqs:
        call(pport, "POST", path, body, {"User-Agent": "prom-test"})
    st, _, _ = env.request("POST", "/v1/generate", {
        "model": MODEL, "prompt": "b", "options": {"num_predict": 3}},
        raw=True)
    eq(st, 200, "socket generation")
    n = len(reqs) + 1
    sessions = wait_for(lambda: (lambda s: s if len(s) >= n else None)(
        env.get("/v1/sessions?limit=1000")["sessions"]), 5,
        "%d sessions" % n)
    eq(len(sessions), n, "one session per metered request")
    gen = [s for s in sessions if s["kind"] == "generate"]
    emb = [s for s in sessions if s["kind"] == "embed"]
    eq(len(emb), 4, "embedding sessions")
    for s in sessions:
        if s["error"] is None and s["model"] != "nope":
            check(s["digest"], "digest of %s recorded" % s["model"])
    oa = [s for s in sessions if s["route"] == "/v1/chat/completions"]
    check(all(s["counts_source"] == "openai_usage" for s in oa),
          "OpenAI counters are marked as usage")
    e = [s for s in emb if s["route"] == "/api/embed"][0]
    eq((e["input_count"], e["counts_source"]), (2, "ollama"), "embed inputs")

    c = http.client.HTTPConnection("127.0.0.1", hport, timeout=10)
    c.request("GET", "/metrics")
    r = c.getresponse()
    text = r.read().decode()
    eq(r.status, 200, "GET /metrics")
    fam = parse(text)

    def outcome(s):
        if s["error"] is None:
            return "ok"
        return "cancelled" if s["error"] == "client disconnected" \
            else "error"

    def key(labels):
        return (labels["model"] if labels["model"] != "unknown" else "",
                labels["route"])

    want = {}
    for s in gen:
        k = (s["model"], s["route"], outcome(s))
        want[k] = want.get(k, 0) + 1
    got = {(l["model"], l["route"], l["outcome"]): v
           for l, v in fam["mlxd_generation_requests_total"]}
    eq(got, want, "mlxd_generation_requests_total vs sessions")
    for famname, field, rows in (
            ("mlxd_generation_tokens_total", "eval_count", gen),
            ("mlxd_generation_prompt_tokens_total", "prompt_eval_count",
             gen),
            ("mlxd_embedding_prompt_tokens_total", "prompt_eval_count",
             emb),
            ("mlxd_embedding_inputs_total", "input_count", emb)):
        want = {}
        for s in rows:
            k = (s["model"], s["route"])
            want[k] = want.get(k, 0) + (s[field] or 0)
        got = {key(l): v for l, v in fam[famname]}
        eq(got, want, famname + " vs sessions")
    want = {}
    for s in emb:
        k = (s["model"], s["route"], outcome(s))
        want[k] = want.get(k, 0) + 1
    got = {(l["model"], l["route"], l["outcome"]): v
           for l, v in fam["mlxd_embedding_requests_total"]}
    eq(got, want, "mlxd_embedding_requests_total vs sessions")
    counts = {key(l): v for l, v in
              fam["mlxd_generation_ttft_seconds_count"]}
    want = {}
    for s in gen:
        if s["ttft_ns"] is not None:
            k = (s["model"], s["route"])
            want[k] = want.get(k, 0) + 1
    eq(counts, want, "TTFT histogram counts vs sessions")

    if promtool is None:
        print("promtool is not installed (make test-deps); skipping the "
              "format check")
        env.cleanup(True)
        sys.exit(77)
    p = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                       capture_output=True)
    print(p.stdout.decode() + p.stderr.decode())
    eq(p.returncode, 0, "promtool check metrics")


if __name__ == "__main__":
    run([test_counters_match_sessions])
