#!/usr/bin/env python3
"""End-to-end test of mirror run lifecycles: crash, stop, concurrency, live status in the browser.

Serves synthetic conda channels (a `noarch/repodata.json` listing files of
random bytes with correct sha256/md5/size) from loopback HTTP servers that
hold every package-file response a fraction of a second (a slow upstream),
and drives a real `depot serve` through the JSON API and headless Chromium:

  a. `kill -9` in the middle of an active run; after a restart on the same
     data directory the run is Interrupted, the SQLite database passes
     `PRAGMA integrity_check`, `blobs/tmp` is empty, every blob matches its
     name, everything served is downloadable and intact, and a restart of the
     mirror completes with every file.
  b. Stop during downloads ends Stopped within 2 s and publishes exactly the
     files downloaded; a stop right after Run now ends Stopped too and loses
     nothing already published.
  c. Two runs of different mirrors at once while page and API loads stay
     under 100 ms.
  d. The Mirrors tab follows a run created through the form (Running, then
     Completed, without a manual reload), Restart works from the row, and
     Stop on a running row ends Stopped.

Usage (after `bash scripts/e2e-setup.sh`):

    .venv-e2e/bin/python Tests/EndToEnd/lifecycle_test.py --binary .build/debug/depot

Prints `ok   <step>` per passed step (with the timings measured) and stops at
the first failure (then prints the Depot log(s) and upstream requests). The
last line is `lifecycle: N passed, M failed`; the exit code is non-zero on
failure.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import (  # noqa: E402
    DepotServer, StepFailure, UpstreamServer, WebSession, check, http_request, q, sha256_bytes, sha256_file, short,
)

ADMIN_USER = "admin"
ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "life"
POLL = 0.05
RUN_TIMEOUT = 30
ACTIVE = {"new", "queued", "running", "stopping"}  # "new" only before the first run is picked up
STOP_LIMIT = 2.0  # seconds from the stop request to Stopped
PAGE_LIMIT = 0.100  # seconds per page or API load during runs
PAGE_LOADS = 20

# (packages, seconds each package-file response is held) per scenario
CRASH = (60, 0.3)
STOP = (60, 0.3)
CONCURRENT = (64, 0.5)
BROWSER_WATCH = (24, 0.6)
BROWSER_STOP = (48, 1.0)


def filenames(repodata: dict) -> set[str]:
    return set(repodata.get("packages") or {}) | set(repodata.get("packages.conda") or {})


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


class Upstream:
    """One synthetic channel served by its own slow loopback server."""

    def __init__(self, root: Path, label: str, count: int, delay: float):
        self.label = label
        self.hashes = fixtures.build_synthetic_channel(root / label, count, prefix=label)
        self.server = UpstreamServer(root / label, delay=delay)

    @property
    def url(self) -> str:
        return self.server.url

    def fully_served(self) -> set[str]:
        """Package files whose response the server wrote in full at least once."""
        return {p.rsplit("/", 1)[-1] for p, n in self.server.completed().items() if n > 0 and p.endswith(fixtures.PACKAGE_SUFFIXES)}


class LifecycleTest(fixtures.DepotSteps):
    def __init__(self, binary: str, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.data = tmp / "data"
        self.depot: DepotServer | None = None
        self.old_depots: list[DepotServer] = []
        self.upstreams: list[Upstream] = []
        self.timings: dict[str, str] = {}

    # -- helpers ----------------------------------------------------------

    def upstream(self, label: str, spec: tuple[int, float]) -> Upstream:
        up = Upstream(self.tmp / "upstream", label, *spec)
        self.upstreams.append(up)
        return up

    def expect(self, expected: int, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.api(method, path, body)
        check(status == expected, f"{method} {path} {short(body) if body is not None else ''} answered {status}, "
                                  f"expected {expected}: {short(answer)}")
        return answer

    def create_channel(self, name: str) -> None:
        self.expect(201, "POST", "/api/v1/channels", {"org": ORG, "name": name, "privacy": "public"})

    def create_mirror(self, channel: str, source_url: str, name: str = "slow") -> str:
        body = {"name": name, "type": "conda", "mode": "active", "source_url": source_url,
                "subdirs": ["noarch"], "cron": "0 0 1 * *", "run_now": True}
        answer = self.expect(201, "POST", f"/api/v1/channels/{q(channel)}/mirrors", body)
        check(isinstance(answer, dict) and answer.get("id") is not None, f"mirror creation answered no \"id\": {short(answer)}")
        return str(answer["id"])

    def mirror(self, mirror_id: str) -> dict:
        body = self.expect(200, "GET", f"/api/v1/mirrors/{q(mirror_id)}")
        check(isinstance(body, dict) and "status" in body, f"GET /api/v1/mirrors/{mirror_id} has no status: {short(body)}")
        return body

    def runs(self, mirror_id: str) -> list[dict]:
        body = self.expect(200, "GET", f"/api/v1/mirrors/{q(mirror_id)}/runs")
        check(isinstance(body, dict) and isinstance(body.get("items"), list), f"runs of mirror {mirror_id}: {short(body)}")
        return body["items"]

    def wait_until(self, mirror_id: str, pred: Callable[[dict], bool], what: str, timeout: float = RUN_TIMEOUT,
                   fail_on: set[str] | None = None) -> dict:
        deadline = time.monotonic() + timeout
        last: dict = {}
        while time.monotonic() < deadline:
            last = self.mirror(mirror_id)
            if pred(last):
                return last
            if fail_on and last.get("status") in fail_on:
                raise StepFailure(f"mirror {mirror_id} ended {last.get('status')!r} while waiting for {what}: {short(last, 1500)}")
            time.sleep(POLL)
        raise StepFailure(f"mirror {mirror_id}: no {what} within {timeout} s; last answer {short(last, 1500)}")

    def wait_downloading(self, mirror_id: str, at_least: int = 5) -> dict:
        return self.wait_until(
            mirror_id,
            lambda m: m.get("status") == "running" and ((m.get("progress") or {}).get("done") or 0) >= at_least,
            f"running with progress.done >= {at_least}", fail_on={"completed", "failed", "stopped", "interrupted"})

    def wait_status(self, mirror_id: str, status: str, timeout: float = RUN_TIMEOUT) -> dict:
        bad = {"completed", "failed", "stopped", "interrupted"} - {status}
        return self.wait_until(mirror_id, lambda m: m.get("status") == status, f"status {status!r}", timeout, fail_on=bad)

    def repodata(self, channel: str) -> dict:
        assert self.depot is not None
        url = f"{self.depot.base}/api/repo/{q(channel)}/noarch/repodata.json"
        status, _, body = http_request(url)
        check(status == 200, f"GET {url} answered {status}: {short(body.decode('utf-8', 'replace'))}")
        try:
            value = json.loads(body)
        except ValueError as e:
            raise StepFailure(f"GET {url} is not JSON ({e})") from None
        check(isinstance(value, dict), f"GET {url} is not a JSON object")
        return value

    def check_served_files(self, channel: str, up: Upstream) -> set[str]:
        """Every file the channel's noarch index lists downloads with the bytes its sha256 names."""
        assert self.depot is not None
        repodata = self.repodata(channel)
        records = {**(repodata.get("packages") or {}), **(repodata.get("packages.conda") or {})}
        for filename, record in sorted(records.items()):
            check(filename in up.hashes, f"{channel} lists {filename}, which upstream {up.label} does not have")
            check(record.get("sha256") == up.hashes[filename],
                  f"{channel}: {filename} is listed with sha256 {record.get('sha256')}, upstream has {up.hashes[filename]}")
            url = f"{self.depot.base}/api/repo/{q(channel)}/noarch/{q(filename)}"
            status, _, body = http_request(url)
            check(status == 200, f"GET {url} (listed in the index) answered {status}: {short(body.decode('utf-8', 'replace'))}")
            got = sha256_bytes(body)
            check(got == up.hashes[filename], f"GET {url}: sha256 {got} ({len(body)} bytes) != {up.hashes[filename]}")
        return set(records)

    # -- steps ------------------------------------------------------------

    def step_setup(self) -> None:
        self.depot = DepotServer(self.binary, self.data, ADMIN_PASSWORD)
        self.depot.token()
        self.expect(201, "POST", "/api/v1/orgs", {"name": ORG})

    def step_crash(self) -> str:
        assert self.depot is not None
        up = self.upstream("crash", CRASH)
        self.create_channel("crash-ch")
        mirror_id = self.create_mirror("crash-ch", up.url)
        seen = self.wait_downloading(mirror_id)
        done_before = (seen.get("progress") or {}).get("done")

        # The crash.
        old = self.depot
        code = old.kill()
        self.old_depots.append(old)
        check(code == -9, f"depot was not killed by SIGKILL (exit code {code})")
        blobs_at_crash = sum(1 for p in (self.data / "blobs" / "sha256").rglob("*") if p.is_file())
        tmp_at_crash = list((self.data / "blobs" / "tmp").iterdir())

        t0 = time.monotonic()
        self.depot = DepotServer(self.binary, self.data, ADMIN_PASSWORD, token=old.token())
        startup = time.monotonic() - t0

        m = self.mirror(mirror_id)
        check(m.get("status") == "interrupted",
              f"after kill -9 and a restart, GET /api/v1/mirrors/{mirror_id} says status {m.get('status')!r}, "
              f"expected 'interrupted': {short(m, 1500)}")
        runs = self.runs(mirror_id)
        check(runs and runs[0].get("status") == "interrupted",
              f"newest run of mirror {mirror_id} is {short(runs[:1])}, expected status 'interrupted'")

        # SQLite survived (read-only, next to the running server; WAL allows it).
        db_path = self.data / "depot.sqlite"
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
        check(result == ["ok"], f"PRAGMA integrity_check on {db_path} answered {result[:10]}")

        tmp_dir = self.data / "blobs" / "tmp"
        leftovers = sorted(p.name for p in tmp_dir.iterdir()) if tmp_dir.is_dir() else []
        check(tmp_dir.is_dir() and not leftovers, f"{tmp_dir} is not empty after the restart: {leftovers[:10]}")

        # Content addressing held: every blob's bytes hash to its name.
        blobs = [p for p in (self.data / "blobs" / "sha256").rglob("*") if p.is_file()]
        for blob in blobs:
            got = sha256_file(blob)
            check(got == blob.name, f"blob {blob} holds bytes with sha256 {got}")

        served = self.check_served_files("crash-ch", up)

        self.expect(202, "POST", f"/api/v1/mirrors/{q(mirror_id)}/restart")
        t1 = time.monotonic()
        self.wait_status(mirror_id, "completed")
        rerun = time.monotonic() - t1
        listed = self.check_served_files("crash-ch", up)
        check(listed == set(up.hashes), f"after the restart crash-ch lists {len(listed)} files, expected all {len(up.hashes)}; "
                                        f"missing {sorted(set(up.hashes) - listed)[:5]}")
        runs = self.runs(mirror_id)
        check(runs and runs[0].get("status") == "completed", f"newest run after the restart: {short(runs[:1])}")
        redownloaded = runs[0].get("downloaded_count")
        return (f"killed at progress.done={done_before}, {blobs_at_crash} blobs and {len(tmp_at_crash)} tmp files on disk; "
                f"restart to healthy {startup:.1f} s; {len(served)} files served after the crash; "
                f"restart run downloaded {redownloaded}, completed in {rerun:.1f} s")

    def step_stop(self) -> str:
        assert self.depot is not None
        up = self.upstream("stop", STOP)
        self.create_channel("stop-ch")
        mirror_id = self.create_mirror("stop-ch", up.url)
        self.wait_downloading(mirror_id)

        t0 = time.monotonic()
        status, answer = self.api("POST", f"/api/v1/mirrors/{q(mirror_id)}/stop")
        answered = time.monotonic() - t0
        check(status == 200, f"POST /api/v1/mirrors/{mirror_id}/stop answered {status}: {short(answer)}")
        check(isinstance(answer, dict) and answer.get("status") in ("stopping", "stopped"),
              f"POST /api/v1/mirrors/{mirror_id}/stop answered status {short(answer)}, expected stopping or stopped")
        self.wait_status(mirror_id, "stopped", timeout=10)
        latency = time.monotonic() - t0
        self.timings["stop latency"] = ms(latency)
        check(latency < STOP_LIMIT, f"the run took {latency:.2f} s from the stop request to 'stopped' (limit {STOP_LIMIT} s)")

        runs = self.runs(mirror_id)
        check(runs, f"mirror {mirror_id} has no runs")
        run = runs[0]
        check(run.get("status") == "stopped", f"newest run is {short(run)}, expected status 'stopped'")
        downloaded = run.get("downloaded_count")
        check(isinstance(downloaded, int) and 0 < downloaded < len(up.hashes),
              f"stopped run has downloaded_count {downloaded!r}, expected between 1 and {len(up.hashes) - 1}: {short(run)}")
        listed = self.check_served_files("stop-ch", up)
        check(len(listed) == downloaded,
              f"stop-ch lists {len(listed)} files but the stopped run says downloaded_count {downloaded}")
        check(listed <= up.fully_served(),
              f"stop-ch lists files the upstream never sent in full: {sorted(listed - up.fully_served())[:5]}")

        # Run now on the idle mirror, stopped at once (queued or just started).
        self.expect(202, "POST", f"/api/v1/mirrors/{q(mirror_id)}/run")
        t1 = time.monotonic()
        status, answer = self.api("POST", f"/api/v1/mirrors/{q(mirror_id)}/stop")
        check(status == 200, f"POST /api/v1/mirrors/{mirror_id}/stop right after /run answered {status}: {short(answer)}")
        self.wait_status(mirror_id, "stopped", timeout=10)
        second = time.monotonic() - t1
        runs = self.runs(mirror_id)
        check(len(runs) >= 2 and runs[0].get("status") == "stopped" and runs[0].get("id") != run.get("id"),
              f"after /run then /stop the newest runs are {short(runs[:2])}, expected a new 'stopped' run")
        after = self.check_served_files("stop-ch", up)
        check(listed <= after, f"the second stop lost published files: {sorted(listed - after)[:5]}")
        started = "started" if runs[0].get("started_at") else "stopped while queued"
        described = self.mirror(mirror_id).get("description")
        return (f"stop during downloads: /stop answered in {ms(answered)}, 'stopped' after {ms(latency)}, "
                f"{downloaded} of {len(up.hashes)} files downloaded and published; "
                f"/run then /stop: 'stopped' after {ms(second)} (run {runs[0].get('id')} {started}, "
                f"downloaded {runs[0].get('downloaded_count')}, description {described!r})")

    def step_concurrent(self) -> str:
        assert self.depot is not None
        ups = [self.upstream("conc1", CONCURRENT), self.upstream("conc2", CONCURRENT)]
        channels = ["conc1-ch", "conc2-ch"]
        for c in channels:
            self.create_channel(c)
        session = WebSession(self.depot.base, ADMIN_USER, ADMIN_PASSWORD)
        status, _, _ = session.get(f"/channels/{channels[0]}")  # warm-up, not measured
        check(status == 200, f"GET /channels/{channels[0]} (logged in) answered {status}")

        ids = [self.create_mirror(c, up.url) for c, up in zip(channels, ups)]
        for mid in ids:
            self.wait_downloading(mid, at_least=1)
        both = [self.mirror(mid).get("status") for mid in ids]
        check(both == ["running", "running"], f"the two mirrors are {both}, expected both running at once")

        token = {"Authorization": f"Bearer {self.depot.token()}", "Accept": "application/json"}
        loads: dict[str, list[float]] = {}

        def timed(label: str, fetch: Callable[[], tuple[int, Any, bytes]]) -> None:
            times = loads.setdefault(label, [])
            for i in range(PAGE_LOADS):
                t = time.monotonic()
                code, _, body = fetch()
                elapsed = time.monotonic() - t
                times.append(elapsed)
                check(code == 200, f"GET {label} #{i + 1} during the runs answered {code}: {short(body.decode('utf-8', 'replace'))}")
                check(elapsed < PAGE_LIMIT, f"GET {label} #{i + 1} during two runs took {ms(elapsed)} (limit {ms(PAGE_LIMIT)}); "
                                            f"earlier: {[round(x * 1000) for x in times]}")

        timed(f"/channels/{channels[0]}", lambda: session.get(f"/channels/{channels[0]}"))
        timed(f"/channels/{channels[1]}/-/mirrors", lambda: session.get(f"/channels/{channels[1]}/-/mirrors"))
        timed(f"/api/v1/mirrors/{ids[0]}", lambda: http_request(f"{self.depot.base}/api/v1/mirrors/{ids[0]}", headers=token))
        timed("/healthz", lambda: http_request(f"{self.depot.base}/healthz"))

        after = [self.mirror(mid) for mid in ids]
        check([m.get("status") for m in after] == ["running", "running"],
              f"a run ended before the page loads were done, so they did not all happen during two runs: "
              f"{[(m.get('status'), m.get('progress')) for m in after]}")
        for mid in ids:
            self.wait_status(mid, "completed")
        for c, up in zip(channels, ups):
            listed = self.check_served_files(c, up)
            check(listed == set(up.hashes), f"{c} lists {len(listed)} files, expected {len(up.hashes)}")
        summary = "; ".join(
            f"{label} max {ms(max(t))} median {ms(sorted(t)[len(t) // 2])}" for label, t in loads.items())
        self.timings["page loads during 2 runs"] = summary
        return summary

    def step_browser(self) -> str:
        assert self.depot is not None
        import browser_test  # selenium; the helpers of the browser test
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        watch_up = self.upstream("watch", BROWSER_WATCH)
        stop_up = self.upstream("halt", BROWSER_STOP)
        self.create_channel("watch-ch")
        self.create_channel("halt-ch")

        driver = browser_test.make_driver()
        self.driver = driver
        driver.set_page_load_timeout(30)
        b = browser_test.Browser(driver, self.depot.base)
        notes: list[str] = []

        b.get("/login")
        b.fill("#login-form #username", ADMIN_USER)
        b.fill("#login-form #password", ADMIN_PASSWORD)
        b.click_and_wait_reload(b.clickable("#login-submit"))
        b.find("#logout-form")

        def create_through_form(channel: str, name: str, source: str) -> str:
            b.get(f"/channels/{channel}/-/new-mirror")
            b.find("form#mirror-form")
            b.fill("#mirror-name", name)
            b.clickable("#mode-active").click()
            b.fill("#source-url", source)
            for box in driver.find_elements(By.CSS_SELECTOR, 'input[name="subdirs"]'):
                if box.is_selected() != (box.get_attribute("value") == "noarch"):
                    box.click()
            checked = [x.get_attribute("value") for x in driver.find_elements(By.CSS_SELECTOR, 'input[name="subdirs"]') if x.is_selected()]
            check(checked == ["noarch"], f"subdir checkboxes checked: {checked}")
            b.choose("#frequency", "monthly")
            run_now = b.find("#run-now")
            check(run_now.is_selected(), "#run-now is not pre-checked")
            b.click_and_wait_reload(b.clickable("#mirror-save"))
            b.wait_path_endswith(f"/channels/{channel}/-/mirrors")
            rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-mirror-id]") if name in r.text]
            check(len(rows) == 1, f"the Mirrors tab has {len(rows)} rows for {name!r}; {b.where()}")
            return rows[0].get_attribute("data-mirror-id")

        def status_text(mirror_id: str) -> str | None:
            try:
                return driver.execute_script(
                    "var e = document.querySelector('tr[data-mirror-id=\"' + arguments[0] + '\"] .mirror-status');"
                    "return e && document.readyState === 'complete' ? e.textContent.trim() : null;", mirror_id)
            except WebDriverException:
                return None  # between documents

        def wait_status_text(mirror_id: str, wanted: str, timeout: float, seen: list[str]) -> float:
            t = time.monotonic()

            def reached(_: Any) -> bool:
                text = status_text(mirror_id)
                if text is not None and (not seen or seen[-1] != text):
                    seen.append(text)
                return text == wanted
            try:
                WebDriverWait(driver, timeout, poll_frequency=0.05).until(reached)
            except TimeoutException:
                raise StepFailure(f"row {mirror_id}: .mirror-status never showed {wanted!r} within {timeout} s "
                                  f"(showed {seen}); {b.where()}") from None
            return time.monotonic() - t

        def mark() -> None:
            driver.execute_script("window.__e2eNoManualReload = 1;")

        # 1. A run started by the form, followed live.
        watch_id = create_through_form("watch-ch", "watched", watch_up.url)
        seen: list[str] = []
        wait_status_text(watch_id, "Running", 10, seen)
        mark()
        took = wait_status_text(watch_id, "Completed", 30, seen)
        # status.js reloads the page once the run has ended (we never do): the marker disappears.
        b.wait(lambda d: d.execute_script(
            "return window.__e2eNoManualReload === undefined && document.readyState === 'complete';"),
            "status.js to reload the page after the run ended")
        check(b.path().endswith("/channels/watch-ch/-/mirrors"), f"left the Mirrors tab: {b.where()}")
        check(status_text(watch_id) == "Completed", f"after the reload row {watch_id} shows {status_text(watch_id)!r}")
        b.absent(f'tr[data-mirror-id="{watch_id}"] button[data-action="stop"]')
        self.wait_status(watch_id, "completed", timeout=5)
        notes.append(f"form run: statuses shown {seen}, Running→Completed in {took:.1f} s")

        # 2. Restart from the row: a new run from the start, followed to Completed.
        runs_before = len(self.runs(watch_id))
        b.click_and_wait_reload(b.clickable(f'tr[data-mirror-id="{watch_id}"] button[data-action="restart"]'))
        seen = []
        wait_status_text(watch_id, "Completed", 30, seen)
        self.wait_status(watch_id, "completed", timeout=5)
        runs = self.runs(watch_id)
        check(len(runs) == runs_before + 1 and runs[0].get("status") == "completed",
              f"after Restart the runs are {short(runs[:2])}, expected one more, completed")
        notes.append(f"restart: statuses shown {seen}")

        # 3. Stop a running row.
        halt_id = create_through_form("halt-ch", "halted", stop_up.url)
        seen = []
        wait_status_text(halt_id, "Running", 10, seen)
        b.find(f'tr[data-mirror-id="{halt_id}"] button[data-action="stop"]')
        t = time.monotonic()
        b.click_and_wait_reload(b.clickable(f'tr[data-mirror-id="{halt_id}"] button[data-action="stop"]'))
        wait_status_text(halt_id, "Stopped", 10, seen)
        stop_ui = time.monotonic() - t
        b.absent(f'tr[data-mirror-id="{halt_id}"] button[data-action="stop"]')
        m = self.wait_status(halt_id, "stopped", timeout=5)
        self.timings["stop from the page"] = ms(stop_ui)
        notes.append(f"stop click → 'Stopped' shown in {ms(stop_ui)} (statuses shown {seen}, "
                     f"progress at stop {m.get('progress')})")
        return "; ".join(notes)

    def step_shutdown(self) -> str:
        fixtures.check_sigterm_exit(self.depot)
        return ""

    def steps(self) -> list[tuple[str, Callable[[], Any]]]:
        return [
            ("depot started, org created", self.step_setup),
            ("a: kill -9 mid-run → interrupted, integrity ok, tmp empty, served files intact, restart completes", self.step_crash),
            ("b: stop during downloads < 2 s publishes exactly what was downloaded; stop right after run", self.step_stop),
            ("c: two runs at once, page and API loads < 100 ms, both complete", self.step_concurrent),
            ("d: browser: form run shows Running then Completed live; Restart; Stop shows Stopped", self.step_browser),
            ("SIGTERM exits 0", self.step_shutdown),
        ]

    # -- reporting --------------------------------------------------------

    def report_failure(self) -> None:
        driver = getattr(self, "driver", None)
        if driver is not None:
            try:
                driver.save_screenshot(str(self.tmp / "failure.png"))
                print(f"---- page source (first 3000 chars; screenshot {self.tmp / 'failure.png'}) ----")
                print(driver.page_source[:3000])
            except Exception as e:  # noqa: BLE001
                print(f"(could not capture the page: {e})")
        for depot in [*self.old_depots, *([self.depot] if self.depot else [])]:
            lines = depot.log().splitlines()
            if len(lines) > 300:
                lines = [f"… ({len(lines) - 300} earlier lines in {depot.log_path})"] + lines[-300:]
            print(f"---- depot log {depot.log_path.name} ----")
            print("\n".join(lines))
        for up in self.upstreams:
            gets = up.server.snapshot()
            pkg = sum(n for p, n in gets.items() if p.endswith(fixtures.PACKAGE_SUFFIXES))
            other = {p: n for p, n in gets.items() if not p.endswith(fixtures.PACKAGE_SUFFIXES)}
            print(f"---- upstream {up.label}: {pkg} package GETs ({len(up.fully_served())} files sent in full), other {other}")
        print("----")

    def cleanup(self) -> None:
        driver = getattr(self, "driver", None)
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001
                pass
        if self.depot is not None:
            try:
                self.depot.stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
        for up in self.upstreams:
            try:
                up.server.stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()


def main() -> int:
    return fixtures.run_main("lifecycle", __doc__, "depot-lifecycle-e2e-",
                             lambda args, tmp: LifecycleTest(args.binary, tmp),
                             timing="step", keep_on_failure=True, print_total=True)


if __name__ == "__main__":
    fixtures.exit_now(main())  # like conda_test.py: never run interpreter finalization with native threads around
