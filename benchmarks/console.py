"""Time to a usable conjunctions page in Chromium with many events.

Stores N events (default 10,000) for one agency through the service's own `jobs.store_events`,
starts `orbitwatch serve` on loopback, and measures in Debian's Chromium (Playwright):
  * sign-in to a usable page: from submitting the sign-in form to the conjunctions table
    rendered (fleet, events and jobs fetched, the first rows drawn, sortable);
  * a cold reload of the page while signed in;
  * a re-sort of all N rows by miss distance, and a filter (max miss 1 km).
No peer: there is no other open SSA console to run on the same data. Run:
  python benchmarks/console.py --events 10000
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "service")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from conftest import free_port, make_settings, seed
    from console_seed import add_user, finished_job_with_events
    from orbitwatch.elements import read_elements
    from orbitwatch.samples import sample_catalog_path
    from orbitwatch.service.db import ServiceDB

    home = Path(tempfile.mkdtemp(prefix="ow-console-bench-"))
    url = f"sqlite:///{home / 'bench.db'}"
    settings = make_settings(url, home)
    db = ServiceDB(settings)
    seed(db, settings)
    add_user(db, "CSA", "bench", "analyst", "bench-password-1")
    es = read_elements(sample_catalog_path()).elements[:2000]
    ids, names = [int(x) for x in es.norad_id], [str(x) for x in es.name]
    pairs = [(ids[k % 20], names[k % 20], ids[20 + k % 1980], names[20 + k % 1980]) for k in range(args.events)]
    t = time.perf_counter()
    finished_job_with_events(db, "CSA", pairs, seed=1, span_h=168)
    print(f"stored {args.events:,} events in {time.perf_counter() - t:.1f} s")
    db.close()
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), ORBITWATCH_DATABASE_URL=url, ORBITWATCH_HOME=str(home),
               ORBITWATCH_JOBS_IN_PROCESS="false", ORBITWATCH_COOKIE_SECURE="false")
    proc = subprocess.Popen([sys.executable, "-m", "orbitwatch.cli.main", "serve", "--port", str(port),
                             "--log-level", "warning"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base) as c:  # the API part alone: the events list the page fetches
            c.post("/v1/auth/login", json={"agency": "CSA", "username": "bench", "password": "bench-password-1"})
            api_s = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                assert len(c.get("/v1/events", params={"limit": 10000}).json()["events"]) == min(args.events, 10000)
                api_s.append(time.perf_counter() - t)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            ctx = b.new_context(viewport={"width": 1280, "height": 800})
            pg = ctx.new_page()
            pg.set_default_timeout(120_000)
            rows = "table[aria-label='Conjunction events'] tbody tr"
            res = {"sign-in to usable page": [], "reload to usable page": [], "re-sort": [], "filter": []}
            for i in range(args.repeat):
                ctx.clear_cookies()
                pg.goto(base + "/")
                pg.wait_for_selector("#si-agency")
                pg.fill("#si-agency", "CSA")
                pg.fill("#si-user", "bench")
                pg.fill("#si-pw", "bench-password-1")
                t = time.perf_counter()
                pg.click("button[type=submit]")
                pg.wait_for_selector("body[data-ready=conjunctions] " + rows)
                res["sign-in to usable page"].append(time.perf_counter() - t)
                t = time.perf_counter()
                pg.reload()
                pg.wait_for_selector("body[data-ready=conjunctions] " + rows)
                res["reload to usable page"].append(time.perf_counter() - t)
                n = pg.locator("h2#ev-h").inner_text()
                assert f"({args.events})" in n, n
                t = time.perf_counter()
                pg.click("button[aria-label='Sort by Miss (km)']")
                pg.wait_for_selector("th[data-key=miss_km][aria-sort=ascending]")
                res["re-sort"].append(time.perf_counter() - t)
                count = "section:has(#ev-h) [data-testid=table-count]"
                before = pg.locator(count).inner_text()
                t = time.perf_counter()
                pg.fill("#f-miss", "1")
                pg.wait_for_function("([sel, b]) => document.querySelector(sel).textContent !== b", arg=[count, before])
                res["filter"].append(time.perf_counter() - t)
            b.close()
        print(f"conjunctions page with {args.events:,} events in Chromium (best of {args.repeat}, median):")
        res["of which GET /v1/events (API)"] = api_s
        for k, v in res.items():
            v = sorted(v)
            print(f"  {k:32s} {v[0] * 1000:7.0f} ms   {v[len(v) // 2] * 1000:7.0f} ms")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
