"""Printing: one HTML to PDF path for every document the portal prints.

Board papers (programmes.board.printing) and panel packs
(applications.panel_pack) both print their HTML here, with Debian's headless
Chromium driven by Playwright (docs/board.md says why Chromium). Printing takes
seconds and a few hundred MB, so callers run it in the worker, never in a web
request. It is a core service: it knows nothing of what it prints.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.staticfiles import finders

CHROMIUM = "/usr/bin/chromium"


class PdfUnavailable(Exception):
    """Chromium is not installed here, so no PDF can be printed."""


def pdf_from_html(html: str, *, header: str = "", footer: str = "") -> bytes:
    """Print the HTML to an A4 PDF with headless Chromium (print CSS applies).
    `header` and `footer`, if given, are Chromium's print templates, repeated
    on every page (its classes `pageNumber` and `totalPages` are filled in)."""
    if not shutil.which(CHROMIUM):
        raise PdfUnavailable(f"Chromium is not installed at {CHROMIUM}")
    # Imported here, not at start-up: only the worker prints, and Playwright
    # is heavy to load for every web process.
    from playwright.sync_api import sync_playwright

    css_path = finders.find("portal.css")
    css = Path(css_path).read_text(encoding="utf-8") if css_path else ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            # No network: the stylesheet is inlined, outside URLs never load.
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="domcontentloaded")
            page.add_style_tag(content=css)
            page.emulate_media(media="print")
            # Tagged (headings, lists and tables for a screen reader) with an
            # outline of the headings; the title and language come from the
            # page's <title> and <html lang>.
            return page.pdf(
                tagged=True,
                outline=True,
                format="A4",
                print_background=True,
                margin={"top": "20mm", "bottom": "20mm", "left": "18mm", "right": "18mm"},
                display_header_footer=bool(header or footer),
                # Chromium prints its own date and title where a template is empty.
                header_template=header or "<span></span>",
                footer_template=footer or "<span></span>",
            )
        finally:
            browser.close()
