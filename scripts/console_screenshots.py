"""Write the README's two console screenshots (docs/img/console-*.png) from a running demo.

    orbitwatch demo --serve --port 8000        # prints the password
    python scripts/console_screenshots.py --url http://127.0.0.1:8000 --password PASSWORD

Uses Debian's Chromium through Playwright; the PNGs are reduced to a 64-colour palette.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--agency", default="DEMO")
    ap.add_argument("--user", default="demo")
    ap.add_argument("--password", required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    from PIL import Image
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        pg = b.new_page(viewport={"width": 1280, "height": 800})
        pg.goto(args.url + "/console/")
        pg.fill("#si-agency", args.agency)
        pg.fill("#si-user", args.user)
        pg.fill("#si-pw", args.password)
        pg.click("button[type=submit]")
        pg.wait_for_selector("body[data-ready=conjunctions]")
        pg.screenshot(path=str(args.out / "console-conjunctions.png"))
        pg.click("button[aria-label='Sort by Miss (km)']")
        # the closest encounter faster than 1 km/s (docked modules and formations are slow)
        href = pg.evaluate("""() => [...document.querySelectorAll("table[aria-label='Conjunction events'] tbody tr")]
            .find((tr) => parseFloat(tr.children[4].textContent) > 1).querySelector("a").getAttribute("href")""")
        pg.goto(args.url + "/console/" + href)
        pg.wait_for_selector("body[data-ready=event]")
        pg.wait_for_selector("svg.map[data-basemap=loaded]")
        pg.screenshot(path=str(args.out / "console-event.png"), full_page=True)
        b.close()
    for name in ("console-conjunctions.png", "console-event.png"):
        f = args.out / name
        im = Image.open(f).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        im.save(f, optimize=True)
        print(f"{f}: {f.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
