#!/usr/bin/env python3
"""End-to-end browser test of Depot's web UI.

Starts a real `depot serve` on a free loopback port with a fresh data
directory, drives headless Chromium through it with selenium and checks the
HTML contract (fixed element ids) of the login, organisation and channel
pages. Finally stops the server with SIGTERM and checks that it exits with
code 0 within 10 s.

Usage (after `bash scripts/e2e-setup.sh`):

    .venv-e2e/bin/python Tests/EndToEnd/browser_test.py --binary .build/debug/depot

Prints `browser: N passed, M failed` as its last line; exits non-zero on
failure, after saving a screenshot to TMPDIR/failure.png and printing the
page source and the server log.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent.parent

ADMIN_USER = "admin"
ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "e2e-org"
CHANNEL = "e2e-channel"
DESCRIPTION = "<script>window.__xss=1</script> & friends"
EDITED_DESCRIPTION = "edited by browser"

WAIT = 10  # seconds, for every explicit wait
HEALTH_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 10

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class StepFailure(AssertionError):
    pass


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Loopback only: ignore any proxy settings in the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_healthy(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StepFailure(f"server exited with code {proc.returncode} before answering /healthz")
        try:
            with _opener.open(base + "/healthz", timeout=2) as resp:
                body = resp.read().decode("utf-8", "replace").strip()
                if resp.status == 200 and body == "ok":
                    return
                last = f"HTTP {resp.status} {body[:200]!r}"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.2)
    raise StepFailure(f"/healthz did not answer 200 'ok' within {HEALTH_TIMEOUT} s (last: {last})")


def stop_server(proc: subprocess.Popen) -> tuple[int | None, bool]:
    """SIGTERM, wait up to 10 s, then SIGKILL. Returns (exit code, exited in time)."""
    if proc.poll() is not None:
        return proc.returncode, True
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=SHUTDOWN_TIMEOUT), True
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        return proc.returncode, False


# --------------------------------------------------------------------------
# Browser helpers
# --------------------------------------------------------------------------


def make_driver() -> WebDriver:
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Browser:
    def __init__(self, driver: WebDriver, base: str):
        self.d = driver
        self.base = base

    # -- diagnostics ------------------------------------------------------

    def where(self) -> str:
        try:
            info = f"at {self.d.current_url} (title {self.d.title!r})"
            errors = [
                e.text.strip()
                for e in self.d.find_elements(By.CSS_SELECTOR, ".form-error, .field-error, #login-error")
                if e.text.strip()
            ]
            if errors:
                info += f"; form errors on page: {errors}"
            return info
        except WebDriverException:
            return "(page unavailable)"

    def wait(self, condition: Callable[[WebDriver], object], what: str):
        try:
            return WebDriverWait(self.d, WAIT).until(condition)
        except TimeoutException:
            raise StepFailure(f"timed out after {WAIT} s waiting for {what}; {self.where()}") from None

    # -- navigation -------------------------------------------------------

    def get(self, path: str) -> None:
        self.d.get(self.base + path)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "document ready")

    def path(self) -> str:
        return urllib.parse.urlparse(self.d.current_url).path

    def wait_path_endswith(self, suffix: str) -> None:
        self.wait(lambda d: urllib.parse.urlparse(d.current_url).path.endswith(suffix), f"URL path ending with {suffix!r}")
        self.wait_ready()

    def click_and_wait_reload(self, element: WebElement) -> None:
        """Clicks something that loads a new document and waits for that document.

        Marks the current document with a window property; the new document
        does not have it. (EC.staleness_of is racy here: mid-navigation
        chromedriver may answer with a generic "node does not belong to the
        document" error rather than a stale-element one.)
        """
        marker = f"e2e-{time.monotonic_ns()}"
        self.d.execute_script("window.__e2eMarker = arguments[0];", marker)
        element.click()

        def new_document_ready(d: WebDriver) -> bool:
            try:
                return bool(d.execute_script(
                    "return window.__e2eMarker !== arguments[0] && document.readyState === 'complete';", marker))
            except WebDriverException:
                return False  # navigation in progress

        self.wait(new_document_ready, "a new page to load after the click")

    # -- elements ---------------------------------------------------------

    def find(self, css: str) -> WebElement:
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), f"element {css!r}")

    def clickable(self, css: str) -> WebElement:
        return self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)), f"clickable element {css!r}")

    def absent(self, css: str) -> None:
        found = self.d.find_elements(By.CSS_SELECTOR, css)
        if found:
            raise StepFailure(f"expected no element {css!r} but found one with text {found[0].text!r}; {self.where()}")

    def text_contains(self, css: str, expected: str) -> str:
        el = self.find(css)
        text = el.text
        if expected not in text:
            raise StepFailure(f"{css!r} text {text!r} does not contain {expected!r}; {self.where()}")
        return text

    def text_equals(self, css: str, expected: str) -> None:
        text = self.find(css).text
        if text != expected:
            raise StepFailure(f"{css!r} text is {text!r}, expected {expected!r}; {self.where()}")

    def fill(self, css: str, value: str) -> None:
        el = self.find(css)
        el.clear()
        el.send_keys(value)
        actual = el.get_attribute("value")
        if actual != value:
            raise StepFailure(f"typing into {css!r} gave {actual!r}, expected {value!r}")

    def choose(self, css: str, value: str) -> None:
        el = self.find(css)
        options = [o.get_attribute("value") for o in el.find_elements(By.TAG_NAME, "option")]
        if value not in options:
            raise StepFailure(f"<select> {css!r} has no option {value!r} (options: {options}); {self.where()}")
        Select(el).select_by_value(value)

    def open_actions_menu(self) -> None:
        summary = self.clickable("details#channel-actions > summary")
        details = self.d.find_element(By.CSS_SELECTOR, "details#channel-actions")
        if details.get_attribute("open") is None:
            summary.click()
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "details#channel-actions").get_attribute("open") is not None,
                  "the actions menu to open")


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


def step_a_login(b: Browser) -> None:
    b.get("/login")
    b.find("form#login-form")
    b.fill("#login-form #username", ADMIN_USER)
    b.fill("#login-form #password", ADMIN_PASSWORD)
    b.click_and_wait_reload(b.clickable("#login-submit"))
    b.wait_path_endswith("/channels")
    b.find("#logout-form")


def step_b_create_org(b: Browser) -> None:
    b.get("/orgs")
    b.find("form#org-form")
    b.fill("#org-form #org-name", ORG)
    b.click_and_wait_reload(b.clickable("#org-create"))
    b.wait_path_endswith(f"/orgs/{ORG}")
    b.text_contains(".flash", ORG)


def step_c_create_channel(b: Browser) -> None:
    b.get("/channels/-/new")
    b.find("form#channel-form")
    b.choose("#channel-form select#org", ORG)
    b.fill("#channel-form input#name", CHANNEL)
    b.fill("#channel-form textarea#description", DESCRIPTION)
    b.choose("#channel-form select#privacy", "private")
    b.click_and_wait_reload(b.clickable("#channel-create"))
    b.wait_path_endswith(f"/channels/{CHANNEL}")
    b.text_equals("#channel-name", CHANNEL)
    b.text_contains(".flash", "created")
    b.text_equals("#channel-description", DESCRIPTION)
    xss = b.d.execute_script("return window.__xss")
    if xss is not None:
        raise StepFailure(f"the description's <script> ran: window.__xss = {xss!r}")
    b.text_contains("#live-badge", "Not frozen")
    b.absent("#frozen-badge")


def step_d_freeze(b: Browser) -> None:
    b.open_actions_menu()
    b.click_and_wait_reload(b.clickable("#action-freeze"))
    b.wait_path_endswith(f"/channels/{CHANNEL}")
    b.text_contains("#frozen-badge", "Frozen")
    b.text_contains(".flash", "is frozen")
    b.absent("#live-badge")


def step_e_unfreeze(b: Browser) -> None:
    b.open_actions_menu()
    b.click_and_wait_reload(b.clickable("#action-unfreeze"))
    b.wait_path_endswith(f"/channels/{CHANNEL}")
    b.find("#live-badge")
    b.absent("#frozen-badge")
    b.text_contains(".flash", "unfrozen")


def step_f_settings(b: Browser) -> None:
    b.find("#tab-packages")
    b.find("#tab-mirrors")
    b.click_and_wait_reload(b.clickable("#tab-settings"))
    b.find("form#settings-form")
    b.find("#settings-form #privacy")
    b.fill("#settings-form #description", EDITED_DESCRIPTION)
    b.click_and_wait_reload(b.clickable("#settings-save"))
    b.text_contains(".flash", "saved")
    b.click_and_wait_reload(b.clickable("#tab-packages"))
    b.text_equals("#channel-description", EDITED_DESCRIPTION)


def step_g_snippets(b: Browser) -> None:
    if not b.path().endswith(f"/channels/{CHANNEL}"):
        b.get(f"/channels/{CHANNEL}")
    b.text_contains("#snippet-condarc", f"/t/<TOKEN>/api/repo/{CHANNEL}")
    b.text_contains("#snippet-pip", "/simple/")
    b.text_contains("#snippet-r", "/cran")


def step_h_logout(b: Browser) -> None:
    b.find("form#logout-form")
    b.click_and_wait_reload(b.clickable("#logout-form #logout"))
    b.wait_path_endswith("/login")


STEPS: list[tuple[str, str, Callable[[Browser], None]]] = [
    ("a", "log in", step_a_login),
    ("b", "create organisation", step_b_create_org),
    ("c", "create private channel, description escaped", step_c_create_channel),
    ("d", "freeze", step_d_freeze),
    ("e", "unfreeze", step_e_unfreeze),
    ("f", "edit settings", step_f_settings),
    ("g", "client snippets", step_g_snippets),
    ("h", "log out", step_h_logout),
]


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path to the depot executable")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory after a passing run")
    args = parser.parse_args()

    binary = Path(args.binary).resolve()
    if not os.access(binary, os.X_OK):
        print(f"browser: not an executable: {binary}", file=sys.stderr)
        print("browser: 0 passed, 1 failed")
        return 1

    tmp = Path(tempfile.mkdtemp(prefix="depot-e2e-"))
    log_path = tmp / "server.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DEPOT_ADMIN_PASSWORD=ADMIN_PASSWORD, DEPOT_BCRYPT_COST="4")

    passed = 0
    failed = 0
    failure: str | None = None
    page_source: str | None = None
    shutdown_problem: str | None = None
    driver: WebDriver | None = None

    print(f"browser: temp dir {tmp}, server {base}")
    log_file = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp / "data")],
        env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_healthy(base, proc)
            driver = make_driver()
            driver.set_page_load_timeout(30)
        except Exception as e:  # noqa: BLE001 - report any setup failure
            failure = f"setup: {e}"
            if not isinstance(e, StepFailure):
                traceback.print_exc()
        if driver is not None:
            browser = Browser(driver, base)
            for letter, title, fn in STEPS:
                try:
                    fn(browser)
                except Exception as e:  # noqa: BLE001 - every failure stops the run
                    failed += 1
                    kind = "" if isinstance(e, StepFailure) else f"{type(e).__name__}: "
                    failure = f"step {letter} ({title}): {kind}{e}"
                    if not isinstance(e, StepFailure):
                        traceback.print_exc()
                    try:
                        driver.save_screenshot(str(tmp / "failure.png"))
                        page_source = driver.page_source
                    except WebDriverException as se:
                        print(f"browser: could not capture the page: {se}", file=sys.stderr)
                    break
                passed += 1
                print(f"ok   {letter}: {title}")
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001
                pass
        code, in_time = stop_server(proc)
        log_file.close()

    if failure is None:
        if not in_time:
            shutdown_problem = f"server did not exit within {SHUTDOWN_TIMEOUT} s of SIGTERM (killed, code {code})"
        elif code != 0:
            shutdown_problem = f"server exited with code {code} after SIGTERM, expected 0"

    if failure is not None or shutdown_problem is not None:
        if failure is not None and driver is None:
            failed = 1  # setup failed before any step ran
        if shutdown_problem is not None:
            failed += 1
        print(f"FAIL {failure or shutdown_problem}")
        if page_source is not None:
            print(f"--- page source (first 3000 chars; screenshot: {tmp / 'failure.png'}) ---")
            print(page_source[:3000])
        print(f"--- server log ({log_path}) ---")
        try:
            print(log_path.read_text(errors="replace"))
        except OSError as e:
            print(f"(cannot read: {e})")
        print(f"--- end of server log; server exit code {code}{'' if in_time else ' (killed)'} ---")
        sys.stdout.flush()
        print(f"browser: {passed} passed, {failed} failed")
        return 1

    print(f"ok   server exited with code 0 after SIGTERM")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"browser: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
