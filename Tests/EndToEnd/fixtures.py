"""Shared helpers for Depot's end-to-end tests.

- `build_conda_channel(root)` builds a small, real upstream conda channel with
  packages made by `cph create` (conda-package-handling) and indexed by
  py-rattler's `index_fs`.
- `build_synthetic_channel(root, count)` writes a `noarch/repodata.json`
  listing `count` files of random bytes (correct sha256, md5 and size) for
  tests of the mirror engine that need many files but no real packages.
- `UpstreamServer(root, delay=0)` serves a directory over HTTP on loopback and
  counts GET requests per path; with `delay` it holds each package-file
  response (`.conda`, `.tar.bz2`) that many seconds before answering.
- `build_python_index(root)` builds three tiny real Python projects into
  wheels and sdists (setuptools, offline) and writes a PEP 503 HTML + PEP 691
  JSON simple index for them (PEP 658/714 `.metadata` files next to the
  wheels); `SimpleIndexServer(root)` serves it, choosing `index.json` or
  `index.html` by the Accept header, and counts requests like UpstreamServer.
- `build_r_repo(root)` builds three tiny real R source packages
  (`R CMD build`, offline) into root/src/contrib and indexes them with
  `tools::write_PACKAGES`; `make_r_package` and `index_r_repo` do one step
  each, `clean_r_env()` is an environment without outside R configuration.
- `WebSession(base, user, password)` logs in through the login form and keeps
  the session cookie (plain HTTP, no browser).
- `DepotServer(binary, data_dir, admin_password)` runs `depot serve` on a free
  loopback port, mints an API token with the `depot token create` CLI and
  talks to the JSON API; `kill()` ends it with SIGKILL (a crash).
- Test scaffolding shared by the step-based scripts: `StepFailure`, `check`,
  `short`, `q`, `reasoned_items`, `wait_mirror` (poll a mirror until it
  completes), `log_mark` / `logged_paths` (requests in Depot's log),
  `check_sigterm_exit`, and `run_main` (the step runner behind each
  script's `main()`); `exit_now(code)` flushes and leaves with `os._exit`.

Needs the venv made by scripts/e2e-setup.sh (py-rattler,
conda-package-handling, zstandard; setuptools>=70 and wheel for the Python
fixtures).

py-rattler 0.28 can crash the interpreter at exit (its tokio threads touch the
GIL during finalization: "PyGILState_Release: thread state ... must be current"
/ SIGSEGV). Scripts that use rattler should flush and leave with `os._exit`.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent.parent

HEALTH_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 10

# Loopback only: make sure neither urllib nor rattler (reqwest) goes through a
# proxy configured in the environment.
for _var in ("NO_PROXY", "no_proxy"):
    _have = [p for p in os.environ.get(_var, "").split(",") if p]
    for _host in ("127.0.0.1", "localhost"):
        if _host not in _have:
            _have.append(_host)
    os.environ[_var] = ",".join(_have)

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None  # urllib then raises HTTPError with the 3xx status


_no_redirect_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# Plain HTTP
# --------------------------------------------------------------------------


def http_request(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 30,
    follow_redirects: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    """One request without a proxy; never raises on an HTTP status.

    Returns (status, headers with lower-case names, body). With
    `follow_redirects=False` a 3xx answer is returned as is (its Location in
    the headers).
    """
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = _opener if follow_redirects else _no_redirect_opener
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:  # 3xx (e.g. 304), 4xx and 5xx
        try:
            body = e.read()
        except Exception:  # noqa: BLE001
            body = b""
        return e.code, {k.lower(): v for k, v in (e.headers or {}).items()}, body


# --------------------------------------------------------------------------
# A real conda channel
# --------------------------------------------------------------------------


def _cph() -> list[str]:
    """The `cph` command of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "cph"
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("cph")
    if found:
        return [found]
    raise RuntimeError("cph (conda-package-handling) not found; run scripts/e2e-setup.sh")


def make_conda_package(
    out_dir: str | os.PathLike[str],
    filename: str,
    *,
    name: str,
    version: str,
    build: str,
    build_number: int,
    subdir: str,
    files: dict[str, bytes],
    depends: list[str] | None = None,
    license: str = "MIT",
) -> Path:
    """Stages a package folder and packs it with `cph create` into out_dir/filename.

    `filename` decides the format (`.conda` or `.tar.bz2`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = out_dir.parent / f".stage-{filename}"
    if stage.exists():
        shutil.rmtree(stage)
    try:
        (stage / "info").mkdir(parents=True)
        index: dict[str, Any] = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": build_number,
            "depends": list(depends or []),
            "license": license,
            "subdir": subdir,
            "timestamp": 1_700_000_000_000,  # ms, fixed so builds are reproducible in content
        }
        if subdir == "noarch":
            index["noarch"] = "generic"
        else:
            platform, _, bits = subdir.partition("-")
            index["platform"] = platform
            index["arch"] = {"64": "x86_64", "aarch64": "aarch64", "arm64": "arm64"}.get(bits, bits)
        paths = []
        for rel, content in sorted(files.items()):
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            if rel.startswith("bin/"):
                target.chmod(0o755)
            paths.append({
                "_path": rel,
                "path_type": "hardlink",
                "sha256": sha256_bytes(content),
                "size_in_bytes": len(content),
            })
        (stage / "info" / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        (stage / "info" / "paths.json").write_text(json.dumps({"paths": paths, "paths_version": 1}, indent=2))
        (stage / "info" / "files").write_text("".join(rel + "\n" for rel in sorted(files)))

        proc = subprocess.run(
            [*_cph(), "create", str(stage), filename, "--out-folder", str(out_dir)],
            capture_output=True, text=True,
        )
        result = out_dir / filename
        if proc.returncode != 0 or not result.is_file():
            raise RuntimeError(
                f"cph create {filename} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return result
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def index_channel(root: str | os.PathLike[str]) -> None:
    """Writes <subdir>/repodata.json (+ .zst) with py-rattler's indexer."""
    from rattler.index import index_fs

    asyncio.run(index_fs(Path(root), write_zst=True, write_shards=False, force=True))


# What build_conda_channel makes: (subdir, filename) -> package contents.
PACKAGES: dict[tuple[str, str], dict[str, Any]] = {
    ("noarch", "depot-hello-1.0-0.tar.bz2"): dict(
        name="depot-hello", version="1.0", build="0", build_number=0,
        files={"share/depot-hello/hello.txt": b"hello from depot\n"},
    ),
    ("noarch", "depot-hello-1.1-0.conda"): dict(
        name="depot-hello", version="1.1", build="0", build_number=0,
        files={"share/depot-hello/hello.txt": b"hello 1.1\n"},
    ),
    ("linux-64", "depot-tool-2.0-h0_0.conda"): dict(
        name="depot-tool", version="2.0", build="h0_0", build_number=0,
        depends=["depot-hello >=1.1"],
        files={"bin/depot-tool": b"#!/bin/sh\necho depot-tool 2.0\n"},
    ),
}


def build_conda_channel(root: str | os.PathLike[str]) -> dict[str, str]:
    """Builds and indexes the fixture channel under root.

    Returns {filename: sha256} for every package file.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = {}
    for (subdir, filename), spec in PACKAGES.items():
        path = make_conda_package(root / subdir, filename, subdir=subdir, **spec)
        hashes[filename] = sha256_file(path)
    index_channel(root)

    for subdir in ("noarch", "linux-64"):
        repodata_path = root / subdir / "repodata.json"
        if not repodata_path.is_file():
            raise RuntimeError(f"indexing wrote no {repodata_path}")
        repodata = json.loads(repodata_path.read_text())
        listed = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}
        for (sd, filename) in PACKAGES:
            if sd != subdir:
                continue
            record = listed.get(filename)
            if record is None:
                raise RuntimeError(f"{subdir}/repodata.json does not list {filename}: {sorted(listed)}")
            if record.get("sha256") != hashes[filename]:
                raise RuntimeError(f"{subdir}/repodata.json has the wrong sha256 for {filename}")
    return hashes


def read_zst(data: bytes) -> bytes:
    """Decompresses a zstd stream (frames need not carry the content size)."""
    import io

    import zstandard

    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
        return reader.read()


def build_synthetic_channel(
    root: str | os.PathLike[str],
    count: int,
    *,
    prefix: str = "synth",
    size: int = 4096,
    empty_subdirs: tuple[str, ...] = ("linux-64",),
) -> dict[str, str]:
    """Writes root/noarch/repodata.json listing `count` package files of random bytes.

    Not real packages: the files are `size` random bytes each (so no two calls
    share a blob), half `.tar.bz2` (under "packages"), half `.conda` (under
    "packages.conda"), with correct sha256, md5 and size in their records.
    `empty_subdirs` get a repodata.json listing nothing. Returns {filename: sha256}.
    """
    root = Path(root)
    noarch = root / "noarch"
    noarch.mkdir(parents=True, exist_ok=True)
    packages: dict[str, Any] = {}
    packages_conda: dict[str, Any] = {}
    hashes: dict[str, str] = {}
    for i in range(count):
        name = f"{prefix}-pkg{i:03d}"
        ext = ".conda" if i % 2 else ".tar.bz2"
        filename = f"{name}-1.0-0{ext}"
        data = os.urandom(size)
        (noarch / filename).write_bytes(data)
        digest = sha256_bytes(data)
        hashes[filename] = digest
        record = {
            "name": name, "version": "1.0", "build": "0", "build_number": 0,
            "depends": [], "license": "MIT", "noarch": "generic", "subdir": "noarch",
            "timestamp": 1_700_000_000_000,
            "sha256": digest, "md5": hashlib.md5(data).hexdigest(), "size": len(data),
        }
        (packages_conda if ext == ".conda" else packages)[filename] = record
    repodata = {"info": {"subdir": "noarch"}, "packages": packages, "packages.conda": packages_conda,
                "removed": [], "repodata_version": 1}
    (noarch / "repodata.json").write_text(json.dumps(repodata, indent=1, sort_keys=True))
    for subdir in empty_subdirs:
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(json.dumps(
            {"info": {"subdir": subdir}, "packages": {}, "packages.conda": {}, "removed": [], "repodata_version": 1}))
    return hashes


# --------------------------------------------------------------------------
# Upstream HTTP server
# --------------------------------------------------------------------------

PACKAGE_SUFFIXES = (".conda", ".tar.bz2")


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real upstream
    server: "UpstreamServer"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(self.server_root_placeholder), **kwargs)

    server_root_placeholder = "."  # replaced per server by a subclass

    def _record(self, method: str) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        self.server._record(method, path)

    def do_GET(self) -> None:  # noqa: N802
        self._record("GET")
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        delay = self.server.delay
        if delay > 0 and path.endswith(PACKAGE_SUFFIXES):
            time.sleep(delay)
        super().do_GET()
        self.server._record_done(path)

    def do_HEAD(self) -> None:  # noqa: N802
        self._record("HEAD")
        super().do_HEAD()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        self.server._log_line(f"{self.address_string()} {format % args}")


class UpstreamServer(http.server.ThreadingHTTPServer):
    """Serves files from root on 127.0.0.1:<free port> in a background thread.

    `counts` maps URL path -> number of GET requests (HEADs are in
    `head_counts`); read them with `get_count(path)` or `snapshot()`.
    `done_counts` (read with `completed()`) counts only the GETs whose whole
    response was written.

    `delay` (seconds, may be changed while serving) holds every GET of a
    package file (`.conda`, `.tar.bz2`) that long before answering: a slow
    upstream.
    """

    daemon_threads = True
    allow_reuse_address = True
    handler_class: type = _CountingHandler  # subclasses may serve differently

    def __init__(self, root: str | os.PathLike[str], delay: float = 0.0):
        self.root = Path(root).resolve()
        self.delay = delay
        self.done_counts: dict[str, int] = {}
        handler = type("Handler", (self.handler_class,), {"server_root_placeholder": str(self.root)})
        super().__init__(("127.0.0.1", 0), handler)
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.head_counts: dict[str, int] = {}
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, name="upstream", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            table = self.counts if method == "GET" else self.head_counts
            table[path] = table.get(path, 0) + 1

    def _record_done(self, path: str) -> None:
        with self._lock:
            self.done_counts[path] = self.done_counts.get(path, 0) + 1

    def completed(self) -> dict[str, int]:
        """GETs per path whose response was written in full."""
        with self._lock:
            return dict(self.done_counts)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on a slow response (a stopped or killed run) is expected.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def _log_line(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)

    def get_count(self, path: str) -> int:
        with self._lock:
            return self.counts.get(path, 0)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def describe(self) -> str:
        with self._lock:
            gets = "\n".join(f"  GET  {n:3d}  {p}" for p, n in sorted(self.counts.items()))
            heads = "\n".join(f"  HEAD {n:3d}  {p}" for p, n in sorted(self.head_counts.items()))
        return "\n".join(x for x in (gets, heads) if x) or "  (no requests)"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------
# A real Python package index (PEP 503 HTML + PEP 691 JSON)
# --------------------------------------------------------------------------

SIMPLE_JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_SIMPLE_JSON_TYPES = (SIMPLE_JSON_TYPE, "application/vnd.pypi.simple.latest+json")
_SIMPLE_HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html", "text/html", "*/*")

# What build_python_index makes: normalized project name -> project spec.
PYTHON_PROJECTS: dict[str, dict[str, Any]] = {
    "depot-alpha": dict(version="1.0", module="depot_alpha", value="alpha", requires=[], requires_python=">=3.8"),
    "depot-beta": dict(version="2.0", module="depot_beta", value="beta", requires=["depot-alpha>=1.0"]),
    "private-pkg": dict(version="0.1", module="private_pkg", value="private", requires=[]),
}
# The project page that also links a file that is no Python distribution.
PYTHON_JUNK = ("depot-beta", "notes.txt", b"release notes, not a package\n")


def normalize_project_name(name: str) -> str:
    """PEP 503 normalisation."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _clean_python_env() -> dict[str, str]:
    """The environment without pip/uv configuration that could point at another index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "PYTHON"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env["UV_NO_CONFIG"] = "1"
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def _wheel_metadata(wheel: Path) -> bytes:
    """The bytes of the wheel's *.dist-info/METADATA."""
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise RuntimeError(f"{wheel.name} has {len(names)} top-level *.dist-info/METADATA files")
        return zf.read(names[0])


def _build_python_project(src: Path, out: Path, python: str) -> tuple[Path, Path]:
    """Builds src into a wheel (pip wheel, no build isolation) and an sdist (setuptools.build_meta)."""
    env = _clean_python_env()
    wheel_dir = out / f".wheel-{src.name}"
    proc = subprocess.run(
        [python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(wheel_dir), str(src)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    wheels = list(wheel_dir.glob("*.whl")) if wheel_dir.is_dir() else []
    if proc.returncode != 0 or len(wheels) != 1:
        raise RuntimeError(f"pip wheel {src} failed (exit {proc.returncode}, wheels {wheels}):\n{proc.stdout}\n{proc.stderr}")
    sdist_dir = out / f".sdist-{src.name}"
    sdist_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [python, "-c", "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))", str(sdist_dir)],
        cwd=str(src), capture_output=True, text=True, env=env, timeout=120,
    )
    sdists = list(sdist_dir.glob("*.tar.gz"))
    if proc.returncode != 0 or len(sdists) != 1:
        raise RuntimeError(f"build_sdist in {src} failed (exit {proc.returncode}, sdists {sdists}):\n{proc.stdout}\n{proc.stderr}")
    wheel = out / wheels[0].name
    sdist = out / sdists[0].name
    shutil.move(str(wheels[0]), wheel)
    shutil.move(str(sdists[0]), sdist)
    shutil.rmtree(wheel_dir, ignore_errors=True)
    shutil.rmtree(sdist_dir, ignore_errors=True)
    return wheel, sdist


def build_python_index(root: str | os.PathLike[str], python: str | None = None) -> dict[str, dict[str, Any]]:
    """Builds PYTHON_PROJECTS into wheels and sdists and writes a simple index under root.

    Layout: root/files/<filename> (+ <wheel>.metadata, the wheel's METADATA
    bytes), root/simple/index.{html,json} and
    root/simple/<project>/index.{html,json} with links
    `../../files/<filename>#sha256=<hex>`, `data-core-metadata` on wheels,
    `data-requires-python` on the depot-alpha wheel, and PYTHON_JUNK linked
    from its project page. Needs setuptools>=70 and wheel in `python`'s
    environment (default: this interpreter); no network.

    Returns {filename: {"project", "version", "kind" ("wheel", "sdist" or
    "junk"), "sha256", "size", "path", "metadata" (bytes, wheels only),
    "requires_python" (or None)}}.
    """
    import html as html_lib
    from concurrent.futures import ThreadPoolExecutor

    python = python or sys.executable
    root = Path(root)
    src_root = root / "src"
    files_dir = root / "files"
    simple = root / "simple"
    files_dir.mkdir(parents=True, exist_ok=True)

    sources: dict[str, Path] = {}
    for project, spec in PYTHON_PROJECTS.items():
        src = src_root / project
        src.mkdir(parents=True, exist_ok=True)
        (src / f"{spec['module']}.py").write_text(f'"""The {project} fixture."""\n\nVALUE = {spec["value"]!r}\n')
        lines = [
            "[build-system]",
            'requires = ["setuptools>=70"]',
            'build-backend = "setuptools.build_meta"',
            "",
            "[project]",
            f'name = "{project}"',
            f'version = "{spec["version"]}"',
            f'description = "Depot end-to-end fixture {project}"',
            "dependencies = [" + ", ".join(json.dumps(r) for r in spec["requires"]) + "]",
        ]
        if spec.get("requires_python"):
            lines.append(f'requires-python = "{spec["requires_python"]}"')
        lines += ["", "[tool.setuptools]", f'py-modules = ["{spec["module"]}"]', ""]
        (src / "pyproject.toml").write_text("\n".join(lines))
        sources[project] = src

    with ThreadPoolExecutor(max_workers=len(sources)) as pool:
        built = dict(zip(sources, pool.map(lambda p: _build_python_project(sources[p], files_dir, python), sources)))

    info: dict[str, dict[str, Any]] = {}
    for project, (wheel, sdist) in built.items():
        spec = PYTHON_PROJECTS[project]
        metadata = _wheel_metadata(wheel)
        (files_dir / (wheel.name + ".metadata")).write_bytes(metadata)
        info[wheel.name] = dict(
            project=project, version=spec["version"], kind="wheel", sha256=sha256_file(wheel),
            size=wheel.stat().st_size, path=wheel, metadata=metadata, requires_python=spec.get("requires_python"))
        info[sdist.name] = dict(
            project=project, version=spec["version"], kind="sdist", sha256=sha256_file(sdist),
            size=sdist.stat().st_size, path=sdist, metadata=None, requires_python=None)
    junk_project, junk_name, junk_bytes = PYTHON_JUNK
    (files_dir / junk_name).write_bytes(junk_bytes)
    info[junk_name] = dict(
        project=junk_project, version=None, kind="junk", sha256=sha256_bytes(junk_bytes), size=len(junk_bytes),
        path=files_dir / junk_name, metadata=None, requires_python=None)

    # The index: HTML (PEP 503 + 658/714) and JSON (PEP 691, API 1.1 / PEP 700).
    simple.mkdir(parents=True, exist_ok=True)
    projects = sorted(PYTHON_PROJECTS)
    (simple / "index.html").write_text(
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
        "<title>Simple index</title></head><body>\n"
        + "".join(f'<a href="{p}/">{p}</a><br>\n' for p in projects)
        + "</body></html>\n")
    (simple / "index.json").write_text(json.dumps(
        {"meta": {"api-version": "1.1"}, "projects": [{"name": p} for p in projects]}, indent=1))
    for project in projects:
        names = sorted(f for f, i in info.items() if i["project"] == project)
        anchors = []
        entries = []
        for filename in names:
            item = info[filename]
            href = f"../../files/{filename}"
            attrs = ""
            entry: dict[str, Any] = {
                "filename": filename, "url": href, "hashes": {"sha256": item["sha256"]}, "size": item["size"],
            }
            if item["kind"] == "wheel" and item["requires_python"]:
                attrs += f' data-requires-python="{html_lib.escape(item["requires_python"])}"'
                entry["requires-python"] = item["requires_python"]
            if item["metadata"] is not None:
                digest = sha256_bytes(item["metadata"])
                attrs += f' data-core-metadata="sha256={digest}"'
                entry["core-metadata"] = {"sha256": digest}
            anchors.append(f'<a href="{href}#sha256={item["sha256"]}"{attrs}>{html_lib.escape(filename)}</a><br>\n')
            entries.append(entry)
        page = simple / project
        page.mkdir(parents=True, exist_ok=True)
        (page / "index.html").write_text(
            '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
            f"<title>Links for {project}</title></head><body>\n<h1>Links for {project}</h1>\n"
            + "".join(anchors) + "</body></html>\n")
        (page / "index.json").write_text(json.dumps({
            "meta": {"api-version": "1.1"}, "name": project, "files": entries,
            "versions": [PYTHON_PROJECTS[project]["version"]],
        }, indent=1))
    return info


def simple_format_for(accept: str) -> str:
    """"json" or "html": what a PEP 691 server answers for this Accept header (ties go to JSON)."""
    best = {"json": 0.0, "html": 0.0}
    if not accept.strip():
        return "html"
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media in _SIMPLE_JSON_TYPES:
            best["json"] = max(best["json"], q)
        elif media in _SIMPLE_HTML_TYPES:
            best["html"] = max(best["html"], q)
    return "json" if best["json"] > 0 and best["json"] >= best["html"] else "html"


class _SimpleIndexHandler(_CountingHandler):
    """Serves a directory URL ending in `/` from its index.json or index.html, chosen by Accept."""

    server: "SimpleIndexServer"

    def send_head(self):  # noqa: ANN201
        url_path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        fs_path = Path(self.translate_path(self.path))
        if url_path.endswith("/") and fs_path.is_dir():
            fmt = simple_format_for(self.headers.get("Accept", "")) if self.server.serve_json else "html"
            index = fs_path / ("index.json" if fmt == "json" else "index.html")
            if index.is_file():
                import io

                data = index.read_bytes()
                self.server._record_format(url_path, fmt)
                self.send_response(200)
                self.send_header("Content-Type", SIMPLE_JSON_TYPE if fmt == "json" else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Vary", "Accept")
                self.end_headers()
                return io.BytesIO(data)
        return super().send_head()


class SimpleIndexServer(UpstreamServer):
    """An UpstreamServer for a tree made by build_python_index.

    Index pages are answered as PEP 691 JSON when the Accept header prefers
    `application/vnd.pypi.simple.v1+json` (and `serve_json` is true, which it
    is unless changed), else as HTML; `formats` maps each index path to the
    formats answered, in order. `simple_url` is the index URL without a
    trailing slash.
    """

    handler_class = _SimpleIndexHandler

    def __init__(self, root: str | os.PathLike[str], serve_json: bool = True):
        self.serve_json = serve_json
        self.formats: dict[str, list[str]] = {}
        super().__init__(root)

    @property
    def simple_url(self) -> str:
        return self.url + "/simple"

    def _record_format(self, path: str, fmt: str) -> None:
        with self._lock:
            self.formats.setdefault(path, []).append(fmt)

    def file_gets(self, snapshot: dict[str, int] | None = None) -> dict[str, int]:
        """GETs per path under /files/ (minus snapshot, if given), zero counts left out."""
        now = self.snapshot()
        base = snapshot or {}
        diff = {p: n - base.get(p, 0) for p, n in now.items() if p.startswith("/files/")}
        return {p: n for p, n in diff.items() if n}


# --------------------------------------------------------------------------
# A real CRAN-like repository (R source packages)
# --------------------------------------------------------------------------

# What build_r_repo makes: package name -> spec. `code` is the package's R/<name>.R,
# `namespace` its NAMESPACE; `license_file` (if any) becomes its LICENSE file.
R_PACKAGES: dict[str, dict[str, Any]] = {
    "depotalpha": dict(
        version="1.0", license="GPL-2", imports=[],
        code='alpha <- function() "alpha"\n', namespace="export(alpha)\n"),
    "depotbeta": dict(
        version="2.0", license="MIT + file LICENSE", imports=["depotalpha"],
        code='beta <- function() paste(depotalpha::alpha(), "beta")\n',
        namespace="export(beta)\nimport(depotalpha)\n",
        license_file="YEAR: 2026\nCOPYRIGHT HOLDER: Depot\n"),
    "depotagpl": dict(
        version="0.1", license="AGPL-3", imports=[],
        code='agpl <- function() "agpl"\n', namespace="export(agpl)\n"),
}


def clean_r_env(user_lib: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The environment without R configuration (profiles, environ files, library paths) from outside.

    `user_lib` becomes R_LIBS_USER (default: a path that does not exist), so no
    package installed for the user outside the test is found.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("R_LIBS", "R_LIBS_USER", "R_LIBS_SITE", "R_PROFILE", "R_PROFILE_USER",
                        "R_ENVIRON", "R_ENVIRON_USER", "R_HOME")}
    env["R_LIBS_USER"] = str(user_lib) if user_lib is not None else "/nonexistent/depot-e2e-r-lib"
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"  # plain English messages ("not available")
    return env


def r_tool(name: str) -> str:
    """The path of `R` or `Rscript`; RuntimeError when R is not installed."""
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found; run scripts/e2e-setup.sh (it installs r-base-core)")
    return found


def make_r_package(
    work: str | os.PathLike[str], out_dir: str | os.PathLike[str], name: str, *, version: str, license: str,
    code: str, namespace: str, imports: list[str] | None = None, license_file: str | None = None,
) -> Path:
    """Writes the source folder work/<name> and builds it with `R CMD build` into out_dir/<name>_<version>.tar.gz."""
    work = Path(work)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    src = work / name
    if src.exists():
        shutil.rmtree(src)
    (src / "R").mkdir(parents=True)
    fields = [
        ("Package", name), ("Version", version), ("Title", f"Depot Fixture {name}"),
        ("Description", f"A tiny package for the Depot end-to-end tests ({name})."),
        ("Author", "Depot Tests"), ("Maintainer", "Depot Tests <e2e@example.invalid>"),
        ("License", license),
    ]
    if imports:
        fields.append(("Imports", ", ".join(imports)))
    (src / "DESCRIPTION").write_text("".join(f"{k}: {v}\n" for k, v in fields))
    (src / "NAMESPACE").write_text(namespace)
    (src / "R" / f"{name}.R").write_text(code)
    if license_file is not None:
        (src / "LICENSE").write_text(license_file)
    build_dir = work / f".build-{name}-{version}"
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    proc = subprocess.run(
        [r_tool("R"), "CMD", "build", "--no-build-vignettes", "--no-manual", str(src)],
        cwd=str(build_dir), capture_output=True, text=True, env=clean_r_env(), timeout=120,
    )
    built = build_dir / f"{name}_{version}.tar.gz"
    if proc.returncode != 0 or not built.is_file():
        raise RuntimeError(f"R CMD build {name} {version} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = out_dir / built.name
    shutil.move(str(built), result)
    shutil.rmtree(build_dir, ignore_errors=True)
    return result


def index_r_repo(contrib: str | os.PathLike[str]) -> None:
    """`tools::write_PACKAGES(contrib, type='source')`: PACKAGES, PACKAGES.gz and PACKAGES.rds."""
    contrib = Path(contrib)
    proc = subprocess.run(
        [r_tool("Rscript"), "--vanilla", "-e", f"tools::write_PACKAGES({json.dumps(str(contrib))}, type='source')"],
        capture_output=True, text=True, env=clean_r_env(), timeout=120,
    )
    missing = [n for n in ("PACKAGES", "PACKAGES.gz", "PACKAGES.rds") if not (contrib / n).is_file()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"write_PACKAGES in {contrib} failed (exit {proc.returncode}, missing {missing}):\n"
                           f"{proc.stdout}\n{proc.stderr}")


def parse_dcf(text: str) -> list[dict[str, str]]:
    """The records of a Debian control file (PACKAGES), continuation lines joined with a space."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                records.append(current)
            current, key = {}, None
        elif line[0] in " \t" and key is not None:
            current[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            current[key] = value.strip()
    if current:
        records.append(current)
    return records


def build_r_repo(root: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Builds R_PACKAGES (`R CMD build`, offline) into root/src/contrib and indexes it with write_PACKAGES.

    The package sources are written under root/../r-src. Returns {tarball
    filename: {"name", "version", "md5", "sha256", "path"}}; checks that
    PACKAGES lists each tarball with its MD5sum.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = Path(root)
    contrib = root / "src" / "contrib"
    work = root.parent / f"{root.name}-r-src"
    contrib.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(R_PACKAGES)) as pool:
        paths = list(pool.map(lambda item: make_r_package(work, contrib, item[0], **item[1]), R_PACKAGES.items()))
    index_r_repo(contrib)
    info: dict[str, dict[str, Any]] = {}
    for (name, spec), path in zip(R_PACKAGES.items(), paths):
        data = path.read_bytes()
        info[path.name] = dict(name=name, version=spec["version"], md5=hashlib.md5(data).hexdigest(),
                               sha256=sha256_bytes(data), path=path)
    listed = {r.get("Package"): r for r in parse_dcf((contrib / "PACKAGES").read_text())}
    for filename, item in info.items():
        record = listed.get(item["name"])
        if record is None or record.get("Version") != item["version"] or record.get("MD5sum") != item["md5"]:
            raise RuntimeError(f"{contrib}/PACKAGES does not list {filename} with its MD5sum: {record}")
    return info


# --------------------------------------------------------------------------
# Depot
# --------------------------------------------------------------------------


class DepotServer:
    """`depot serve` on a free loopback port with its own data directory."""

    def __init__(
        self, binary: str | os.PathLike[str], data_dir: str | os.PathLike[str], admin_password: str,
        token: str | None = None,
    ):
        """`token`: an API token minted earlier for this data directory (a restart reuses it)."""
        self.binary = str(Path(binary).resolve())
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.admin_password = admin_password
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir.parent / f"depot-{self.port}.log"
        self._token: str | None = token
        self.env = dict(os.environ)
        self.env["DEPOT_ADMIN_PASSWORD"] = admin_password
        self.env["DEPOT_BCRYPT_COST"] = "4"
        self._log_file = open(self.log_path, "wb")
        deadline = time.monotonic() + 10
        while True:
            try:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_dir)],
                    cwd=str(ROOT), env=self.env, stdin=subprocess.DEVNULL,
                    stdout=self._log_file, stderr=subprocess.STDOUT,
                )
                break
            except OSError as e:
                # ETXTBSY: the binary is being relinked right now (a build in progress).
                if e.errno != errno.ETXTBSY or time.monotonic() > deadline:
                    self._log_file.close()
                    raise
                time.sleep(0.5)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return self.base

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"depot exited with code {self.proc.returncode} before answering /healthz")
            try:
                status, _, body = http_request(self.base + "/healthz", timeout=2)
                text = body.decode("utf-8", "replace").strip()
                if status == 200 and text == "ok":
                    return
                last = f"HTTP {status} {text[:200]!r}"
            except (urllib.error.URLError, OSError) as e:
                last = str(e)
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer 200 'ok' within {HEALTH_TIMEOUT} s (last: {last})")

    def stop(self) -> int | None:
        """SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit code."""
        try:
            if self.proc.poll() is None:
                try:
                    self.proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=SHUTDOWN_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.stopped_in_time = False
                    self.proc.kill()
                    try:
                        self.proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
            return self.proc.returncode
        finally:
            if not self._log_file.closed:
                self._log_file.close()

    stopped_in_time = True

    def kill(self) -> int | None:
        """SIGKILL right away (a crash: no graceful shutdown). Returns the exit code."""
        try:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            return self.proc.returncode
        finally:
            if not self._log_file.closed:
                self._log_file.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError as e:
            return f"(no log: {e})"

    def token(self) -> str:
        """An API token for admin, minted once with `depot token create`."""
        if self._token is None:
            proc = subprocess.run(
                [self.binary, "token", "create", "admin", "--data", str(self.data_dir), "--name", "e2e"],
                cwd=str(ROOT), env=self.env, capture_output=True, text=True, timeout=60,
            )
            lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
            if proc.returncode != 0 or not lines:
                raise RuntimeError(
                    f"depot token create failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
            self._token = lines[-1]
        return self._token

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """JSON API call as admin. Returns (status, parsed JSON or text); never raises on 4xx/5xx."""
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, _, raw = http_request(self.base + path, method=method, headers=headers, data=data)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text


# --------------------------------------------------------------------------
# A logged-in web session without a browser
# --------------------------------------------------------------------------


class WebSession:
    """Logs in through /login (CSRF token from the form) and keeps the session cookie."""

    def __init__(self, base: str, user: str, password: str):
        import http.cookiejar
        import re

        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar))
        status, _, body = self.get("/login")
        if status != 200:
            raise RuntimeError(f"GET /login answered {status}")
        match = re.search(rb'name="_csrf" value="([^"]*)"', body)
        if not match:
            raise RuntimeError("the login form has no _csrf field")
        form = urllib.parse.urlencode({
            "_csrf": match.group(1).decode(), "next": "", "username": user, "password": password,
        }).encode()
        status, _, body = self.request("/login", method="POST", data=form,
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200 or b'id="logout-form"' not in body:
            raise RuntimeError(f"logging in as {user} answered {status} without a logout form")

    def request(
        self, path: str, method: str = "GET", data: bytes | None = None,
        headers: dict[str, str] | None = None, timeout: float = 30,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request with the session cookie (redirects followed); never raises on an HTTP status."""
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as e:
            try:
                body = e.read()
            except Exception:  # noqa: BLE001
                body = b""
            return e.code, {k.lower(): v for k, v in (e.headers or {}).items()}, body

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        return self.request(path, timeout=timeout)


# --------------------------------------------------------------------------
# Test scaffolding: step failures, small helpers, mirror polling, the runner
# --------------------------------------------------------------------------

MIRROR_POLL_INTERVAL = 0.2
TERMINAL_BAD = {"failed", "stopped", "interrupted"}  # mirror/run states that end a wait for "completed"


class StepFailure(AssertionError):
    """A step's expectation failed; the runner prints only its message (no traceback)."""


def check(condition: Any, message: str) -> None:
    if not condition:
        raise StepFailure(message)


def short(value: Any, limit: int = 600) -> str:
    """value (bytes, text or JSON) as text, cut to `limit` characters."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def q(segment: str) -> str:
    """One URL path segment, percent-encoded."""
    return urllib.parse.quote(segment, safe="")


def reasoned_items(value: Any) -> list[dict]:
    """Every object with a string "reason" anywhere in a JSON value."""
    found: list[dict] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("reason"), str):
                found.append(v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    return found


def wait_mirror(depot: DepotServer | None, mirror_id: str, timeout: float,
                poll_interval: float = MIRROR_POLL_INTERVAL) -> dict:
    """Polls GET /api/v1/mirrors/<id> until its status is "completed"; returns that answer.

    StepFailure when it ends failed/stopped/interrupted, when the GET answers
    anything but 200, or when `timeout` seconds pass.
    """
    assert depot is not None
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        status, body = depot.api("GET", f"/api/v1/mirrors/{q(mirror_id)}")
        last = (status, body)
        if status == 200 and isinstance(body, dict):
            state = body.get("status")
            if state == "completed":
                return body
            if state in TERMINAL_BAD:
                raise StepFailure(f"mirror {mirror_id} ended {state!r}: {short(body, 2000)}")
        elif status != 200:
            raise StepFailure(f"GET /api/v1/mirrors/{mirror_id} answered {status}: {short(body)}")
        time.sleep(poll_interval)
    raise StepFailure(f"mirror {mirror_id} not completed within {timeout} s; last answer {short(last, 2000)}")


def log_mark(depot: DepotServer | None) -> int:
    """The current length of Depot's log, for `logged_paths`."""
    assert depot is not None
    return len(depot.log())


def logged_paths(depot: DepotServer | None, mark: int, prefix: str,
                 wait_for: Callable[[list[tuple[str, str]]], bool] | None = None,
                 timeout: float = 3.0) -> list[tuple[str, str]]:
    """(path, status) of each request line Depot logged since mark whose path starts with prefix.

    With `wait_for`, re-reads the log (up to `timeout` s) until it accepts the list.
    """
    assert depot is not None
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for line in depot.log()[mark:].splitlines():
            m = re.search(r"\bpath=(\S+)", line)
            if m and m.group(1).startswith(prefix):
                s = re.search(r"\bstatus=(\d+)", line)
                found.append((m.group(1), s.group(1) if s else "?"))
        if wait_for is None or wait_for(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


class DepotSteps:
    """What the end-to-end tests share: JSON API calls to the Depot under test, and stopping it and its upstream."""

    depot: DepotServer | None = None
    upstream: Any = None

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        assert self.depot is not None
        return self.depot.api(method, path, body)

    def expect_created(self, method: str, path: str, body: Any) -> Any:
        status, answer = self.api(method, path, body)
        check(status == 201, f"{method} {path} {short(body)} answered {status}: {short(answer)}")
        return answer

    def run_details(self, mirror_id: str) -> dict:
        """View Details (GET …/runs/<run>/details) of the mirror's newest run."""
        status, runs = self.api("GET", f"/api/v1/mirrors/{q(mirror_id)}/runs")
        check(status == 200 and isinstance(runs, dict) and runs.get("items"),
              f"GET /api/v1/mirrors/{mirror_id}/runs answered {status}: {short(runs)}")
        run_id = runs["items"][0].get("id")
        check(run_id is not None, f"runs[0] has no id: {short(runs)}")
        path = f"/api/v1/mirrors/{q(mirror_id)}/runs/{q(str(run_id))}/details"
        status, details = self.api("GET", path)
        check(status == 200 and isinstance(details, dict), f"GET {path} answered {status}: {short(details)}")
        return details

    def report_failure(self) -> None:
        """Prints the last 400 lines of the Depot log and the upstream's request counts."""
        if self.depot is not None:
            lines = self.depot.log().splitlines()
            if len(lines) > 400:
                lines = [f"… ({len(lines) - 400} earlier lines in {self.depot.log_path})"] + lines[-400:]
            print("---- depot log ----")
            print("\n".join(lines))
        if self.upstream is not None:
            print("---- upstream requests ----")
            print(self.upstream.describe())

    def cleanup(self) -> None:
        self.stop_servers()

    def stop_servers(self) -> None:
        for server in (self.depot, self.upstream):
            if server is None:
                continue
            try:
                server.stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()


def check_sigterm_exit(depot: DepotServer | None) -> None:
    """Stops Depot with SIGTERM; it must exit 0 within the shutdown timeout."""
    assert depot is not None
    code = depot.stop()
    check(depot.stopped_in_time, "depot did not exit within 10 s of SIGTERM (killed)")
    check(code == 0, f"depot exited with code {code} after SIGTERM, expected 0")


def run_main(
    label: str,
    doc: str | None,
    tmp_prefix: str,
    make_test: Callable[[argparse.Namespace, Path], Any],
    *,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    needs_binary: Callable[[argparse.Namespace], bool] = lambda args: True,
    timing: str | None = None,
    keep_on_failure: bool = False,
    print_total: bool = False,
) -> int:
    """The `main()` of a step-based end-to-end script; returns its exit code.

    Parses --binary and --keep (plus `add_arguments`), checks that the binary
    exists (when `needs_binary(args)`), makes a temporary directory and the
    test with `make_test(args, tmp)` (an object with `steps()` -> [(name,
    step)], `report_failure()` and `cleanup()`), runs the steps in order
    printing `ok   <name>` (with `timing` "total": the seconds since the start,
    "step": the step's own seconds) and a step's non-empty return value on the
    next line, stops at the first failure (`FAIL <name>`, the message of a
    StepFailure or else the traceback, then `report_failure()`), cleans up,
    removes the temporary directory (unless --keep, DEPOT_E2E_KEEP or, with
    `keep_on_failure`, a failure) and prints `<label>: N passed, M failed`.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "debug" / "depot"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()

    if needs_binary(args) and not Path(args.binary).is_file():
        print(f"no depot binary at {args.binary}")
        print(f"{label}: 0 passed, 1 failed")
        return 1

    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix))
    test = make_test(args, tmp)
    passed = failed = 0
    started = time.monotonic()
    try:
        for name, step in test.steps():
            t = time.monotonic()
            try:
                detail = step()
            except Exception as e:  # noqa: BLE001
                failed += 1
                print(f"FAIL {name}")
                if isinstance(e, StepFailure):
                    print(f"     {e}")
                else:
                    traceback.print_exc(file=sys.stdout)
                test.report_failure()
                break
            passed += 1
            if timing == "total":
                print(f"ok   {name}  ({time.monotonic() - started:.1f} s)", flush=True)
            elif timing == "step":
                print(f"ok   {name} ({time.monotonic() - t:.1f} s)", flush=True)
            else:
                print(f"ok   {name}", flush=True)
            if detail:
                print(f"     {detail}", flush=True)
    finally:
        test.cleanup()
        if args.keep or os.environ.get("DEPOT_E2E_KEEP") or (keep_on_failure and failed):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if print_total:
        print(f"     total {time.monotonic() - started:.1f} s")
    print(f"{label}: {passed} passed, {failed} failed")
    return 1 if failed else 0


def exit_now(code: int) -> None:
    """Flushes stdout/stderr and leaves with `os._exit`, skipping interpreter finalization.

    For scripts whose native threads (py-rattler's tokio runtime, a browser
    driver) can crash the interpreter while it finalizes.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
