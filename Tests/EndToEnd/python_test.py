#!/usr/bin/env python3
"""End-to-end test of Depot's Python (PyPI-style) mirroring with pip and uv.

Builds three tiny real projects into wheels and sdists (setuptools, offline):
`depot-alpha` 1.0, `depot-beta` 2.0 (requires depot-alpha>=1.0) and
`private-pkg` 0.1, and serves them from a loopback simple index
(`fixtures.SimpleIndexServer`: PEP 503 HTML, or PEP 691 JSON when the client
asks for it, PEP 658/714 `.metadata` files, one `data-requires-python`, a
junk `notes.txt` link) that counts requests per path. Then it starts a real
`depot serve`, mirrors the index through the JSON API and installs from Depot
with pip and uv into fresh virtual environments:

  a. fixtures built, upstream and Depot started; org and channels created.
  f. (run first, see below) a passive mirror completes without downloading
     distributions; pip installs depot-beta through it with exactly one
     upstream GET per file it installed; a second install makes no upstream
     request at all.
  b. an active mirror excluding `private*` completes; its run details list
     private-pkg as excluded and notes.txt as not a Python package; the index
     lists depot-alpha and depot-beta only.
  c. content negotiation (JSON vs HTML by Accept, Vary), PEP 691 fields,
     301s to the normalised URL, `.metadata` equal to the wheel's METADATA.
  d. pip installs depot-beta (and so depot-alpha) from the active channel;
     pip cannot install private-pkg.
  e. uv installs depot-beta and fetches a `.metadata` file (Depot's log).
  +  a private channel (include wins over exclude) reached with the token in
     the path and with Basic `__token__:<TOKEN>`; pip installs through /t/.
  g. SIGTERM exits 0.

The passive mirror runs before the active one on purpose (as in
conda_test.py): Depot's blob store is content-addressed and shared by all
channels, so "exactly one upstream GET per installed file" only means
something while no other mirror has stored those files yet.

Usage (after `bash scripts/e2e-setup.sh`, which installs uv, build,
setuptools>=70 and wheel into the venv):

    .venv-e2e/bin/python Tests/EndToEnd/python_test.py --binary .build/debug/depot
    .venv-e2e/bin/python Tests/EndToEnd/python_test.py --check-fixtures

`--check-fixtures` only builds the fixture index and installs depot-beta
straight from it with pip (HTML) and uv (JSON), without Depot.

Prints `ok   <step>` per passed step and stops at the first failure (then
prints the Depot log and the upstream request counts). The last line is
`python: N passed, M failed`; the exit code is non-zero on failure.
"""

from __future__ import annotations

import argparse
import base64
import html.parser
import json
import re
import shutil
import subprocess
import sys
import traceback
import urllib.parse
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import (  # noqa: E402
    SIMPLE_JSON_TYPE, DepotServer, SimpleIndexServer, StepFailure, check, http_request, normalize_project_name, q,
    reasoned_items, sha256_bytes, short,
)

ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "pye2e"
MIRROR_TIMEOUT = 45
CLIENT_TIMEOUT = 120
PROJECTS = {"depot-alpha", "depot-beta"}  # what the channels should publish
HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html")


# --------------------------------------------------------------------------
# Clients: venvs, pip, uv
# --------------------------------------------------------------------------


def run_tool(cmd: list[str], label: str, timeout: float = CLIENT_TIMEOUT) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=fixtures._clean_python_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StepFailure(f"{label} took over {timeout} s: {' '.join(cmd)}") from None


def make_venv(path: Path, with_pip: bool = True) -> Path:
    """A fresh venv at path (pip included, or made by `uv venv` without it); returns its python."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if with_pip:
        cmd = [sys.executable, "-m", "venv", str(path)]
    else:
        cmd = [uv_binary(), "venv", "--quiet", "--python", sys.executable, str(path)]
    proc = run_tool(cmd, "creating a venv")
    python = path / "bin" / "python"
    if proc.returncode != 0 or not python.exists():
        raise StepFailure(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return python


def uv_binary() -> str:
    candidate = Path(sys.executable).parent / "uv"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("uv")
    if not found:
        raise StepFailure("uv not found; run scripts/e2e-setup.sh")
    return found


def pip_install(python: Path, index_url: str, *packages: str) -> subprocess.CompletedProcess:
    return run_tool(
        [str(python), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
         "--index-url", index_url, *packages],
        f"pip install {' '.join(packages)}")


def uv_install(python: Path, index_url: str, *packages: str) -> subprocess.CompletedProcess:
    return run_tool(
        [uv_binary(), "pip", "install", "--python", str(python), "--no-cache", "--index-url", index_url, *packages],
        f"uv pip install {' '.join(packages)}")


def expect_installed(proc: subprocess.CompletedProcess, python: Path, what: str) -> None:
    """The install succeeded and both fixture modules import with their VALUEs and versions."""
    if proc.returncode != 0:
        hint = ""
        if "unhashable type: 'dict'" in proc.stderr and "dist_info_metadata" in proc.stderr:
            hint = ("\n     (pip 22.3-23.1 crash like this on a \"dist-info-metadata\" key in PEP 691 JSON; "
                    "PEP 714 renamed it to \"core-metadata\")")
        raise StepFailure(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}{hint}")
    code = ("import depot_alpha, depot_beta, importlib.metadata as m; "
            "print(depot_alpha.VALUE, depot_beta.VALUE, m.version('depot-alpha'), m.version('depot-beta'))")
    probe = run_tool([str(python), "-c", code], "importing the installed modules")
    check(probe.returncode == 0, f"after {what}: importing depot_alpha/depot_beta failed:\n{probe.stderr[-2000:]}")
    got = probe.stdout.split()
    check(got == ["alpha", "beta", "1.0", "2.0"],
          f"after {what}: VALUE/version of depot_alpha, depot_beta are {got}, expected alpha beta 1.0 2.0")


# --------------------------------------------------------------------------
# Simple index parsing
# --------------------------------------------------------------------------


class AnchorParser(html.parser.HTMLParser):
    """Collects <a> elements: their attributes (entities decoded) and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = {"attrs": {k: (v if v is not None else "") for k, v in attrs}, "text": ""}
            self.anchors.append(self._current)

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._current = None


def anchors(body: bytes) -> list[dict[str, Any]]:
    parser = AnchorParser()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    return parser.anchors


def item_mentions(item: dict, predicate: Callable[[str], bool]) -> bool:
    return any(isinstance(v, str) and predicate(v) for k, v in item.items() if k != "reason")


# --------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------


class PythonTest(fixtures.DepotSteps):
    def __init__(self, binary: str, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.files: dict[str, dict[str, Any]] = {}
        self.upstream: SimpleIndexServer | None = None
        self.depot: DepotServer | None = None
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.venvs: dict[str, Future] = {}
        self.mirrors: dict[str, str] = {}
        self.passive_baseline: dict[str, int] = {}

    # -- helpers ----------------------------------------------------------

    def by_kind(self, project: str, kind: str) -> str:
        names = [f for f, i in self.files.items() if i["project"] == project and i["kind"] == kind]
        assert len(names) == 1, (project, kind, names)
        return names[0]

    def start_venv(self, label: str, with_pip: bool = True) -> None:
        self.venvs[label] = self.pool.submit(make_venv, self.tmp / "venvs" / label, with_pip)

    def venv(self, label: str) -> Path:
        if label not in self.venvs:
            self.start_venv(label)
        return self.venvs[label].result(timeout=CLIENT_TIMEOUT)

    def simple(self, channel: str) -> str:
        assert self.depot is not None
        return f"{self.depot.base}/api/repo/{channel}/simple/"

    def create_channel(self, name: str, privacy: str) -> None:
        self.expect_created("POST", "/api/v1/channels", {"org": ORG, "name": name, "privacy": privacy})

    def create_mirror(self, channel: str, mode: str, exclude: str = "private*", include: str = "") -> str:
        assert self.upstream is not None
        body = {
            "name": "pypi", "type": "python", "mode": mode, "source_url": self.upstream.simple_url,
            "exclude": exclude, "include": include, "run_now": True,
        }
        path = f"/api/v1/channels/{q(channel)}/mirrors"
        status, answer = self.api("POST", path, body)
        if status == 400 and isinstance(answer, dict) and (answer.get("error") or {}).get("field") == "type":
            raise StepFailure(f"this Depot does not accept \"type\": \"python\" yet: POST {path} {short(body)} "
                              f"answered 400 {short(answer)}")
        check(status == 201, f"POST {path} {short(body)} answered {status}: {short(answer)}")
        check(isinstance(answer, dict) and answer.get("id") is not None,
              f"mirror creation answered no \"id\": {short(answer)}")
        self.mirrors[channel] = str(answer["id"])
        return str(answer["id"])

    def wait_mirror(self, mirror_id: str) -> dict:
        return fixtures.wait_mirror(self.depot, mirror_id, MIRROR_TIMEOUT)

    def get(self, url: str, accept: str | None = None, redirects: bool = True) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": accept} if accept else {}
        return http_request(url, headers=headers, follow_redirects=redirects)

    def get_simple_json(self, url: str) -> tuple[dict, dict[str, str]]:
        status, headers, body = self.get(url, SIMPLE_JSON_TYPE)
        check(status == 200, f"GET {url} (Accept: {SIMPLE_JSON_TYPE}) answered {status}: {short(body)}")
        ctype = headers.get("content-type", "")
        check(ctype.split(";")[0].strip() == SIMPLE_JSON_TYPE,
              f"GET {url} (Accept: {SIMPLE_JSON_TYPE}) answered Content-Type {ctype!r}, expected {SIMPLE_JSON_TYPE}")
        check("accept" in headers.get("vary", "").lower(),
              f"GET {url} (JSON) has no Vary: Accept (Vary: {headers.get('vary')!r})")
        try:
            value = json.loads(body)
        except ValueError as e:
            raise StepFailure(f"GET {url} is not JSON ({e}): {short(body)}") from None
        check(isinstance(value, dict), f"GET {url} is JSON but not an object: {short(body)}")
        version = str((value.get("meta") or {}).get("api-version", ""))
        check(re.fullmatch(r"1\.\d+", version), f"GET {url}: meta.api-version is {version!r}, expected 1.x")
        return value, headers

    def get_simple_html(self, url: str, accept: str | None = "text/html") -> tuple[list[dict], dict[str, str]]:
        status, headers, body = self.get(url, accept)
        check(status == 200, f"GET {url} (Accept: {accept}) answered {status}: {short(body)}")
        ctype = headers.get("content-type", "")
        check(ctype.split(";")[0].strip() in HTML_TYPES,
              f"GET {url} (Accept: {accept}) answered Content-Type {ctype!r}, expected HTML")
        check("accept" in headers.get("vary", "").lower(),
              f"GET {url} (HTML) has no Vary: Accept (Vary: {headers.get('vary')!r})")
        return anchors(body), headers

    def log_mark(self) -> int:
        return fixtures.log_mark(self.depot)

    def logged_paths(self, mark: int, prefix: str, wait_for: Callable[[list[tuple[str, str]]], bool] | None = None,
                     timeout: float = 3.0) -> list[tuple[str, str]]:
        return fixtures.logged_paths(self.depot, mark, prefix, wait_for, timeout)

    def check_project_list(self, channel: str, base: str | None = None) -> None:
        url = base or self.simple(channel)
        value, _ = self.get_simple_json(url)
        names = {normalize_project_name(str(p.get("name", ""))) for p in value.get("projects") or [] if isinstance(p, dict)}
        check(names == PROJECTS, f"{channel}: GET {url} (JSON) lists projects {sorted(names)}, expected {sorted(PROJECTS)}")
        links, _ = self.get_simple_html(url)
        html_names = {normalize_project_name(a["text"].strip()) for a in links}
        check(html_names == PROJECTS, f"{channel}: GET {url} (HTML) links {sorted(html_names)}, expected {sorted(PROJECTS)}")
        status, _, _ = self.get(url + "private-pkg/", SIMPLE_JSON_TYPE)
        check(status == 404, f"{channel}: GET {url}private-pkg/ answered {status}, expected 404 (excluded)")

    # -- steps ------------------------------------------------------------

    def step_setup(self) -> None:
        # Client venvs are made in the background while fixtures build and Depot starts.
        for label in ("passive-pip-1", "passive-pip-2", "active-pip", "private-pip"):
            self.start_venv(label)
        self.start_venv("active-uv", with_pip=False)
        self.files = fixtures.build_python_index(self.tmp / "upstream")
        kinds = sorted((i["project"], i["kind"]) for i in self.files.values())
        check(kinds == sorted([(p, k) for p in fixtures.PYTHON_PROJECTS for k in ("sdist", "wheel")] + [("depot-beta", "junk")]),
              f"fixture files {sorted(self.files)}")
        self.upstream = SimpleIndexServer(self.tmp / "upstream")
        self.depot = DepotServer(self.binary, self.tmp / "data", ADMIN_PASSWORD)
        self.depot.token()
        self.expect_created("POST", "/api/v1/orgs", {"name": ORG})
        self.create_channel("py-active", "public")
        self.create_channel("py-passive", "public")

    # passive (f) ------------------------------------------------------------

    def step_passive_mirror(self) -> None:
        assert self.upstream is not None
        self.passive_baseline = self.upstream.snapshot()
        mirror_id = self.create_mirror("py-passive", "passive")
        self.wait_mirror(mirror_id)
        gets = self.upstream.file_gets(self.passive_baseline)
        dists = {p: n for p, n in gets.items() if not p.endswith(".metadata")}
        check(not dists, f"the passive run downloaded distribution files from upstream: {dists}")
        self.check_project_list("py-passive")

    def step_passive_install(self) -> None:
        assert self.upstream is not None
        python = self.venv("passive-pip-1")
        mark = self.log_mark()
        proc = pip_install(python, self.simple("py-passive"), "depot-beta")
        expect_installed(proc, python, "pip install depot-beta from py-passive")
        prefix = "/api/repo/py-passive/simple/files/"
        wheels = {self.by_kind("depot-alpha", "wheel"), self.by_kind("depot-beta", "wheel")}

        def dists(found: list[tuple[str, str]]) -> set[str]:
            return {p.rsplit("/", 1)[-1] for p, _ in found if not p.endswith(".metadata")}

        requested = dists(self.logged_paths(mark, prefix, wait_for=lambda found: dists(found) >= wheels))
        check(requested == wheels,
              f"pip fetched {sorted(requested)} from Depot's py-passive (per Depot's log), expected the wheels {sorted(wheels)}")
        gets = {p: n for p, n in self.upstream.file_gets(self.passive_baseline).items() if not p.endswith(".metadata")}
        expected = {f"/files/{f}": 1 for f in sorted(wheels)}
        check(gets == expected,
              f"upstream GETs of distribution files since the passive mirror was created: {gets}, expected {expected}")

    def step_passive_second_install(self) -> None:
        assert self.upstream is not None
        before = self.upstream.snapshot()
        python = self.venv("passive-pip-2")
        proc = pip_install(python, self.simple("py-passive"), "depot-beta")
        expect_installed(proc, python, "second pip install depot-beta from py-passive")
        after = self.upstream.snapshot()
        diff = {p: after.get(p, 0) - before.get(p, 0) for p in after if after.get(p, 0) != before.get(p, 0)}
        check(not diff, f"the second install through the passive mirror reached the upstream: {diff}")

    # active (b) -------------------------------------------------------------

    def step_active_mirror(self) -> None:
        mirror_id = self.create_mirror("py-active", "active")
        self.wait_mirror(mirror_id)
        details = self.run_details(mirror_id)
        items = reasoned_items(details)

        def is_private(text: str) -> bool:
            return "private-pkg" in normalize_project_name(text.rsplit("/", 1)[-1])

        private = [i for i in items if item_mentions(i, is_private)]
        check(private, f"run details list nothing about private-pkg: {short(details, 2000)}")
        check(all(i["reason"] == "excluded" for i in private),
              f"run details give private-pkg the reasons {[i['reason'] for i in private]}, expected \"excluded\": {short(private)}")
        notes = [i for i in items if item_mentions(i, lambda t: t == "notes.txt" or t.endswith("/notes.txt"))]
        check(notes, f"run details list nothing about notes.txt: {short(details, 2000)}")
        check(all(i["reason"] == "not_python_package" for i in notes),
              f"run details give notes.txt the reasons {[i['reason'] for i in notes]}, expected \"not_python_package\": {short(notes)}")
        # (notes.txt's item names its project page, e.g. "subdir": "pypi/depot-beta": that is not a kept file.)
        ours = {f for f, i in self.files.items() if i["project"] in PROJECTS and i["kind"] != "junk"}
        kept = [i for i in items
                if item_mentions(i, lambda t: t.rsplit("/", 1)[-1] in ours)
                or any(normalize_project_name(str(i.get(k, ""))) in PROJECTS for k in ("filename", "name", "project"))]
        check(not kept, f"run details list depot-alpha/depot-beta (or their files) as filtered: {short(kept)}")
        self.check_project_list("py-active")

    # negotiation (c) --------------------------------------------------------

    def check_project_page(self, channel: str, project: str) -> None:
        url = self.simple(channel) + project + "/"
        ours = {f: i for f, i in self.files.items() if i["project"] == project and i["kind"] != "junk"}

        page, _ = self.get_simple_json(url)
        check(normalize_project_name(str(page.get("name", ""))) == project,
              f"GET {url} (JSON): name is {page.get('name')!r}")
        entries = {e.get("filename"): e for e in page.get("files") or [] if isinstance(e, dict)}
        check(set(entries) == set(ours), f"GET {url} (JSON) lists files {sorted(entries)}, expected {sorted(ours)}")
        for filename, item in ours.items():
            entry = entries[filename]
            sha = (entry.get("hashes") or {}).get("sha256")
            check(sha == item["sha256"], f"{url} (JSON) {filename}: hashes.sha256 {sha!r} != fixture {item['sha256']}")
            want_href = f"../files/{item['sha256']}/{filename}"
            check(entry.get("url") == want_href,
                  f"{url} (JSON) {filename}: url {entry.get('url')!r}, expected the relative {want_href!r}")
            file_url = urllib.parse.urljoin(url, entry["url"])
            status, _, body = self.get(file_url)
            check(status == 200 and sha256_bytes(body) == item["sha256"],
                  f"GET {file_url} answered {status} with sha256 {sha256_bytes(body)}, expected 200 and {item['sha256']}")
            if item["requires_python"]:
                check(entry.get("requires-python") == item["requires_python"],
                      f"{url} (JSON) {filename}: requires-python {entry.get('requires-python')!r}, "
                      f"expected {item['requires_python']!r}")
            else:
                check(not entry.get("requires-python"),
                      f"{url} (JSON) {filename}: requires-python {entry.get('requires-python')!r}, expected none")
            if item["kind"] == "wheel":
                want = {"sha256": sha256_bytes(item["metadata"])}
                got = entry.get("core-metadata")
                check(got == want or got is True,
                      f"{url} (JSON) {filename}: core-metadata {got!r}, expected {want} (or true)")
                # PEP 714 renamed the JSON key because pip 22.3-23.1 (Debian 12's venv pip is 23.0.1) crashes
                # on any "dist-info-metadata" in JSON (TypeError: unhashable type: 'dict'); only the HTML
                # attribute may keep its legacy name.
                check("dist-info-metadata" not in entry,
                      f"{url} (JSON) {filename}: has the legacy key \"dist-info-metadata\" "
                      f"({entry.get('dist-info-metadata')!r}), which makes pip < 23.2 crash; PEP 714 uses core-metadata only")
                status, _, body = self.get(file_url + ".metadata")
                check(status == 200, f"GET {file_url}.metadata answered {status}: {short(body)}")
                check(body == item["metadata"],
                      f"GET {file_url}.metadata: {len(body)} bytes (sha256 {sha256_bytes(body)}) differ from the wheel's "
                      f"METADATA ({len(item['metadata'])} bytes, sha256 {sha256_bytes(item['metadata'])})")

        links, _ = self.get_simple_html(url)
        by_name = {a["text"].strip(): a["attrs"] for a in links}
        check(set(by_name) == set(ours), f"GET {url} (HTML) links {sorted(by_name)}, expected {sorted(ours)}")
        for filename, item in ours.items():
            attrs = by_name[filename]
            want_href = f"../files/{item['sha256']}/{filename}#sha256={item['sha256']}"
            check(attrs.get("href") == want_href,
                  f"{url} (HTML) {filename}: href {attrs.get('href')!r}, expected {want_href!r}")
            check(attrs.get("data-requires-python", "") == (item["requires_python"] or ""),
                  f"{url} (HTML) {filename}: data-requires-python {attrs.get('data-requires-python')!r}, "
                  f"expected {item['requires_python']!r}")
            if item["kind"] == "wheel":
                want = f"sha256={sha256_bytes(item['metadata'])}"
                got = attrs.get("data-core-metadata")
                check(got in (want, "true"), f"{url} (HTML) {filename}: data-core-metadata {got!r}, expected {want!r}")
                legacy = attrs.get("data-dist-info-metadata")
                check(legacy is None or legacy == got,
                      f"{url} (HTML) {filename}: data-dist-info-metadata {legacy!r} differs from data-core-metadata {got!r}")

    def check_redirect(self, url: str, target: str) -> None:
        status, headers, body = self.get(url, SIMPLE_JSON_TYPE, redirects=False)
        location = headers.get("location")
        check(status == 301, f"GET {url} answered {status} (Location {location!r}), expected 301 to {target}: {short(body)}")
        check(location and urllib.parse.urljoin(url, location) == target,
              f"GET {url} answered 301 with Location {location!r}, expected {target}")

    def step_negotiation(self) -> None:
        base = self.simple("py-active")
        # No Accept header at all: PEP 691 says HTML.
        self.get_simple_html(base, accept=None)
        # What pip and uv send: JSON preferred.
        value, _ = self.get_simple_json(base)
        status, headers, _ = self.get(
            base, "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01")
        check(status == 200 and headers.get("content-type", "").startswith(SIMPLE_JSON_TYPE),
              f"GET {base} with uv's Accept answered {status} {headers.get('content-type')!r}, expected JSON")
        for project in sorted(PROJECTS):
            self.check_project_page("py-active", project)
        self.check_redirect(base + "Depot_Alpha/", base + "depot-alpha/")
        self.check_redirect(base + "depot-alpha", base + "depot-alpha/")
        status, _, _ = self.get(base + "no-such-project/", SIMPLE_JSON_TYPE)
        check(status == 404, f"GET {base}no-such-project/ answered {status}, expected 404")

    # clients (d, e) -----------------------------------------------------------

    def step_pip(self) -> None:
        python = self.venv("active-pip")
        proc = pip_install(python, self.simple("py-active"), "depot-beta")
        expect_installed(proc, python, "pip install depot-beta from py-active")
        proc = pip_install(python, self.simple("py-active"), "private-pkg")
        check(proc.returncode != 0, f"pip install private-pkg from py-active succeeded:\n{proc.stdout[-2000:]}")
        probe = run_tool([str(python), "-c", "import private_pkg"], "import private_pkg")
        check(probe.returncode != 0, "private_pkg is importable after the failed install")

    def step_uv(self) -> None:
        python = self.venv("active-uv")
        mark = self.log_mark()
        proc = uv_install(python, self.simple("py-active"), "depot-beta")
        expect_installed(proc, python, "uv pip install depot-beta from py-active")
        prefix = "/api/repo/py-active/simple/files/"

        def has_metadata(found: list[tuple[str, str]]) -> bool:
            return any(p.endswith(".metadata") and s == "200" for p, s in found)

        found = self.logged_paths(mark, prefix, wait_for=has_metadata)
        check(has_metadata(found),
              f"uv fetched no .metadata file from Depot (requests under {prefix} in Depot's log: {found})")

    # private channel ----------------------------------------------------------

    def step_private(self) -> None:
        assert self.depot is not None
        self.create_channel("py-private", "private")
        # Exclude everything, include the two depot projects back (newline-separated): include wins.
        mirror_id = self.create_mirror("py-private", "active", exclude="*", include="depot-alpha\ndepot-beta")
        self.wait_mirror(mirror_id)
        anon = self.simple("py-private")
        status, _, _ = self.get(anon, SIMPLE_JSON_TYPE)
        check(status in (401, 404), f"anonymous GET {anon} answered {status}, expected 401 or 404")
        status, _, _ = self.get(anon + "depot-alpha/", SIMPLE_JSON_TYPE)
        check(status in (401, 404), f"anonymous GET {anon}depot-alpha/ answered {status}, expected 401 or 404")
        token = self.depot.token()
        with_token = f"{self.depot.base}/t/{q(token)}/api/repo/py-private/simple/"
        self.check_project_list("py-private", base=with_token)
        basic = base64.b64encode(f"__token__:{token}".encode()).decode()
        status, _, body = http_request(anon, headers={"Authorization": f"Basic {basic}", "Accept": SIMPLE_JSON_TYPE})
        check(status == 200, f"GET {anon} with Basic __token__:<TOKEN> answered {status}: {short(body)}")
        python = self.venv("private-pip")
        proc = pip_install(python, with_token, "depot-beta")
        expect_installed(proc, python, "pip install depot-beta from py-private (token in the path)")

    def step_shutdown(self) -> None:
        fixtures.check_sigterm_exit(self.depot)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("a. fixtures built, upstream and depot started, org and channels py-active, py-passive created",
             self.step_setup),
            ("f. passive mirror completed without downloading distributions", self.step_passive_mirror),
            ("f. pip installs depot-beta through py-passive, one upstream GET per installed file",
             self.step_passive_install),
            ("f. second pip install through py-passive makes no upstream request", self.step_passive_second_install),
            ("b. active mirror (exclude private*): private-pkg excluded, notes.txt not a Python package",
             self.step_active_mirror),
            ("c. JSON/HTML by Accept, 301 to normalised URLs, .metadata equals METADATA", self.step_negotiation),
            ("d. pip installs depot-beta + depot-alpha from py-active; private-pkg fails", self.step_pip),
            ("e. uv installs depot-beta from py-active and fetches .metadata", self.step_uv),
            ("private channel: include wins over exclude, token in path and Basic, pip via /t/", self.step_private),
            ("g. SIGTERM exits 0", self.step_shutdown),
        ]

    def report_failure(self) -> None:
        super().report_failure()
        if self.upstream is not None:
            with self.upstream._lock:
                formats = {p: list(f) for p, f in self.upstream.formats.items()}
            print("---- upstream index pages answered as ----")
            print("\n".join(f"  {p}  {' '.join(f)}" for p, f in sorted(formats.items())) or "  (none)")
        print("----")

    def cleanup(self) -> None:
        self.stop_servers()
        self.pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------
# --check-fixtures: the fixture index is valid for pip (HTML) and uv (JSON)
# --------------------------------------------------------------------------


class FixtureCheck:
    """--check-fixtures as a test for fixtures.run_main: its steps, no failure report, the server stopped."""

    def __init__(self, tmp: Path):
        self._steps, self._stop = check_fixtures(tmp)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return self._steps

    def report_failure(self) -> None:
        pass

    def cleanup(self) -> None:
        self._stop()


def check_fixtures(tmp: Path) -> tuple[list[tuple[str, Callable[[], None]]], Callable[[], None]]:
    """The steps of --check-fixtures, and a function that stops the fixture server (if started)."""
    state: dict[str, Any] = {}

    def build() -> None:
        state["files"] = fixtures.build_python_index(tmp / "upstream")
        state["upstream"] = SimpleIndexServer(tmp / "upstream")

    def pip_html() -> None:
        upstream: SimpleIndexServer = state["upstream"]
        upstream.serve_json = False
        python = make_venv(tmp / "venvs" / "pip")
        proc = pip_install(python, upstream.simple_url + "/", "depot-beta")
        expect_installed(proc, python, "pip install depot-beta from the fixture index (HTML)")
        formats = {p: f for p, f in upstream.formats.items()}
        check(formats and all(set(f) == {"html"} for f in formats.values()), f"upstream answered {formats}")
        proc = pip_install(python, upstream.simple_url + "/", "private-pkg")
        check(proc.returncode == 0, f"pip install private-pkg from the fixture index failed:\n{proc.stderr[-2000:]}")

    def pip_json() -> None:
        upstream: SimpleIndexServer = state["upstream"]
        upstream.serve_json = True
        upstream.formats.clear()
        python = make_venv(tmp / "venvs" / "pip-json")
        proc = pip_install(python, upstream.simple_url + "/", "depot-beta")
        expect_installed(proc, python, "pip install depot-beta from the fixture index (JSON)")
        formats = {p: f for p, f in upstream.formats.items()}
        check(formats and all(set(f) == {"json"} for f in formats.values()), f"upstream answered {formats}")

    def uv_json() -> None:
        upstream: SimpleIndexServer = state["upstream"]
        upstream.serve_json = True
        upstream.formats.clear()
        before = upstream.snapshot()
        python = make_venv(tmp / "venvs" / "uv", with_pip=False)
        proc = uv_install(python, upstream.simple_url + "/", "depot-beta")
        expect_installed(proc, python, "uv pip install depot-beta from the fixture index (JSON)")
        formats = {p: f for p, f in upstream.formats.items()}
        check(formats and all(set(f) == {"json"} for f in formats.values()), f"upstream answered {formats}")
        gets = upstream.file_gets(before)
        check(any(p.endswith(".metadata") for p in gets), f"uv fetched no .metadata file: {gets}")
        # The JSON pages carry requires-python and core-metadata; the HTML pages the same as attributes.
        status, _, body = http_request(upstream.simple_url + "/depot-alpha/", headers={"Accept": SIMPLE_JSON_TYPE})
        page = json.loads(body)
        check(status == 200 and any(f.get("requires-python") == ">=3.8" for f in page["files"]), f"{short(page)}")
        status, _, body = http_request(upstream.simple_url + "/depot-beta/")
        check(b"notes.txt" in body and b"data-core-metadata" in body, short(body))

    def stop() -> None:
        upstream = state.pop("upstream", None)
        if upstream is not None:
            upstream.stop()

    return [
        ("fixture index built and served", build),
        ("pip installs depot-beta (+ depot-alpha) and private-pkg from the fixture index as HTML", pip_html),
        ("pip installs depot-beta from the fixture index as JSON", pip_json),
        ("uv installs depot-beta from the fixture index as JSON, using .metadata", uv_json),
        ("fixture server stopped", stop),
    ], stop


def main() -> int:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--check-fixtures", action="store_true",
                            help="only build the fixture index and install from it directly (no Depot)")

    return fixtures.run_main(
        "python", __doc__, "depot-python-e2e-",
        lambda args, tmp: FixtureCheck(tmp) if args.check_fixtures else PythonTest(args.binary, tmp),
        add_arguments=add_arguments, needs_binary=lambda args: not args.check_fixtures, timing="total")


if __name__ == "__main__":
    sys.exit(main())
