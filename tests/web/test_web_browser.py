"""End to end in Debian's chromium (Playwright): log in, create a patient, type the seed case's
baseline visit into the form and see the score `sicca score` gives.

Set SICCA_SCREENSHOT=docs/web-visit-form.png to refresh the README's screenshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sicca.api.session import Session
from sicca.web.store import Store
from tests.web.conftest import PASSWORD, baseline_form
from tests.web.live import Server

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    db = str(tmp_path / "clinic.db")
    store = Store(db)
    store.add_user("alice", PASSWORD, "clinician")
    store.dispose()
    srv = Server(db, tmp_path / "serve.log")
    yield srv
    srv.stop()


def test_browser_enters_the_seed_baseline_and_sees_essdai_11(server: Server, api: Session
                                                             ) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox"])  # CI runs as root
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(server.url + "/patients")
            expect(page).to_have_url(server.url + "/login")
            page.fill('input[name="username"]', "alice")
            page.fill('input[name="password"]', PASSWORD)
            page.click("button:has-text('Log in')")
            expect(page).to_have_url(server.url + "/patients")
            page.fill('input[name="pid"]', "rfib-001")
            page.select_option('select[name="sex"]', "female")
            page.fill('input[name="note"]', "seed case (rFib)")
            page.click("button:has-text('Create patient')")
            expect(page).to_have_url(server.url + "/patients/rfib-001")
            page.click("text=New visit")
            expect(page.locator("#score")).to_contain_text("to see its score")
            for name, value in baseline_form(api).items():
                box = page.locator(f'[name="{name}"]').first
                kind = box.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
                if kind.startswith("select"):
                    box.select_option(value)
                elif kind == "input:range":
                    page.check(f'input[data-toggles="{name}"]')
                    box.fill(value)
                else:
                    box.fill(value)
            # cutaneous 3 x 3 + biological 2 x 1 = 11; haematological not assessable: +6
            expect(page.get_by_test_id("essdai")).to_have_text("11", timeout=20_000)
            expect(page.get_by_test_id("essdai-range")).to_have_text("range 11–17")
            shot = os.environ.get("SICCA_SCREENSHOT")
            if shot:
                page.locator("#domain-cutaneous").scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -60)")
                page.wait_for_timeout(300)
                page.screenshot(path=shot)
            page.click("#save")
            expect(page).to_have_url(server.url + "/patients/rfib-001/visits/baseline")
            expect(page.get_by_test_id("essdai")).to_have_text("11")
            # an error typed in a field shows beside it, live
            page.goto(server.url + "/patients/rfib-001/visits/baseline/edit")
            page.fill('input[name="f.constitutional.fever"]', "warm")
            err = page.locator('.field-error[data-for="f.constitutional.fever"]')
            expect(err).to_contain_text("is not a number", timeout=20_000)
        finally:
            browser.close()
