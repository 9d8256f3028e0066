# SPDX-License-Identifier: ISC
"""Interop: the official `ollama` Python client (installed by make test-deps
from the package registry) against the proxy listener, and the
OpenAI-compatible routes driven with plain HTTP exactly as the OpenAI SDK
sends them. Skips (77) when the package cannot be imported."""
import http.client
import json
import socket
import sys

try:
    import ollama
except ImportError:
    print("the ollama Python package is not installed (make test-deps)")
    sys.exit(77)

from harness import check, eq, run

MODEL = "llama3.2"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(env):
    port = free_port()
    sim = env.sim(["--tps", "200", "--ttft-ms", "5", "--load-ms", "5"])
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 200\n"
               "proxy:\n  listen: 127.0.0.1:%d\n" % (sim.url, port))
    return sim, port


def test_ollama_python_client(env):
    sim, port = start(env)
    c = ollama.Client(host="http://127.0.0.1:%d" % port)
    names = [m.model for m in c.list().models]
    check("llama3.2:latest" in names, "list: %r" % names)
    sh = c.show(MODEL)
    check("completion" in (sh.capabilities or []), "show: %r" % sh)
    r = c.generate(model=MODEL, prompt="hi", options={"num_predict": 4})
    eq(r.eval_count, 4, "generate")
    parts = list(c.generate(model=MODEL, prompt="hi", stream=True,
                            options={"num_predict": 4}))
    check(parts[-1].done and parts[-1].eval_count == 4, "generate stream")
    msgs = [{"role": "user", "content": "hi"}]
    r = c.chat(model=MODEL, messages=msgs, options={"num_predict": 3})
    check(r.message.content, "chat: %r" % r)
    parts = list(c.chat(model=MODEL, messages=msgs, stream=True,
                        options={"num_predict": 3}))
    check(parts[-1].done and "".join(p.message.content for p in parts),
          "chat stream")
    e = c.embed(model="bge-m3", input=["one", "two"])
    eq(len(e.embeddings), 2, "embed")
    eq(len(e.embeddings[0]), 1024, "embed width")
    prog = list(c.pull(MODEL, stream=True))
    eq(prog[-1].status, "success", "pull stream")
    check(any(p.completed for p in prog), "pull progress: %r" % prog[:3])
    eq(c.pull(MODEL).status, "success", "pull")
    c.copy(MODEL, "mine:copy")
    check("mine:copy" in [m.model for m in c.list().models], "copied")
    c.delete("mine:copy")
    check("mine:copy" not in [m.model for m in c.list().models], "deleted")
    try:
        c.generate(model="nope", prompt="x")
        check(False, "an unknown model must raise")
    except ollama.ResponseError as ex:
        eq((ex.status_code, ex.error), (404, "model 'nope' not found"),
           "Ollama's error, readable by the client")
    s = env.get("/v1/sessions?limit=100")["sessions"]
    check(any(x["user_agent"].startswith("ollama-python") for x in s),
          "measured with its client name: %r" % [x["user_agent"] for x in s])


# What the OpenAI Python SDK sends (openai 1.x), minus the platform noise.
OPENAI_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "User-Agent": "OpenAI/Python 1.55.0",
    "X-Stainless-Lang": "python",
    "X-Stainless-Package-Version": "1.55.0",
    "X-Stainless-Retry-Count": "0",
    "Authorization": "Bearer ollama",
}


def oa(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=json.dumps(body) if body else None,
              headers=OPENAI_HEADERS)
    r = c.getresponse()
    data = r.read()
    ct = r.getheader("Content-Type")
    c.close()
    return r.status, ct, data


def test_openai_routes(env):
    sim, port = start(env)
    st, _, b = oa(port, "GET", "/v1/models")
    eq(st, 200, "models")
    check(any(m["id"] == "llama3.2:latest" for m in json.loads(b)["data"]),
          "model list")
    msgs = [{"role": "user", "content": "hi"}]
    st, _, b = oa(port, "POST", "/v1/chat/completions",
                  {"model": MODEL, "messages": msgs, "max_tokens": 3})
    r = json.loads(b)
    eq((st, r["object"], r["usage"]["completion_tokens"]),
       (200, "chat.completion", 3), "chat completion")
    st, ct, b = oa(port, "POST", "/v1/chat/completions",
                   {"model": MODEL, "messages": msgs, "max_tokens": 3,
                    "stream": True, "stream_options": {"include_usage": True}})
    eq((st, ct), (200, "text/event-stream"), "SSE")
    events = [e[6:] for e in b.decode().split("\n\n") if e]
    eq(events[-1], "[DONE]", "ends with [DONE]")
    usage = json.loads(events[-2])
    eq((usage["choices"], usage["usage"]["completion_tokens"]), ([], 3),
       "usage chunk")
    text = "".join(json.loads(e)["choices"][0]["delta"]["content"]
                   for e in events[:-2])
    check(text, "content streamed")
    st, _, b = oa(port, "POST", "/v1/completions",
                  {"model": MODEL, "prompt": "x", "max_tokens": 2})
    eq((st, json.loads(b)["object"]), (200, "text_completion"), "completion")
    st, _, b = oa(port, "POST", "/v1/embeddings",
                  {"model": "bge-m3", "input": ["a", "b"]})
    eq((st, len(json.loads(b)["data"])), (200, 2), "embeddings")
    st, _, b = oa(port, "POST", "/v1/chat/completions",
                  {"model": "nope", "messages": msgs})
    eq((st, json.loads(b)["error"]["type"]), (404, "api_error"),
       "OpenAI error object passed through")
    s = env.get("/v1/sessions?limit=100")["sessions"]
    sse = [x for x in s if x["route"] == "/v1/chat/completions" and
           x["error"] is None]
    check(all(x["user_agent"] == "OpenAI/Python 1.55.0" for x in sse),
          "client recorded")
    check(any(x["ttft_ns"] is not None and x["eval_count"] == 3 for x in sse),
          "SSE generation metered: %r" % sse)


if __name__ == "__main__":
    run([test_ollama_python_client, test_openai_routes])
