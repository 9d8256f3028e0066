# SPDX-License-Identifier: ISC
"""Benchmarks against the simulator, which paces tokens at a known rate:
figures within 2 % of its rate and 5 ms of its TTFT, requests with
temperature 0, a fixed seed and unique prefixes, one run at a time, cancel
stopping upstream traffic within 1 s, faults stored as flagged samples,
results surviving a restart, exports and the regression verdict."""
import csv
import io
import json
import time

from harness import check, eq, run, wait_for

MODEL = "llama3.2"


def all_samples(run_):
    return [s for t in run_["tests"] for s in t.get("samples", [])]


def start(env, **body):
    body.setdefault("model", MODEL)
    st, _, b = env.request("POST", "/v1/benchmarks", body=body)
    eq(st, 202, "benchmark accepted: %r" % (b,))
    return b


def wait_done(env, rid, timeout=60):
    def done():
        r = env.get("/v1/benchmarks/" + rid)
        return r if r["state"] in ("done", "failed", "cancelled") else None
    return wait_for(done, timeout, "run %s to end" % rid, interval=0.2)


def test_figures_match_simulator(env):
    sim = env.sim(["--tps", "50", "--ttft-ms", "100", "--load-ms", "100"])
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5, "models")
    sim.request("DELETE", "/_sim/requests")
    b = start(env, suite="quick", repetitions=3)
    st, _, again = env.request("POST", "/v1/benchmarks", body={
        "model": MODEL})
    eq(st, 409, "a second run while one is going")
    r = wait_done(env, b["id"])
    eq(r["state"], "done", "run state")
    tests = {t["name"]: t for t in r["tests"]}
    tg = tests["tg128"]
    gen = tg["gen_tps"]["mean"] if "gen_tps" in tg else \
        tg["metrics"]["gen_tps"]["mean"]
    check(abs(gen - 50) <= 1.0, "generation rate within 2%% of 50: %r" % gen)
    ttft = (tg.get("ttft_ms") or tg["metrics"]["ttft_ms"])["mean"]
    check(abs(ttft - 100) <= 5, "TTFT within 5 ms of 100: %r" % ttft)
    eq(r["ollama_version"], "0.32.15", "environment recorded")
    # The parameter count from Ollama's /api/show (model_info's
    # general.parameter_count), fetched once at the start.
    eq(r["n_params"], 3212749888, "n_params from /api/show")
    check(r["digest"], "model digest recorded")
    # What the requests carried.
    reqs = [q for q in sim.request("GET", "/_sim/requests")[1]["requests"]
            if q["path"] == "/api/generate"]
    eq(len(reqs), 8, "1 warm-up + 3 reps for 2 tests")
    prompts = [q["body"]["prompt"] for q in reqs]
    eq(len(set(p[:8] for p in prompts)), len(prompts),
       "every prompt starts with a unique prefix")
    for q in reqs:
        o = q["body"]["options"]
        eq(o["temperature"], 0, "temperature 0")
        eq(o["seed"], 42, "fixed seed")
        eq(o["num_ctx"], reqs[0]["body"]["options"]["num_ctx"],
           "same num_ctx for warm-up and measured runs")
    samples = all_samples(r)
    eq(len([s for s in samples if not s["is_warmup"]]), 6,
       "measured samples stored")
    # Exports.
    st, hd, md = env.request("GET", "/v1/benchmarks/%s/export?format=md"
                             % b["id"], raw=True)
    eq(st, 200, "md export")
    check(b"| tg128 |" in md and b"pp512" in md, "llama-bench-like table")
    st, hd, text = env.request("GET", "/v1/benchmarks/%s/export?format=csv"
                               % b["id"], raw=True)
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    eq(len(rows), 2, "one CSV row per test")
    st, hd, j = env.request("GET", "/v1/benchmarks/%s/export?format=json"
                            % b["id"])
    eq(st, 200, "json export")
    eq(set(t["model_n_params"] for t in j), {3212749888},
       "the export's model_n_params, on each test")
    st, _, _ = env.request("GET", "/v1/benchmarks/%s/export?format=xml"
                           % b["id"])
    eq(st, 400, "unknown format")
    lst = env.get("/v1/benchmarks?model=%s" % MODEL)["benchmarks"]
    eq(lst[0]["id"], b["id"], "listed")


def test_cancel_stops_upstream(env):
    sim = env.sim(["--tps", "20", "--ttft-ms", "50"])
    env.daemon(sim)
    b = start(env, suite="quick", repetitions=5)
    wait_for(lambda: env.get("/v1/benchmarks/" + b["id"])["progress"]
             ["steps_done"] >= 2, 20, "the run to get going")
    t0 = time.monotonic()
    st, _, body = env.request("DELETE", "/v1/benchmarks/" + b["id"])
    eq(st, 202, "cancel accepted")
    r = wait_done(env, b["id"], 1.0)
    eq(r["state"], "cancelled", "cancelled")
    print("cancelled in %.0f ms" % ((time.monotonic() - t0) * 1000))
    wait_for(lambda: all(not q["outcome"] == "running" for q in
                         sim.request("GET", "/_sim/requests")[1]
                         ["requests"]), 1.0,
             "no request running upstream within 1 s")
    n = len(sim.request("GET", "/_sim/requests")[1]["requests"])
    time.sleep(1)
    eq(len(sim.request("GET", "/_sim/requests")[1]["requests"]), n,
       "no new requests after cancel")
    job = env.get("/v1/jobs/" + b["job"])
    eq(job["state"], "cancelled", "job cancelled")


def test_faults_are_flagged(env):
    sim = env.sim(["--tps", "200", "--ttft-ms", "5"])
    env.daemon(sim)
    sim.config(mode="midstream_error")
    b = start(env, suite="quick", repetitions=2)
    r = wait_done(env, b["id"])
    eq(r["state"], "failed", "three failures in a row end the run")
    check("in a row" in r["error"], "says why: %r" % r["error"])
    errs = [s for s in all_samples(r) if "error" in s["flags"]]
    check(errs and all(s["error"] for s in errs), "flagged error samples")
    sim.config(mode="ok")
    # Short outputs are retried and flagged.
    sim.config(eos_after=10)
    b = start(env, prompts=["Say hi."], num_predict=40, repetitions=2,
              warmup=0)
    r = wait_done(env, b["id"])
    short = [s for s in all_samples(r) if "short" in s["flags"]]
    check(len(short) >= 2, "short samples flagged: %d" % len(short))
    check(max(s["attempt"] for s in all_samples(r)) >= 1, "retried")
    eq(env.get("/v1/health")["status"], "ok", "daemon alive")


def test_results_survive_restart_and_compare(env):
    sim = env.sim(["--tps", "100", "--ttft-ms", "10", "--load-ms", "10"])
    d = env.daemon(sim)
    a = start(env, suite="quick", repetitions=3)
    wait_done(env, a["id"])
    sim.config(tps=80)
    b = start(env, suite="quick", repetitions=3)
    wait_done(env, b["id"])
    d.stop()
    env.procs.remove(d)
    env.daemon(sim)
    r = env.get("/v1/benchmarks/" + a["id"])
    eq(r["state"], "done", "stored run after a restart")
    cmp_ = env.get("/v1/benchmarks/compare?base=%s&candidate=%s"
                   % (a["id"], b["id"]))
    eq(cmp_["verdict"], "regression", "20% slower is a regression")
    tg = [t for t in cmp_["tests"] if t["name"] == "tg128"][0]
    eq(tg["verdict"], "regression", "tg128 regressed")
    same = env.get("/v1/benchmarks/compare?base=%s&candidate=%s"
                   % (a["id"], a["id"]))
    eq(same["verdict"], "no change", "a run against itself")
    st, _, _ = env.request("GET", "/v1/benchmarks/compare?base=" + a["id"])
    eq(st, 400, "candidate missing")
    st, _, _ = env.request("GET", "/v1/benchmarks/nope")
    eq(st, 404, "unknown run")
    # Clearing history.
    st, _, body = env.request("DELETE", "/v1/history")
    eq(st, 200, "history cleared")
    check(body["deleted_benchmarks"] >= 2, "runs deleted")
    eq(env.get("/v1/benchmarks")["benchmarks"], [], "nothing left")


def test_bad_requests(env):
    env.daemon()
    for body, what in (({}, "model"), ({"model": MODEL, "suite": "nope"},
                       "suite"), ({"model": MODEL, "repetitions": 0},
                       "repetitions"), ({"model": MODEL, "prompts": [1]},
                       "prompts")):
        st, _, b = env.request("POST", "/v1/benchmarks", body=body)
        eq(st, 400, "bad request: %s" % what)
        eq(b["error"]["code"], "bad_request", "code")


if __name__ == "__main__":
    run([test_figures_match_simulator, test_cancel_stops_upstream,
         test_faults_are_flagged, test_results_survive_restart_and_compare,
         test_bad_requests])
