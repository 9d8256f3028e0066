# SPDX-License-Identifier: ISC
"""The client side of generation and benchmarks, as a user runs it:
`mlxctl run` streams the answer and prints Ollama's figures, `mlxctl chat`
keeps the history across lines read from stdin, `mlxctl sessions` lists
what was proxied, `mlxctl bench` runs a benchmark to a llama-bench-style
table and lists, shows, exports, compares (exit 3 on a regression) and
cancels runs; plus the exit codes (1 API error, 2 usage) and the SDK's
example program."""
import csv
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import time

from harness import MLXCTL, check, eq, run, wait_for

MODEL = "llama3.2"


def setup(env, *args):
    sim = env.sim(list(args))
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "the daemon to reach the simulator")
    sim.request("DELETE", "/_sim/requests")
    return sim


def sim_requests(sim):
    return sim.request("GET", "/_sim/requests")[1]["requests"]


def direct_text(sim, path, body, key):
    """The text the simulator streams for body, straight from it."""
    st, reply = sim.request("POST", path, dict(body, stream=False))
    eq(st, 200, "direct request to the simulator")
    return reply[key] if key == "response" else reply["message"]["content"]


def stats_block(err):
    """The `ollama run --verbose` lines of stderr as a dict."""
    out = {}
    for line in err.splitlines():
        m = re.match(r"^([a-z ]+):\s+(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def go_duration_s(s):
    """Go's time.Duration text ("1.5s", "300ms", "2m3.5s") in seconds."""
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(h|m(?!s)|s|ms|\u00b5s|ns)", s):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3,
                               "\u00b5s": 1e-6, "ns": 1e-9}[unit]
    return total


def test_run_streams_and_prints_ollama_figures(env):
    sim = setup(env, "--tps", "40", "--ttft-ms", "50", "--load-ms", "200")
    prompt = "why is the sky blue"
    rc, out, err = env.mlxctl("run", MODEL, prompt, "--num-predict", "12")
    eq(rc, 0, "run exit code: %s" % err)
    want = direct_text(sim, "/api/generate", {
        "model": MODEL, "prompt": prompt,
        "options": {"num_predict": 12}}, "response")
    eq(out, want + ("" if want.endswith("\n") else "\n"),
       "stdout is exactly the streamed answer")
    st = stats_block(err)
    # The simulator's counters: eval_count = tokens sent, eval_duration =
    # eval_count / tps exactly, prompt_eval_count = words + 10.
    eq(st.get("eval count"), "12 token(s)", "eval count")
    eq(st.get("eval rate"), "40.00 tokens/s", "eval rate from the counters")
    eq(st.get("eval duration"), "300ms", "eval duration as Go prints it")
    eq(st.get("prompt eval count"), "15 token(s)", "prompt eval count")
    eq(st.get("prompt eval duration"), "50ms", "prompt eval duration")
    eq(st.get("prompt eval rate"), "300.00 tokens/s", "prompt eval rate")
    eq(st.get("load duration"), "200ms", "load duration (cold model)")
    total = go_duration_s(st.get("total duration", ""))
    check(0.5 <= total < 2.0, "total duration %r" % st.get("total duration"))
    ttft = go_duration_s(st.get("time to first token", ""))
    check(0.25 <= ttft < 1.5, "client TTFT covers load + prefill: %r"
          % st.get("time to first token"))
    # The request carried the options and went through the daemon.
    body = sim_requests(sim)[0]["body"]
    eq(body["options"]["num_predict"], 12, "num_predict sent")
    eq(body["prompt"], prompt, "prompt sent")

    # Warm now: load is Ollama's ~1 ms, and --system goes in the body.
    rc, out, err = env.mlxctl("run", MODEL, "hi", "--system", "be brief",
                              "-n", "3")
    eq(rc, 0, "second run")
    load = go_duration_s(stats_block(err)["load duration"])
    check(load < 0.1, "warm load duration %r" % load)
    eq(sim_requests(sim)[-1]["body"]["system"], "be brief", "system sent")

    # --json: Ollama's NDJSON as received, the last line with the counters.
    rc, out, err = env.mlxctl("run", MODEL, prompt, "--num-predict", "5",
                              "--json")
    eq(rc, 0, "run --json")
    lines = [json.loads(l) for l in out.splitlines()]
    eq(len(lines), 6, "5 token lines and the final one")
    check(lines[-1]["done"] and lines[-1]["eval_count"] == 5,
          "final line: %r" % lines[-1])
    eq(err, "", "no stats block with --json")

    # A thinking model: the reasoning goes to stderr, the answer to stdout.
    rc, out, err = env.mlxctl("run", "qwen3:8b", "hello", "-n", "8")
    eq(rc, 0, "run qwen3")
    check("Thinking..." in err and "...done thinking." in err,
          "thinking shown on stderr: %r" % err)
    check("Okay" not in out and len(out.strip()) > 0,
          "stdout has the answer only: %r" % out)
    eq(stats_block(err).get("eval count"), "8 token(s)",
       "thinking tokens are in eval_count")

    # The prompt can come from standard input.
    rc, out, err = env.mlxctl("run", MODEL, "-n", "2",
                              input=b"from stdin please")
    eq(rc, 0, "prompt on stdin")
    eq(sim_requests(sim)[-1]["body"]["prompt"], "from stdin please",
       "stdin prompt sent")


def test_chat_keeps_history(env):
    sim = setup(env, "--tps", "200", "--ttft-ms", "10")
    rc, out, err = env.mlxctl(
        "chat", MODEL, "-n", "4", "--system", "you are terse",
        input="hello there\n\nwhat did I \"just\" say?\n/bye\nnot sent\n"
        .encode())
    eq(rc, 0, "chat exit code: %s" % err)
    reqs = sim_requests(sim)
    eq(len(reqs), 2, "one request per line; the empty line and what "
       "follows /bye are not sent")
    answer = direct_text(sim, "/api/chat", {
        "model": MODEL, "messages": [{"role": "user", "content": "x"}],
        "options": {"num_predict": 4}}, "content")
    eq(out, (answer + "\n") * 2, "both answers streamed to stdout")
    msgs = reqs[1]["body"]["messages"]
    eq(msgs, [
        {"role": "system", "content": "you are terse"},
        {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "what did I \"just\" say?"},
    ], "the second request carries the first exchange")
    eq(reqs[1]["body"]["options"]["num_predict"], 4, "options sent")

    # EOF ends it too; --verbose adds the figures after each answer.
    before = len(sim_requests(sim))
    rc, out, err = env.mlxctl("chat", MODEL, "-n", "2", "--verbose",
                              input=b"one\ntwo\n")
    eq(rc, 0, "chat until EOF")
    eq(err.count("eval rate:            200.00 tokens/s"), 2,
       "figures after each answer: %r" % err)
    eq(len(sim_requests(sim)), before + 2, "two more requests")

    # /clear forgets the conversation.
    sim.request("DELETE", "/_sim/requests")
    rc, out, err = env.mlxctl("chat", MODEL, "-n", "2",
                              input=b"first\n/clear\nsecond\n")
    eq(rc, 0, "chat with /clear")
    eq(sim_requests(sim)[-1]["body"]["messages"],
       [{"role": "user", "content": "second"}], "history cleared")


def test_sessions(env):
    setup(env, "--tps", "100", "--ttft-ms", "20")
    rc, _, err = env.mlxctl("run", MODEL, "count to three", "-n", "7")
    eq(rc, 0, "run")
    rc, _, err = env.mlxctl("run", "qwen3:8b", "hi", "-n", "5")
    eq(rc, 0, "run qwen3")
    rc, _, _ = env.mlxctl("run", "nope", "hi")
    eq(rc, 1, "unknown model")

    rc, out, err = env.mlxctl("sessions", "--json")
    eq(rc, 0, "sessions --json")
    got = json.loads(out)["sessions"]
    eq(got, env.get("/v1/sessions")["sessions"], "--json is the API's reply")
    eq([s["model"] for s in got], ["nope", "qwen3:8b", MODEL],
       "newest first")
    s = got[2]
    eq((s["eval_count"], s["route"], s["done_reason"]),
       (7, "/v1/generate", "length"), "session counters")
    eq(s["gen_tps"], 100.0, "rate from Ollama's counters")
    check(got[0]["error"] and "not found" in got[0]["error"],
          "failed session stored with its error")

    rc, out, err = env.mlxctl("sessions")
    eq(rc, 0, "sessions table")
    lines = out.splitlines()
    eq(lines[0].split()[:3], ["STARTED", "MODEL", "ROUTE"], "header")
    eq(len(lines), 4, "header and three rows")
    row = [l for l in lines if " %s " % MODEL in l][0]
    check(re.search(r"\b7\s+100\.0\b", row), "tokens and rate: %r" % row)
    check("error: " in lines[1], "error shown: %r" % lines[1])

    rc, out, _ = env.mlxctl("sessions", "--model", "qwen3:8b", "--json")
    eq([s["model"] for s in json.loads(out)["sessions"]], ["qwen3:8b"],
       "--model filters")
    rc, out, _ = env.mlxctl("sessions", "--limit", "1", "--json")
    eq(len(json.loads(out)["sessions"]), 1, "--limit")
    rc, out, _ = env.mlxctl("sessions", "--since", "2099-01-01T00:00:00Z")
    eq((rc, out), (0, "No sessions.\n"), "--since in the future")
    rc, out, _ = env.mlxctl("sessions", "--since", "1h", "--json")
    eq(len(json.loads(out)["sessions"]), 3, "--since a span")
    for bad in (["--since", "yesterday"], ["--limit", "0"],
                ["--limit", "x"], ["extra"], ["--bogus"]):
        rc, _, err = env.mlxctl("sessions", *bad)
        eq(rc, 2, "usage error for %r" % bad)


def test_sessions_kind(env):
    """The table has a KIND column, embeddings with their input count; the
    JSON names where the counters came from."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sim = env.sim(["--tps", "100", "--ttft-ms", "5"])
    env.daemon(sim, config="proxy:\n  listen: 127.0.0.1:%d\n" % port)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "the daemon to reach the simulator")
    rc, _, err = env.mlxctl("run", MODEL, "hi", "-n", "3")
    eq(rc, 0, "run")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/api/embed", body=json.dumps(
        {"model": MODEL, "input": ["a", "b", "c"]}))
    eq(c.getresponse().status, 200, "embed through the proxy listener")
    c.close()
    wait_for(lambda: len(env.get("/v1/sessions")["sessions"]) == 2, 5,
             "two sessions")
    rc, out, err = env.mlxctl("sessions")
    eq(rc, 0, "sessions table")
    lines = out.splitlines()
    eq(lines[0].split()[:5], ["STARTED", "MODEL", "ROUTE", "KIND", "CLIENT"],
       "header")
    check(re.search(r" embed\s+embed \(3\) ", lines[1]),
          "embed row with its inputs: %r" % lines[1])
    check(re.search(r" generate\s+generate ", lines[2]),
          "generate row: %r" % lines[2])
    rc, out, err = env.mlxctl("sessions", "--json")
    got = json.loads(out)["sessions"]
    eq([(s["kind"], s["input_count"], s["counts_source"]) for s in got],
       [("embed", 3, "ollama"), ("generate", None, got[1]["counts_source"])],
       "kind, inputs and counts source in --json")


def bench_table(out):
    """The rows of the llama-bench-style table as lists of cells."""
    rows = [[c.strip() for c in l.strip().strip("|").split("|")]
            for l in out.splitlines() if l.startswith("|")]
    check(len(rows) >= 3, "a table: %r" % out)
    eq(rows[0], ["model", "size", "params", "backend", "test", "t/s"],
       "llama-bench header")
    check(all(set(c) <= set("-: ") for c in rows[1]), "separator row")
    return rows[2:]


def run_id(out):
    m = re.search(r"^run ([0-9a-f-]{36}) \(done\)$", out, re.M)
    check(m, "run id line: %r" % out)
    return m.group(1)


def test_bench_run_list_show_export_compare(env):
    sim = setup(env, "--tps", "100", "--ttft-ms", "20")
    rc, out, err = env.mlxctl("bench", MODEL, "--suite", "quick", "--reps",
                              "2")
    eq(rc, 0, "bench exit code: %s" % err)
    rows = bench_table(out)
    eq([r[4] for r in rows], ["pp512", "tg128"], "one row per test")
    eq(rows[0][0], "llama3.2 Q4_K_M", "model with its quantization")
    # The exact count from /api/show, as llama-bench prints it.
    check(rows[0][1].endswith(" GiB") and rows[0][2] == "3.21 B",
          "size and params: %r" % rows[0])
    check(rows[1][5].startswith("100.00 \u00b1 "), "tg128 at the simulator's "
          "100 tok/s: %r" % rows[1][5])
    a = run_id(out)
    # Not a terminal: progress comes as plain lines on stderr.
    check(re.search(r"test 2/2 tg128: rep \d/2 \(\d+%, ETA ", err),
          "plain progress lines: %r" % err)
    check("\033[" not in err, "no escape sequences off a terminal")
    r = env.get("/v1/benchmarks/" + a)
    eq(r["state"], "done", "stored run")
    eq(r["options"]["tests"][0]["repetitions"], 2, "--reps sent")

    rc, out, err = env.mlxctl("bench", "list")
    eq(rc, 0, "bench list")
    check(out.splitlines()[0].split()[:3] == ["ID", "STATE", "MODEL"] and
          a in out and "tg128 100.0 t/s" in out, "list: %r" % out)
    rc, out, err = env.mlxctl("bench", "show", a)
    eq(rc, 0, "bench show")
    eq([r[4] for r in bench_table(out)], ["pp512", "tg128"], "show table")
    check("TTFT MS" in out and "run %s: %s, suite quick, done" % (a, MODEL)
          in out, "show details: %r" % out)
    rc, out, err = env.mlxctl("--json", "bench", "show", a)
    eq(json.loads(out)["id"], a, "show --json")

    rc, out, err = env.mlxctl("bench", "export", a, "--format", "csv")
    eq(rc, 0, "export csv")
    got = list(csv.DictReader(io.StringIO(out)))
    eq([g["test"] for g in got], ["pp512", "tg128"], "CSV rows")
    eq(float(got[1]["avg_ts"]), 100.0, "CSV headline")
    st, _, want = env.request("GET", "/v1/benchmarks/%s/export?format=csv"
                              % a, raw=True)
    eq(out.encode(), want, "the export byte for byte")
    rc, out, err = env.mlxctl("bench", "export", a, "--format=md")
    check(rc == 0 and "| tg128 |" in out, "md export")
    rc, out, err = env.mlxctl("bench", "export", a)
    eq(json.loads(out)[0]["run_id"], a, "json is the default export")

    # A slower Ollama: the candidate regressed.
    sim.config(tps=80)
    rc, out, err = env.mlxctl("bench", MODEL, "--reps", "2")
    eq(rc, 0, "second bench")
    b = run_id(out)
    rc, out, err = env.mlxctl("bench", "compare", a, b)
    eq(rc, 3, "exit 3 on a regression: %s%s" % (out, err))
    row = [l for l in out.splitlines() if l.startswith("tg128")][0]
    check("gen_tps" in row and "-20.0%" in row and "regression" in row,
          "tg128 row: %r" % row)
    check("verdict: regression" in out, "verdict line: %r" % out)
    rc, out, err = env.mlxctl("bench", "compare", b, a)
    eq(rc, 0, "an improvement exits 0")
    check("verdict: improvement" in out, "improvement: %r" % out)
    rc, out, err = env.mlxctl("bench", "compare", a, a)
    eq(rc, 0, "no change exits 0")
    check("verdict: no change" in out, "no change: %r" % out)
    rc, out, err = env.mlxctl("--json", "bench", "compare", a, b)
    eq((rc, json.loads(out)["verdict"]), (3, "regression"),
       "--json keeps the exit status")


def test_bench_default_model_cancel_delete(env):
    sim = setup(env, "--tps", "20", "--ttft-ms", "20")
    rc, out, err = env.mlxctl("bench", "--reps", "1")
    eq(rc, 2, "no loaded model to default to")
    check("no model is loaded" in err, "says why: %r" % err)

    sim.load(MODEL + ":latest")
    wait_for(lambda: env.get("/v1/models/running")["models"], 5, "loaded")
    rc, out, err = env.mlxctl("bench", "--detach", "--reps", "3")
    eq(rc, 0, "detached bench: %s" % err)
    rid = out.strip()
    eq(env.get("/v1/benchmarks/" + rid)["model"], MODEL + ":latest",
       "defaulted to the loaded model")
    rc, out, err = env.mlxctl("bench", MODEL)
    eq(rc, 1, "one benchmark at a time")
    check("running" in err, "the daemon's reason: %r" % err)
    rc, out, err = env.mlxctl("bench", "show", rid)
    check(rc == 0 and "progress: test " in out, "progress shown: %r" % out)

    rc, out, err = env.mlxctl("bench", "cancel", rid)
    eq(rc, 0, "cancel: %s" % err)
    wait_for(lambda: env.get("/v1/benchmarks/" + rid)["state"] ==
             "cancelled", 5, "the run to end as cancelled")
    rc, out, err = env.mlxctl("bench", "cancel", rid)
    eq(rc, 1, "cancelling an ended run")
    check("not running" in err, "says so: %r" % err)
    eq(env.get("/v1/benchmarks/" + rid)["state"], "cancelled",
       "an ended run is never deleted by cancel")

    # Ctrl-C while following a run cancels it.
    e = dict(env.base_env)
    p = subprocess.Popen([MLXCTL, "--socket", env.sock, "bench", MODEL,
                          "--reps", "3"], env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    seen = b""
    deadline = time.monotonic() + 10
    while b"rep 1/3" not in seen and time.monotonic() < deadline:
        seen += p.stderr.read1(4096) if hasattr(p.stderr, "read1") else \
            p.stderr.read(1)
    check(b"rep 1/3" in seen, "progress before Ctrl-C: %r" % seen)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    err = seen + err
    eq(p.returncode, 130, "Ctrl-C exit status: %r" % err)
    rid2 = re.search(rb"benchmark ([0-9a-f-]{36})", err).group(1).decode()
    eq(env.get("/v1/benchmarks/" + rid2)["state"], "cancelled",
       "Ctrl-C cancelled the run")

    rc, out, err = env.mlxctl("bench", "delete", rid)
    eq(rc, 0, "delete")
    rc, out, err = env.mlxctl("bench", "show", rid)
    eq(rc, 1, "deleted run is gone")
    check("not found" in err, "API message: %r" % err)


def test_errors_and_usage(env):
    sim = setup(env, "--tps", "100", "--ttft-ms", "10")
    rc, out, err = env.mlxctl("run", "nope", "hi")
    eq(rc, 1, "unknown model")
    eq(err, "mlxctl: model 'nope' not found\n", "Ollama's message")
    rc, out, err = env.mlxctl("chat", "nope", input=b"hi\nagain\n")
    eq(rc, 1, "chat with an unknown model")
    eq(err.count("not found"), 1, "stops at the first refusal: %r" % err)

    # An error line in the middle of the stream.
    sim.config(mode="midstream_error", fault_after=3)
    rc, out, err = env.mlxctl("run", MODEL, "hi", "-n", "10")
    eq(rc, 1, "mid-stream error")
    check("an error was encountered while running the model" in err,
          "Ollama's error line: %r" % err)
    eq(len(out.split()), 3, "the 3 tokens before it were shown: %r" % out)
    sim.config(mode="drop")
    rc, out, err = env.mlxctl("run", MODEL, "hi", "-n", "10")
    eq(rc, 1, "dropped stream")
    check(err.startswith("mlxctl: "), "explained: %r" % err)
    sim.config(mode="ok")

    for args in (["run"], ["run", MODEL, "hi", "--bogus"],
                 ["run", MODEL, "hi", "--num-predict", "x"],
                 ["chat"], ["chat", MODEL, "extra"],
                 ["bench", MODEL, "--suite", "bogus"],
                 ["bench", MODEL, "--reps", "0"],
                 ["bench", MODEL, "other"],
                 ["bench", "show"], ["bench", "compare", "a"],
                 ["bench", "export", "a", "--format", "xml"],
                 ["bench", "cancel"]):
        rc, out, err = env.mlxctl(*args, input=b"")
        eq(rc, 2, "usage error for %r (%s)" % (args, err))
        check("usage: mlxctl" in err, "usage printed for %r" % args)
    rc, out, err = env.mlxctl("bench", "show", "no-such-run")
    eq(rc, 1, "unknown run")
    rc, out, err = env.mlxctl("bench", "compare", "a", "b")
    eq(rc, 1, "compare unknown runs")

    rc, out, err = env.mlxctl("run", MODEL, "hi",
                              sock=os.path.join(env.dir, "none.sock"))
    eq(rc, 1, "daemon not running")
    check("mlxd is not running" in err, "says so: %r" % err)


def test_generate_example(env):
    exe = os.path.join(os.path.dirname(MLXCTL), "mlxd_generate_example")
    check(os.access(exe, os.X_OK), "example built at %s" % exe)
    setup(env, "--tps", "50", "--ttft-ms", "10")
    p = subprocess.run([exe, MODEL, "hello", env.sock], capture_output=True,
                       env=env.base_env, timeout=30)
    out = p.stdout.decode()
    eq(p.returncode, 0, "example exit code: %r" % p.stderr)
    check(re.search(r"generated:\s+32 at 50\.00 tokens/s", out),
          "final figures: %r" % out)
    p = subprocess.run([exe, "nope", "hello", env.sock], capture_output=True,
                       env=env.base_env, timeout=30)
    eq(p.returncode, 1, "example with an unknown model")
    check(b"not found" in p.stderr, "message: %r" % p.stderr)


if __name__ == "__main__":
    run([test_run_streams_and_prints_ollama_figures, test_chat_keeps_history,
         test_sessions, test_sessions_kind,
         test_bench_run_list_show_export_compare,
         test_bench_default_model_cancel_delete, test_errors_and_usage,
         test_generate_example])
