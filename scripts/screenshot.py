"""Take full-page screenshots of portal pages in headless Chromium, as a user sees them.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 out/ \
        --user demo-allerdale --password SECRET /bids/ /accessibility/

Without --user it screenshots as an anonymous visitor. Files are named after
the paths. Uses Debian's chromium (apt-get install chromium), never a download.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import accessibility_violations, chromium_page, sign_in  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--width", type=int, default=1100)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.set_viewport_size({"width": args.width, "height": 900})
        if args.user:
            sign_in(page, args.base_url, args.user, args.password)
        for path in args.paths:
            page.goto(args.base_url + path)
            name = (args.user or "anonymous") + "-" + (path.strip("/").replace("/", "-") or "home")
            target = args.out_dir / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            problems = accessibility_violations(page)
            print(f"{target}  title={page.title()!r}  axe violations={len(problems)}")
            for problem in problems:
                print(f"    {problem}")


if __name__ == "__main__":
    main()
