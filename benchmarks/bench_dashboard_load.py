"""Benchmark: 50 concurrent clients against `evaluation dashboard` (waitress).

A synthetic city of 1,950 departments and 50 districts over 24 months (2024–2025),
scored for 2025 into a result folder, served by ``evaluation dashboard`` in its own
process (waitress, ``--threads``) on loopback. ``--clients`` threads, each with its
own keep-alive connection, update the rankings as the browser does — the grid's
columns and chart, then the first block of 100 rows — for a scope drawn at random
(the requests built from ``/_dash-dependencies`` like the browser builds them), and
one request in ``--page-every`` is a page load (``/`` and ``/_dash-layout``), for
``--seconds`` (bounded). Clients send their next request at
once (``--think 0``: a closed loop, the worst case) or after a random pause of mean
``--think`` seconds (a leader reading). Reports errors (any status other than 200/204,
or a failed connection), the rankings update's p50/p95/max under load (both
requests), and its median alone (one client, before the load).
``--result`` reuses a scored result folder (the city takes minutes to score).

Goal (issue 13): 0 errors and p95 ≤ 1 s for 50 clients over 60 s.

Run: ``python benchmarks/bench_dashboard_load.py [--clients 50 --seconds 60]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evaluation as ev  # noqa: E402
from evaluation.generate import generate_city, write_city  # noqa: E402
from evaluation.publish.store import save_result  # noqa: E402


def build_city(folder: Path, departments: int, districts: int) -> Path:
    """The city scored for 2025, saved as a result folder."""
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    tables = generate_city(
        catalogue, departments=departments, districts=districts, months=24,
        start_year=2024, anomalies=False,
    )  # fmt: skip
    write_city(tables, folder / "city", catalogue)
    result = ev.run(
        catalogue,
        ev.load_dataset(folder / "city"),
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )
    return save_result(result, folder / "result")


def serve(result: Path, port: int, threads: int) -> subprocess.Popen:
    """``evaluation dashboard`` in its own process, once it answers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-c", "from evaluation.cli import app; app()", "dashboard",
        str(result), "--port", str(port), "--threads", str(threads),
    ]  # fmt: skip
    # waitress's "Task queue depth" warnings (one per queued request) go to a file
    log = open(Path(tempfile.gettempdir()) / f"bench_load_{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {server.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/")
            if c.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise TimeoutError("the dashboard did not answer within 300 s")


#: the first block of rows the grid asks for (AG Grid's infinite row model)
FIRST_BLOCK = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def rankings_bodies(port: int) -> tuple[list[dict], list[str]]:
    """The two requests a rankings update sends, as the browser builds them from
    ``/_dash-dependencies`` (grid columns and chart, then the first block of rows),
    and the scopes to draw from (districts and departments apart, everyone, each
    peer group)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/_dash-dependencies")
    deps = json.loads(c.getresponse().read())
    values = {"app-lang": "zh", "app-run": None, "rankings-period": "2025",
              "rankings-grid": FIRST_BLOCK}  # fmt: skip
    bodies = []
    for output in ("rankings-grid.columnDefs", "rankings-grid.getRowsResponse"):
        spec = next(d for d in deps if output in d["output"])
        outs = [
            {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
            for o in spec["output"].strip(".").split("...")
        ]
        bodies.append({
            "output": spec["output"],
            "outputs": outs if len(outs) > 1 else outs[0],
            "inputs": [{**i, "value": values.get(i["id"])} for i in spec["inputs"]],
            "state": [{**s, "value": values.get(s["id"])} for s in spec["state"]],
            "changedPropIds": [],
        })  # fmt: skip
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    return bodies, ["_levels", "_all", *(g.id for g in catalogue.peer_groups)]


def update(
    conn, bodies: list[dict], scope: str, each: list | None = None
) -> tuple[float, int, list[str]]:
    """One rankings update for ``scope``: both requests in turn, as the browser
    sends them. Returns seconds, bytes received and errors (status not 200); the
    seconds of each request are added to ``each``."""
    start, size, errors = time.perf_counter(), 0, []
    for body in bodies:
        began = time.perf_counter()
        request = {
            **body,
            **{
                part: [
                    {**i, "value": scope} if i["id"] == "rankings-peer-group" else i
                    for i in body[part]
                ]
                for part in ("inputs", "state")
            },
        }
        conn.request("POST", "/_dash-update-component", json.dumps(request),
                     {"Content-Type": "application/json"})  # fmt: skip
        r = conn.getresponse()
        size += len(r.read())
        if each is not None:
            each.append(time.perf_counter() - began)
        if r.status != 200:
            errors.append(f"{body['output'][:40]}: {r.status}")
    return time.perf_counter() - start, size, errors


def client(
    port, bodies, groups, stop, rng, page_every, think, times, each, errors, lock
):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    n = 0
    while not stop.is_set():
        n += 1
        if think and stop.wait(rng.expovariate(1 / think)):
            break
        try:
            if n % page_every == 0:
                for path in ("/", "/_dash-layout"):
                    conn.request("GET", path)
                    r = conn.getresponse()
                    r.read()
                    if r.status != 200:
                        with lock:
                            errors.append(f"GET {path}: {r.status}")
                continue
            one: list[float] = []
            elapsed, _, failed = update(conn, bodies, rng.choice(groups), one)
            with lock:
                errors.extend(failed)
                if not failed:
                    times.append(elapsed)
                    each.extend(one)
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--page-every", type=int, default=10)
    parser.add_argument("--departments", type=int, default=1950)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause, s")
    parser.add_argument("--result", type=Path, help="a scored result folder")
    args = parser.parse_args(argv)
    if args.result is None:
        folder = Path(tempfile.mkdtemp(prefix="bench_load_"))
        start = time.perf_counter()
        args.result = build_city(folder, args.departments, args.districts)
        print(f"city scored in {time.perf_counter() - start:.0f} s: {args.result}")
    result = args.result
    server = serve(result, args.port, args.threads)
    try:
        bodies, groups = rankings_bodies(args.port)
        warm = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        for g in groups:  # fill the per-run caches, as on a live server
            assert not update(warm, bodies, g)[2]
        alone, sizes = [], {}
        for g in groups * 2:
            elapsed, sizes[g], _ = update(warm, bodies, g)
            alone.append(elapsed)
        times: list[float] = []
        each: list[float] = []
        errors: list[str] = []
        lock, stop = threading.Lock(), threading.Event()
        rng = random.Random(args.seed)
        workers = [
            threading.Thread(
                target=client,
                args=(
                    args.port,
                    bodies,
                    groups,
                    stop,
                    random.Random(rng.random()),
                    args.page_every,
                    args.think,
                    times,
                    each,
                    errors,
                    lock,
                ),
                daemon=True,
            )  # fmt: skip
            for _ in range(args.clients)
        ]
        began = time.perf_counter()
        for w in workers:
            w.start()
        time.sleep(args.seconds)
        stop.set()
        for w in workers:
            w.join(timeout=180)
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    if len(times) < 2:
        raise RuntimeError(f"{len(times)} calls answered; errors: {errors[:5]}")
    q = statistics.quantiles(times, n=100, method="inclusive")
    out = {
        "clients": args.clients,
        "seconds": round(wall, 1),
        "think s": args.think,
        "waitress threads": args.threads,
        "rankings updates": len(times),
        "calls/s": round(len(times) / wall, 1),
        "errors": len(errors),
        "p50 ms": round(1000 * q[49]),
        "p95 ms": round(1000 * q[94]),
        "one request p95 ms": round(
            1000 * statistics.quantiles(each, n=100, method="inclusive")[94]
        ),
        "max ms": round(1000 * max(times)) if times else None,
        "alone median ms": round(1000 * statistics.median(alone)),
        "KB per update (both lists)": round(sizes["_levels"] / 1024, 1),
    }
    print(" | ".join(f"{k}: {v}" for k, v in out.items()))
    if errors:
        print("first errors:", errors[:5])
    return out


if __name__ == "__main__":
    main()
