#!/usr/bin/env python3
"""End-to-end browser test of Depot's web UI.

Starts a real `depot serve` on a free loopback port with a fresh data
directory, drives headless Chromium through it with selenium and checks the
HTML contract (fixed element ids) of the login, organisation and channel
pages. After logging out it logs in again and goes through the Policies UI:
creates a policy from the organisation page (a bad MatchSpec is refused with
the text kept), applies it on a channel's Settings tab, mirrors a small real
conda channel (served on loopback, the mirror made through the JSON API) and
on the mirror's edit form is refused the channel's own policy, then opens
View Details of the mirror's run and downloads its dependency report (CSV).
Finally stops the server with SIGTERM and checks that it exits with code 0
within 10 s.

Usage (after `bash scripts/e2e-setup.sh`):

    .venv-e2e/bin/python Tests/EndToEnd/browser_test.py --binary .build/debug/depot

Prints `browser: N passed, M failed` as its last line; exits non-zero on
failure, after saving a screenshot to TMPDIR/failure.png and printing the
page source and the server log.
"""

from __future__ import annotations

import argparse
import json
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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402  (build_conda_channel, UpstreamServer, wait_mirror, http_request)

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

POLICY = "e2e-policy"
BAD_ALLOW = "numpy >>1"
ALLOW = "depot-hello >=1.1"
LICENCE_BLOCK = "AGPL*"
MIRROR = "e2e-upstream"
MIRROR_RENAMED = "e2e-upstream-renamed"
MIRROR_TIMEOUT = 60
# fixtures.build_conda_channel: depot-hello 1.0 and 1.1 (noarch), depot-tool 2.0 (linux-64).
# ALLOW keeps depot-hello 1.1 only (it has no dependencies); the other two are "not allowed".
EXPECTED_COUNTS = {"source": "3", "kept": "1", "filtered": "2", "downloaded": "1"}

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
        # For the policy steps: set by main() and filled in as the steps go.
        self.binary: Path | None = None
        self.data_dir: Path | None = None
        self.tmp: Path | None = None
        self.env: dict[str, str] = {}
        self.token: str | None = None
        self.upstream: fixtures.UpstreamServer | None = None
        self.policy_path = ""  # /orgs/<org>/policies/<id>
        self.policy_id = ""
        self.mirror_id = ""

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

    def selected_value(self, css: str) -> str:
        return Select(self.find(css)).first_selected_option.get_attribute("value") or ""

    def value_equals(self, css: str, expected: str) -> None:
        actual = self.find(css).get_attribute("value")
        if actual != expected:
            raise StepFailure(f"{css!r} holds {actual!r}, expected {expected!r}; {self.where()}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c['name']}={c['value']}" for c in self.d.get_cookies())

    def api(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        """JSON API call as admin with a token minted by `depot token create` (what fixtures.DepotServer does)."""
        if self.token is None:
            assert self.binary is not None and self.data_dir is not None
            proc = subprocess.run(
                [str(self.binary), "token", "create", ADMIN_USER, "--data", str(self.data_dir), "--name", "e2e-browser"],
                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60)
            lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
            if proc.returncode != 0 or not lines:
                raise StepFailure(f"depot token create failed (exit {proc.returncode}): {proc.stdout} {proc.stderr}")
            self.token = lines[-1]
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, _, raw = fixtures.http_request(self.base + path, method=method, headers=headers, data=data)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

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


def step_i_login_again(b: Browser) -> None:
    step_a_login(b)


def step_j_create_policy(b: Browser) -> None:
    b.get(f"/orgs/{ORG}")
    b.click_and_wait_reload(b.clickable("#policies-link"))
    b.wait_path_endswith(f"/orgs/{ORG}/policies")
    b.text_contains("#policy-list", "No policies yet.")
    b.click_and_wait_reload(b.clickable("#new-policy"))
    b.wait_path_endswith(f"/orgs/{ORG}/policies/new")
    b.find("form#policy-form")

    # A bad MatchSpec: the field error names the line, and what was typed stays in the form.
    b.fill("#policy-form #policy-name", POLICY)
    b.fill("#policy-form textarea#allow", BAD_ALLOW)
    b.click_and_wait_reload(b.clickable("#policy-save"))
    b.find("form#policy-form")
    error = b.text_contains("#allow-error", "Line 1")
    if BAD_ALLOW not in error:
        raise StepFailure(f"the allow error {error!r} does not quote the rule {BAD_ALLOW!r}")
    if b.find("textarea#allow").get_attribute("aria-invalid") != "true":
        raise StepFailure("the Allow textarea is not marked aria-invalid after the error")
    b.value_equals("textarea#allow", BAD_ALLOW)
    b.value_equals("#policy-form #policy-name", POLICY)
    b.absent("#policy-view")

    # Fixed: allow by MatchSpec with Include dependencies, block a licence family.
    b.fill("#policy-form textarea#allow", ALLOW)
    deps = b.find("#policy-form #include-dependencies")
    if not deps.is_selected():
        deps.click()
    if not deps.is_selected():
        raise StepFailure("could not tick Include dependencies")
    b.fill("#policy-form textarea#license-block", LICENCE_BLOCK)
    b.click_and_wait_reload(b.clickable("#policy-save"))
    b.wait(lambda d: "/policies/" in urllib.parse.urlparse(d.current_url).path
           and not urllib.parse.urlparse(d.current_url).path.endswith(("/new", "/policies")),
           "the new policy's page")
    b.policy_path = b.path()
    b.policy_id = b.policy_path.rsplit("/", 1)[-1]
    if not b.policy_id.isdigit():
        raise StepFailure(f"the policy page is at {b.policy_path!r}, expected /orgs/{ORG}/policies/<id>")
    b.text_contains(".flash", "created")

    # The policy page shows the rules read-only.
    b.find("#policy-view")
    b.text_equals("#policy-name", POLICY)
    b.text_equals("#policy-allow", ALLOW)
    b.text_equals("#policy-block", "Nothing blocked by rule.")
    b.text_contains("#policy-deps", "Yes")
    b.text_equals("#policy-licences", LICENCE_BLOCK)
    b.text_contains("#policy-users", "Not applied")
    editable = [e for e in b.d.find_elements(By.CSS_SELECTOR, "#policy-view textarea, #policy-view select, #policy-view input")
                if e.get_attribute("type") != "hidden"]
    if editable:
        raise StepFailure(f"the policy page has editable fields: {[e.get_attribute('outerHTML')[:120] for e in editable]}")
    b.find("#edit-policy")

    # Back on the list, the policy is there with its summary.
    b.click_and_wait_reload(b.clickable("#policy-view .breadcrumb a"))
    b.wait_path_endswith(f"/orgs/{ORG}/policies")
    b.text_contains("#policy-list", POLICY)
    b.text_contains("#policy-list", "not applied")


def step_k_channel_policy(b: Browser) -> None:
    b.get(f"/channels/{CHANNEL}")
    b.click_and_wait_reload(b.clickable("#tab-settings"))
    b.find("form#channel-policy-form")
    b.absent("#view-channel-policy")
    if b.selected_value("#channel-policy") != "":
        raise StepFailure(f"a new channel has policy option {b.selected_value('#channel-policy')!r} selected, expected none")
    b.choose("#channel-policy-form select#channel-policy", b.policy_id)
    b.click_and_wait_reload(b.clickable("#channel-policy-save"))
    b.wait_path_endswith(f"/channels/{CHANNEL}/-/settings")
    b.text_contains(".flash", "Policy applied")
    b.absent("#channel-policy-form #policy-error")
    if b.selected_value("#channel-policy") != b.policy_id:
        raise StepFailure(f"after applying, the channel's policy select shows {b.selected_value('#channel-policy')!r}")
    b.text_equals("#view-channel-policy", "View Applied Policy")
    b.click_and_wait_reload(b.clickable("#view-channel-policy"))
    b.wait_path_endswith(b.policy_path)
    b.text_equals("#policy-name", POLICY)
    b.text_contains("#policy-users", f"channel {CHANNEL}")


def step_l_conda_mirror(b: Browser) -> None:
    """A conda mirror of a small real channel, made through the JSON API; its first run applies the channel's policy."""
    assert b.tmp is not None
    root = b.tmp / "upstream"
    fixtures.build_conda_channel(root)
    b.upstream = fixtures.UpstreamServer(root)
    status, answer = b.api("POST", f"/api/v1/channels/{CHANNEL}/mirrors", {
        "name": MIRROR, "type": "conda", "mode": "active", "source_url": b.upstream.url,
        "subdirs": ["noarch", "linux-64"], "run_now": True})
    if status != 201 or not isinstance(answer, dict):
        raise StepFailure(f"creating the mirror answered {status}: {fixtures.short(answer)}")
    b.mirror_id = str(answer["id"])
    try:
        fixtures.wait_mirror(b, b.mirror_id, MIRROR_TIMEOUT)  # type: ignore[arg-type]  (needs only .api)
    except fixtures.StepFailure as e:
        raise StepFailure(str(e)) from None


def step_m_mirror_policy(b: Browser) -> None:
    mirror_path = f"/channels/{CHANNEL}/-/mirrors/{b.mirror_id}"
    b.get(mirror_path)
    b.text_contains("#mirror-policy", POLICY)
    b.text_contains("#mirror-policy", "the channel's policy")
    b.click_and_wait_reload(b.clickable("#edit-mirror"))
    b.wait_path_endswith(f"{mirror_path}/edit")
    b.find("form#mirror-form")
    if b.selected_value("#mirror-policy") != "":
        raise StepFailure(f"the edit form's policy is {b.selected_value('#mirror-policy')!r}, expected the channel's")
    use_channel = Select(b.find("#mirror-policy")).first_selected_option.text
    if POLICY not in use_channel:
        raise StepFailure(f"the \"use the channel's policy\" option reads {use_channel!r}, without the channel's policy {POLICY!r}")
    link = b.find("#view-applied-policy")
    if urllib.parse.urlparse(link.get_attribute("href")).path != b.policy_path:
        raise StepFailure(f"View Applied Policy links to {link.get_attribute('href')!r}, expected {b.policy_path!r}")

    # The channel's own policy cannot be the mirror's too; the other values typed stay.
    b.fill("#mirror-form #mirror-name", MIRROR_RENAMED)
    b.choose("#mirror-form select#frequency", "weekly")
    b.choose("#mirror-form select#mirror-policy", b.policy_id)
    b.click_and_wait_reload(b.clickable("#mirror-save"))
    b.find("form#mirror-form")
    b.text_contains("#policy-error", "already the channel's policy")
    b.value_equals("#mirror-form #mirror-name", MIRROR_RENAMED)
    if b.selected_value("#frequency") != "weekly":
        raise StepFailure(f"after the error the frequency is {b.selected_value('#frequency')!r}, expected 'weekly'")
    if b.selected_value("#mirror-policy") != b.policy_id:
        raise StepFailure(f"after the error the policy choice is {b.selected_value('#mirror-policy')!r}, expected {b.policy_id!r}")
    checked = sorted(e.get_attribute("value") for e in b.d.find_elements(
        By.CSS_SELECTOR, "#mirror-form input[name=subdirs]") if e.is_selected())
    if checked != ["linux-64", "noarch"]:
        raise StepFailure(f"after the error the ticked subdirs are {checked}, expected ['linux-64', 'noarch']")

    # "Use the channel's policy" saves.
    b.choose("#mirror-form select#mirror-policy", "")
    b.click_and_wait_reload(b.clickable("#mirror-save"))
    b.wait_path_endswith(f"/channels/{CHANNEL}/-/mirrors")
    b.text_contains(".flash", "saved")
    b.get(mirror_path)
    b.text_contains(".page-head h1", MIRROR_RENAMED)
    b.text_contains("#mirror-policy", "the channel's policy")
    b.click_and_wait_reload(b.clickable("#view-applied-policy"))
    b.wait_path_endswith(b.policy_path)
    b.text_equals("#policy-name", POLICY)


def step_n_run_details(b: Browser) -> None:
    mirror_path = f"/channels/{CHANNEL}/-/mirrors/{b.mirror_id}"
    b.get(mirror_path)
    expected_latest = (f"{EXPECTED_COUNTS['source']} packages in the source, {EXPECTED_COUNTS['kept']} kept, "
                       f"{EXPECTED_COUNTS['filtered']} filtered, {EXPECTED_COUNTS['downloaded']} downloaded.")
    b.text_equals("#latest-counts", expected_latest)

    # The policy allows by MatchSpec with Include dependencies: the run has a dependency report.
    csv_link = b.find("#dependency-report-csv")
    csv_href = csv_link.get_attribute("href")
    if "Dependency Report" not in csv_link.text:
        raise StepFailure(f"#dependency-report-csv reads {csv_link.text!r}")
    status, headers, body = fixtures.http_request(csv_href, headers={"Cookie": b.cookie_header()})
    if status != 200 or not headers.get("content-type", "").startswith("text/csv"):
        raise StepFailure(f"GET {csv_href} with the browser's session answered {status} {headers.get('content-type')!r}: "
                          f"{fixtures.short(body)}")
    text = body.decode("utf-8", "replace")
    if not text.startswith("rule,kind,package,") or f"{ALLOW},matched,noarch/depot-hello-1.1-0.conda" not in text:
        raise StepFailure(f"the dependency report CSV is {fixtures.short(text)!r}")
    status, _, _ = fixtures.http_request(csv_href, follow_redirects=False)
    if status not in (302, 303, 401, 403, 404):
        raise StepFailure(f"GET {csv_href} without a session answered {status}")

    # View Details of the latest run.
    b.click_and_wait_reload(b.clickable("#latest-run-details"))
    b.wait(lambda d: "/runs/" in urllib.parse.urlparse(d.current_url).path, "the run's View Details page")
    b.find("#run-facts")
    b.text_contains("#run-status", "Completed")
    b.absent("#run-in-progress")
    b.absent("#run-error")
    for key, value in EXPECTED_COUNTS.items():
        b.text_equals(f"#run-counts #count-{key}", value)
    b.text_contains("#run-counts", "packages in the source")
    reasons = {r.get_attribute("data-reason"): r.find_element(By.CSS_SELECTOR, ".reason-count").text
               for r in b.d.find_elements(By.CSS_SELECTOR, "#filter-reasons tr.reason")}
    if reasons != {"not_allowed": EXPECTED_COUNTS["filtered"]}:
        raise StepFailure(f"filtered by reason: {reasons}, expected not_allowed: {EXPECTED_COUNTS['filtered']}")
    listed = sorted(e.text for e in b.d.find_elements(By.CSS_SELECTOR, "#filtered-list td.filename"))
    if listed != ["depot-hello-1.0-0.tar.bz2", "depot-tool-2.0-h0_0.conda"]:
        raise StepFailure(f"the filtered list shows {listed}")

    # The search box narrows the list.
    b.find("form#filtered-search")
    b.fill("#filtered-search input#q", "depot-tool")
    b.click_and_wait_reload(b.clickable("#filtered-search button[type=submit]"))
    b.find("#run-facts")
    b.value_equals("#filtered-search input#q", "depot-tool")
    listed = [e.text for e in b.d.find_elements(By.CSS_SELECTOR, "#filtered-list td.filename")]
    if listed != ["depot-tool-2.0-h0_0.conda"]:
        raise StepFailure(f"searching depot-tool lists {listed}")
    b.click_and_wait_reload(b.clickable("#back-to-mirror"))
    b.wait_path_endswith(mirror_path)


STEPS: list[tuple[str, str, Callable[[Browser], None]]] = [
    ("a", "log in", step_a_login),
    ("b", "create organisation", step_b_create_org),
    ("c", "create private channel, description escaped", step_c_create_channel),
    ("d", "freeze", step_d_freeze),
    ("e", "unfreeze", step_e_unfreeze),
    ("f", "edit settings", step_f_settings),
    ("g", "client snippets", step_g_snippets),
    ("h", "log out", step_h_logout),
    ("i", "log in again", step_i_login_again),
    ("j", "create a policy from the organisation page (a bad MatchSpec refused, text kept)", step_j_create_policy),
    ("k", "apply the policy on the channel's Settings tab, View Applied Policy", step_k_channel_policy),
    ("l", "conda mirror of a loopback upstream (JSON API) completes a run", step_l_conda_mirror),
    ("m", "mirror edit form refuses the channel's policy, keeps the values; the channel's policy saves", step_m_mirror_policy),
    ("n", "run View Details (counts, search) and the dependency report CSV", step_n_run_details),
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
    browser: Browser | None = None

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
            browser.binary, browser.data_dir, browser.tmp, browser.env = binary, tmp / "data", tmp, env
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
        if browser is not None and browser.upstream is not None:
            try:
                browser.upstream.stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
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
    # py-rattler (which indexes the fixture channel) can crash the interpreter at exit: leave with os._exit.
    fixtures.exit_now(main())
