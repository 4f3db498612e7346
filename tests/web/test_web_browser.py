"""End to end in Debian's chromium (Playwright): log in, create a patient, type the seed case's
baseline visit into the form and see the score `sicca score` gives.

Set SICCA_SCREENSHOT=docs/web-visit-form.png to refresh the README's screenshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sicca.api.session import Session
from sicca.web.store import Store
from tests.web.conftest import PASSWORD, baseline_form
from tests.web.live import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module's tests (each works on its own patient)."""
    tmp = tmp_path_factory.mktemp("browser")
    db = str(tmp / "clinic.db")
    store = Store(db)
    store.add_user("alice", PASSWORD, "clinician")
    store.dispose()
    srv = Server(db, tmp / "serve.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                               args=["--no-sandbox"])  # CI runs as root
        try:
            yield b
        finally:
            b.close()


def _logged_in(browser: Browser, server: Server) -> Page:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server.url + "/patients")
    expect(page).to_have_url(server.url + "/login")
    page.fill('input[name="username"]', "alice")
    page.fill('input[name="password"]', PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page).to_have_url(server.url + "/patients")
    return page


def _new_patient_visit(page: Page, pid: str, tid: str, date: str) -> None:
    """A new patient ``pid`` and the form of its first visit, with id and date filled in."""
    page.fill('input[name="pid"]', pid)
    page.click("button:has-text('Create patient')")
    page.click("text=New visit")
    page.fill('input[name="v.id"]', tid)
    page.fill('input[name="v.date"]', date)


def test_browser_enters_the_seed_baseline_and_sees_essdai_11(server: Server, api: Session,
                                                             browser: Browser) -> None:
    from playwright.sync_api import expect

    page = _logged_in(browser, server)
    try:
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
        page.close()


def test_browser_changing_an_option_changes_the_score_shown(server: Server,
                                                            browser: Browser) -> None:
    """An isolated anti-Ro52: the 2016 anti-SSA/Ro item is unknown by default (spec §4.3);
    the patient's option anti_ro52_isolated decides it, live in the form, then stored."""
    from playwright.sync_api import expect

    page = _logged_in(browser, server)
    item = page.locator("#score li", has_text="anti-SSA/Ro positive").first
    try:
        _new_patient_visit(page, "ro52-001", "v1", "2024-01")
        page.select_option('select[name="f.anti_ro52"]', "positive")
        page.select_option('select[name="f.anti_ssa"]', "negative")
        expect(item).to_have_class("st-unknown", timeout=20_000)
        expect(page.get_by_test_id("options")).to_contain_text("the rule pack's defaults")
        page.select_option('select[name="o.anti_ro52_isolated"]', "positive")
        expect(item).to_have_class("st-positive", timeout=20_000)  # ✓, +3 in the 2016 sum
        expect(page.get_by_test_id("options")).to_contain_text("anti_ro52_isolated=positive")
        page.click("#save")
        expect(page).to_have_url(server.url + "/patients/ro52-001/visits/v1")
        expect(page.locator("li", has_text="anti-SSA/Ro positive").first
               ).to_have_class("st-positive")
        # the patient page changes it for every visit
        page.goto(server.url + "/patients/ro52-001")
        page.click("#options summary")
        page.select_option('#options select[name="o.anti_ro52_isolated"]', "negative")
        page.click("button:has-text('Save judgement calls')")
        expect(page.get_by_test_id("options")).to_contain_text("anti_ro52_isolated=negative")
        page.goto(server.url + "/patients/ro52-001/visits/v1")
        expect(page.locator("li", has_text="anti-SSA/Ro positive").first
               ).to_have_class("st-negative")
    finally:
        page.close()


def test_browser_history_entry_turns_2002_and_2012_from_undetermined_to_met(
        server: Server, browser: Browser) -> None:
    """The seed's 2021 diagnosis (anti-SSB positive, focus score >=1) entered as a history
    entry decides the 2002 and 2012 sets at a later visit with both dryness answers yes:
    AECG I + II + IV + VI = 4 of 6 with IV; ACR 2012 serology + biopsy = 2 of 3."""
    from playwright.sync_api import expect

    page = _logged_in(browser, server)
    verdict = page.locator(".verdict", has_text="aecg_2002:")
    try:
        _new_patient_visit(page, "hist-001", "baseline", "2023-10")
        page.select_option('select[name="f.dry_eyes_3_months"]', "yes")
        page.select_option('select[name="f.dry_mouth_3_months"]', "yes")
        page.click("#save")
        expect(page).to_have_url(server.url + "/patients/hist-001/visits/baseline")
        page.goto(server.url + "/patients/hist-001")
        expect(verdict).to_have_text("aecg_2002: undetermined")
        page.click("text=Add history entry")
        page.fill('input[name="h.date"]', "2021-3")  # a slip: the parser's words beside it
        page.fill('input[name="h.label"]', "diagnosis")
        page.select_option('select[name="f.anti_ssb"]', "positive")
        page.fill('input[name="f.focus_score"]', ">=1")
        page.select_option('select[name="f.focus_score.focal_lymphocytic_sialadenitis"]', "yes")
        page.click("button:has-text('Save history entry')")
        expect(page.locator('.field-error[data-for="h.date"]')).to_contain_text(
            "'2021-3' is not a date")
        expect(page.locator('select[name="f.anti_ssb"]')).to_have_value("positive")  # kept
        page.fill('input[name="h.date"]', "2021-03")
        page.click("button:has-text('Save history entry')")
        expect(page).to_have_url(server.url + "/patients/hist-001#history")
        expect(page.get_by_test_id("history")).to_contain_text("anti_ssb positive")
        expect(verdict).to_have_text("aecg_2002: met")
        expect(page.locator(".verdict", has_text="acr_2012:")).to_have_text("acr_2012: met")
    finally:
        page.close()
