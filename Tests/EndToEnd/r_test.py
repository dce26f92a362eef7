#!/usr/bin/env python3
"""End-to-end test of Depot's R (CRAN-like) mirroring with R's own install.packages.

Builds three tiny real R source packages with `R CMD build` (offline):
`depotalpha` 1.0 (GPL-2), `depotbeta` 2.0 (MIT + file LICENSE, imports
depotalpha) and `depotagpl` 0.1 (AGPL-3), indexes them with
`tools::write_PACKAGES` and serves the repository from loopback
(`fixtures.UpstreamServer`, which counts GETs per path). Then it starts a real
`depot serve`, mirrors the repository through the JSON API and installs from
Depot with `Rscript`:

  a. fixtures built and indexed, upstream and Depot started; org and the
     public channels r-active and r-passive created.
  d. (run first, see below) a passive mirror (license_exclude AGPL-3) into
     r-passive completes without downloading tarballs; install.packages
     installs depotbeta (and depotalpha) through it with exactly one upstream
     GET per tarball installed; a second install into a new library makes no
     further tarball GET.
  b. an active mirror with license_exclude AGPL-3 completes; its run details
     list depotagpl with reason "license"; PACKAGES (and PACKAGES.gz) list
     depotalpha and depotbeta only, with the fixtures' MD5sums.
  c. install.packages("depotbeta") from r-active installs depotbeta and
     depotalpha, and beta() answers "alpha beta"; R asked Depot for
     PACKAGES.rds first (and, as it could read it, for neither PACKAGES.gz nor
     PACKAGES); available.packages() does not list depotagpl, and installing
     it fails with "not available".
  e. depotalpha 1.1 replaces 1.0 upstream (1.0 moves to Archive/, as on
     CRAN); a new run of the active mirror publishes 1.1, and
     src/contrib/Archive/depotalpha/depotalpha_1.0.tar.gz answers 200 with the
     1.0 bytes (kept by the active mirror: no upstream GET for it).
  g. Windows binaries: the setup also zips each built package (a folder
     <pkg>/ with its DESCRIPTION, as a Windows binary is), indexes them with
     `tools::write_PACKAGES(type = "win.binary")` plus the MD5sum CRAN's
     binary indexes carry, and serves them under
     bin/windows/contrib/<this R's major.minor>/. Both mirrors publish
     bin/windows/contrib/<x.y>/PACKAGES with depotalpha and depotbeta (not
     depotagpl) and the zips' MD5sums; the passive run downloads no zip. In
     R, available.packages(type = "win.binary") lists depotalpha and
     depotbeta, and download.packages("depotalpha", type = "win.binary")
     gives the upstream zip (same MD5): through r-passive with exactly one
     upstream GET of that zip, through r-active with none.
  f. SIGTERM exits 0.

The passive mirror runs before the active one on purpose (as in
python_test.py and conda_test.py): Depot's blob store is shared by all
channels, so "exactly one upstream GET per installed tarball" only means
something while no other mirror has stored those tarballs yet.

Usage (R from Debian's r-base-core, which scripts/e2e-setup.sh installs):

    .venv-e2e/bin/python Tests/EndToEnd/r_test.py --binary .build/debug/depot

Prints `ok   <step>` per passed step and stops at the first failure (then
prints the Depot log and the upstream request counts). The last line is
`r: N passed, M failed`; the exit code is non-zero on failure.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import (  # noqa: E402
    TERMINAL_BAD, DepotServer, StepFailure, UpstreamServer, check, http_request, parse_dcf, q, reasoned_items,
    sha256_bytes, short,
)

ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "re2e"
MIRROR_TIMEOUT = 45
POLL_INTERVAL = 0.2
CLIENT_TIMEOUT = 120
PUBLISHED = {"depotalpha", "depotbeta"}  # what the channels should publish
LICENSE_EXCLUDE = ["AGPL-3"]
DEPOT_R_VERSIONS = ["4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]  # RContribDirectory.rVersions

# install.packages into a library, then load depotbeta from it and call beta().
R_INSTALL = r"""
args <- commandArgs(trailingOnly = TRUE)
repo <- args[1]; lib <- args[2]
options(warn = 1, useFancyQuotes = FALSE)
.libPaths(c(lib, .libPaths()))
install.packages("depotbeta", repos = repo, lib = lib, type = "source")
library(depotbeta, lib.loc = lib)
stopifnot(beta() == "alpha beta")
cat("RESULT", beta(), "\n")
ip <- installed.packages(lib.loc = lib)
cat("INSTALLED", paste(ip[, "Package"], ip[, "Version"], sep = "=", collapse = " "), "\n")
"""

# Turns a folder of <pkg>_<version>.zip into a Windows binary repository directory: write_PACKAGES, then the
# MD5sum of each file, which CRAN's binary indexes carry and write_PACKAGES adds only for source packages.
R_WIN_INDEX = r"""
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
tools::write_PACKAGES(dir, type = "win.binary")
db <- read.dcf(file.path(dir, "PACKAGES"))
files <- file.path(dir, paste0(db[, "Package"], "_", db[, "Version"], ".zip"))
db <- cbind(db, MD5sum = unname(tools::md5sum(files)))
write.dcf(db, file.path(dir, "PACKAGES"))
con <- gzfile(file.path(dir, "PACKAGES.gz"), "wt"); write.dcf(db, con); close(con)
saveRDS(db, file.path(dir, "PACKAGES.rds"), compress = "xz")
cat("INDEXED", nrow(db), "\n")
"""

# available.packages and download.packages of Windows binaries, on any platform.
R_WIN_BINARY = r"""
args <- commandArgs(trailingOnly = TRUE)
repo <- args[1]; dest <- args[2]
options(warn = 1, useFancyQuotes = FALSE)
cat("CONTRIB", contrib.url(repo, type = "win.binary"), "\n")
ap <- available.packages(repos = repo, type = "win.binary")
cat("AVAILABLE", paste(ap[, "Package"], ap[, "Version"], sep = "=", collapse = " "), "\n")
got <- download.packages("depotalpha", destdir = dest, repos = repo, type = "win.binary")
stopifnot(nrow(got) == 1)
cat("DOWNLOADED", basename(got[1, 2]), unname(tools::md5sum(got[1, 2])), "\n")
"""

# available.packages, PACKAGES.rds read directly, and install.packages of an excluded package.
R_AVAILABLE = r"""
args <- commandArgs(trailingOnly = TRUE)
repo <- args[1]; lib <- args[2]; rds <- args[3]
options(warn = 1, useFancyQuotes = FALSE)
ap <- available.packages(repos = repo, type = "source")
cat("AVAILABLE", paste(ap[, "Package"], ap[, "Version"], sep = "=", collapse = " "), "\n")
m <- readRDS(rds)
stopifnot(is.matrix(m), is.character(m), "Package" %in% colnames(m))
cat("RDS", paste(m[, "Package"], m[, "Version"], sep = "=", collapse = " "), "\n")
withCallingHandlers(
    install.packages("depotagpl", repos = repo, lib = lib, type = "source"),
    warning = function(w) { cat("WARNING", conditionMessage(w), "\n"); invokeRestart("muffleWarning") })
cat("AGPL_INSTALLED", dir.exists(file.path(lib, "depotagpl")), "\n")
"""


def mentions(item: dict, name: str) -> bool:
    """The item names the package `name` (as a name or a tarball) in a field other than reason/detail."""
    pattern = re.compile(rf"(^|/){re.escape(name)}($|_)")
    return any(isinstance(v, str) and pattern.search(v) for k, v in item.items() if k not in ("reason", "detail"))


def tagged(stdout: str, tag: str) -> list[str] | None:
    """The words after `tag` on the last stdout line starting with it (None when there is none)."""
    lines = [line for line in stdout.splitlines() if line.startswith(tag + " ") or line == tag]
    return lines[-1].split()[1:] if lines else None


class RTest(fixtures.DepotSteps):
    def __init__(self, binary: str, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.up = tmp / "upstream"
        self.contrib = self.up / "src" / "contrib"
        self.files: dict[str, dict[str, Any]] = {}
        self.upstream: UpstreamServer | None = None
        self.depot: DepotServer | None = None
        self.mirrors: dict[str, str] = {}
        self.passive_baseline: dict[str, int] = {}
        self.old_alpha: bytes = b""
        self.r_version = ""  # this R's major.minor: the Windows binary directory served upstream
        self.zips: dict[str, dict[str, Any]] = {}

    # -- helpers ----------------------------------------------------------

    def repo(self, channel: str) -> str:
        assert self.depot is not None
        return f"{self.depot.base}/api/repo/{channel}/cran"

    def create_mirror(self, channel: str, mode: str) -> str:
        assert self.upstream is not None
        body = {
            "name": "cran", "type": "r", "mode": mode, "source_url": self.upstream.url + "/",
            "license_exclude": LICENSE_EXCLUDE, "exclude": "", "include": "", "run_now": True,
        }
        path = f"/api/v1/channels/{q(channel)}/mirrors"
        status, answer = self.api("POST", path, body)
        check(status == 201, f"POST {path} {short(body)} answered {status}: {short(answer)}")
        check(isinstance(answer, dict) and answer.get("id") is not None,
              f"mirror creation answered no \"id\": {short(answer)}")
        check(answer.get("type") == "r", f"mirror created with type {answer.get('type')!r}, expected \"r\": {short(answer)}")
        check(answer.get("license_exclude") == LICENSE_EXCLUDE,
              f"mirror created with license_exclude {answer.get('license_exclude')!r}, expected {LICENSE_EXCLUDE}")
        self.mirrors[channel] = str(answer["id"])
        return str(answer["id"])

    def wait_mirror(self, mirror_id: str) -> dict:
        return fixtures.wait_mirror(self.depot, mirror_id, MIRROR_TIMEOUT, POLL_INTERVAL)

    def wait_run(self, mirror_id: str, run_id: str) -> dict:
        path = f"/api/v1/mirrors/{q(mirror_id)}/runs/{q(run_id)}"
        deadline = time.monotonic() + MIRROR_TIMEOUT
        last: Any = None
        while time.monotonic() < deadline:
            status, body = self.api("GET", path)
            last = (status, body)
            check(status == 200 and isinstance(body, dict), f"GET {path} answered {status}: {short(body)}")
            state = body.get("status")
            if state == "completed":
                return body
            if state in TERMINAL_BAD:
                raise StepFailure(f"run {run_id} of mirror {mirror_id} ended {state!r}: {short(body, 2000)}")
            time.sleep(POLL_INTERVAL)
        raise StepFailure(f"run {run_id} of mirror {mirror_id} not completed within {MIRROR_TIMEOUT} s; "
                          f"last answer {short(last, 2000)}")

    def get(self, url: str) -> tuple[int, dict[str, str], bytes]:
        return http_request(url)

    def packages_index(self, channel: str) -> dict[str, dict[str, str]]:
        """PACKAGES of the channel by package name; PACKAGES.gz must say the same."""
        url = self.repo(channel) + "/src/contrib/PACKAGES"
        status, _, body = self.get(url)
        check(status == 200, f"GET {url} answered {status}: {short(body)}")
        records = parse_dcf(body.decode("utf-8", "replace"))
        by_name = {r.get("Package", "?"): r for r in records}
        check(len(by_name) == len(records), f"GET {url} lists a package twice: {short(body, 2000)}")
        status, _, gz = self.get(url + ".gz")
        check(status == 200, f"GET {url}.gz answered {status}: {short(gz)}")
        try:
            unzipped = gzip.decompress(gz)
        except (OSError, EOFError) as e:
            raise StepFailure(f"GET {url}.gz is not gzip ({e}): {short(gz)}") from None
        check(parse_dcf(unzipped.decode("utf-8", "replace")) == records,
              f"{url}.gz says something else than PACKAGES:\n{short(unzipped, 2000)}\n---\n{short(body, 2000)}")
        return by_name

    def check_index(self, channel: str, versions: dict[str, str]) -> dict[str, dict[str, str]]:
        """PACKAGES lists exactly `versions` ({name: version}) with the fixtures' MD5sums."""
        listed = self.packages_index(channel)
        got = {n: r.get("Version") for n, r in listed.items()}
        check(got == versions, f"{channel}: PACKAGES lists {got}, expected {versions}")
        for name, version in versions.items():
            item = self.files[f"{name}_{version}.tar.gz"]
            check(listed[name].get("MD5sum") == item["md5"],
                  f"{channel}: PACKAGES gives {name} {version} MD5sum {listed[name].get('MD5sum')!r}, "
                  f"the tarball's is {item['md5']}")
        return listed

    def upstream_tarball_gets(self, since: dict[str, int], suffix: str = ".tar.gz") -> dict[str, int]:
        assert self.upstream is not None
        now = self.upstream.snapshot()
        diff = {p: n - since.get(p, 0) for p, n in now.items() if p.endswith(suffix)}
        return {p: n for p, n in diff.items() if n}

    @property
    def win_dir(self) -> str:
        return f"bin/windows/contrib/{self.r_version}"

    def build_windows_binaries(self) -> None:
        """Zips each built source package as a Windows binary (its <pkg>/ folder) into bin/windows/contrib/<x.y>/."""
        proc = subprocess.run(
            [fixtures.r_tool("Rscript"), "--vanilla", "-e",
             'cat(R.version$major, sub("[.].*", "", R.version$minor), sep = ".")'],
            capture_output=True, text=True, env=fixtures.clean_r_env(), timeout=CLIENT_TIMEOUT)
        check(proc.returncode == 0 and re.fullmatch(r"\d+\.\d+", proc.stdout.strip()),
              f"could not read R's version: {proc.stdout!r} {proc.stderr[-2000:]}")
        self.r_version = proc.stdout.strip()
        check(self.r_version in DEPOT_R_VERSIONS,
              f"this R is {self.r_version}; Depot looks for binaries of R {DEPOT_R_VERSIONS} only "
              "(RContribDirectory.rVersions): add it there")
        out = self.up / self.win_dir
        out.mkdir(parents=True)
        for item in self.files.values():
            # The tarball's files (all below <pkg>/) go into the zip as they are.
            zip_path = out / f"{item['name']}_{item['version']}.zip"
            with tarfile.open(item["path"]) as tar, zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
                for member in tar.getmembers():
                    check(member.name.startswith(item["name"] + "/") and ".." not in member.name.split("/"),
                          f"{item['path']} holds {member.name!r}")
                    if member.isfile():
                        z.writestr(member.name, tar.extractfile(member).read())
            data = zip_path.read_bytes()
            self.zips[zip_path.name] = dict(name=item["name"], version=item["version"], md5=hashlib.md5(data).hexdigest(),
                                            path=zip_path)
        proc = self.rscript(R_WIN_INDEX, str(out), label="win-index")
        check(proc.returncode == 0 and tagged(proc.stdout, "INDEXED") == [str(len(self.zips))],
              f"indexing the Windows binaries failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        listed = {r["Package"]: r for r in parse_dcf((out / "PACKAGES").read_text())}
        for zip_name, item in self.zips.items():
            check(listed.get(item["name"], {}).get("MD5sum") == item["md5"],
                  f"{out}/PACKAGES does not list {zip_name} with its MD5sum: {listed.get(item['name'])}")

    def check_win_index(self, channel: str) -> None:
        """bin/windows/contrib/<x.y>/PACKAGES (and .gz) of the channel list depotalpha and depotbeta with the zips' MD5sums."""
        url = f"{self.repo(channel)}/{self.win_dir}/PACKAGES"
        status, _, body = self.get(url)
        check(status == 200, f"GET {url} answered {status}: {short(body)}")
        listed = {r.get("Package"): r for r in parse_dcf(body.decode("utf-8", "replace"))}
        check(set(listed) == PUBLISHED, f"GET {url} lists {sorted(listed)}, expected {sorted(PUBLISHED)}")
        for name in PUBLISHED:
            item = self.zips[f"{name}_{fixtures.R_PACKAGES[name]['version']}.zip"]
            check(listed[name].get("MD5sum") == item["md5"],
                  f"{url} gives {name} MD5sum {listed[name].get('MD5sum')!r}, the zip's is {item['md5']}")
        status, _, gz = self.get(url + ".gz")
        check(status == 200 and parse_dcf(gzip.decompress(gz).decode("utf-8", "replace")) == parse_dcf(body.decode()),
              f"GET {url}.gz answered {status} and does not say what PACKAGES says")

    def r_win_binary(self, channel: str, label: str) -> None:
        """available.packages(type = "win.binary") lists depotalpha and depotbeta; download.packages gives depotalpha's zip."""
        dest = self.tmp / "downloads" / label
        dest.mkdir(parents=True)
        proc = self.rscript(R_WIN_BINARY, self.repo(channel), str(dest), label=label)
        what = f"available/download.packages(type = \"win.binary\") from {channel}"
        check(proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        contrib = tagged(proc.stdout, "CONTRIB")
        check(contrib == [f"{self.repo(channel)}/{self.win_dir}"], f"{what}: R's contrib.url is {contrib}")
        available = tagged(proc.stdout, "AVAILABLE")
        check(available is not None and sorted(available) == ["depotalpha=1.0", "depotbeta=2.0"],
              f"{what}: available.packages lists {available}, expected depotalpha=1.0 depotbeta=2.0\n{proc.stderr[-2000:]}")
        item = self.zips["depotalpha_1.0.zip"]
        downloaded = tagged(proc.stdout, "DOWNLOADED")
        check(downloaded == ["depotalpha_1.0.zip", item["md5"]],
              f"{what}: download.packages gave {downloaded}, expected depotalpha_1.0.zip with MD5 {item['md5']}\n{proc.stderr[-2000:]}")

    def rscript(self, script: str, *args: str, label: str) -> subprocess.CompletedProcess:
        path = self.tmp / "r-scripts" / (re.sub(r"\W+", "-", label) + ".R")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script)
        cmd = [fixtures.r_tool("Rscript"), "--vanilla", str(path), *args]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=fixtures.clean_r_env(), timeout=CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise StepFailure(f"{label} took over {CLIENT_TIMEOUT} s: {' '.join(cmd)}") from None

    def r_install(self, channel: str, lib_name: str) -> None:
        """install.packages("depotbeta") from the channel into a new library; beta() answers "alpha beta"."""
        lib = self.tmp / "libs" / lib_name
        lib.mkdir(parents=True)
        proc = self.rscript(R_INSTALL, self.repo(channel), str(lib), label=f"install-{lib_name}")
        what = f"install.packages(\"depotbeta\") from {channel} into {lib_name}"
        check(proc.returncode == 0,
              f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        installed = tagged(proc.stdout, "INSTALLED")
        check(installed is not None and sorted(installed) == ["depotalpha=1.0", "depotbeta=2.0"],
              f"{what}: the library holds {installed}, expected depotalpha=1.0 depotbeta=2.0\n{proc.stderr[-3000:]}")
        check(tagged(proc.stdout, "RESULT") == ["alpha", "beta"],
              f"{what}: beta() answered {tagged(proc.stdout, 'RESULT')}\n{proc.stdout[-2000:]}")

    def log_mark(self) -> int:
        return fixtures.log_mark(self.depot)

    def logged_paths(self, mark: int, prefix: str, wait_for: Callable[[list[tuple[str, str]]], bool] | None = None,
                     timeout: float = 3.0) -> list[tuple[str, str]]:
        return fixtures.logged_paths(self.depot, mark, prefix, wait_for, timeout)

    # -- steps ------------------------------------------------------------

    def step_setup(self) -> None:
        self.files = fixtures.build_r_repo(self.up)
        want = sorted(f"{n}_{s['version']}.tar.gz" for n, s in fixtures.R_PACKAGES.items())
        check(sorted(self.files) == want, f"fixture tarballs {sorted(self.files)}, expected {want}")
        self.build_windows_binaries()
        self.upstream = UpstreamServer(self.up)
        self.depot = DepotServer(self.binary, self.tmp / "data", ADMIN_PASSWORD)
        self.depot.token()
        self.expect_created("POST", "/api/v1/orgs", {"name": ORG})
        for channel in ("r-active", "r-passive"):
            self.expect_created("POST", "/api/v1/channels", {"org": ORG, "name": channel, "privacy": "public"})

    # passive (d) ------------------------------------------------------------

    def step_passive_mirror(self) -> None:
        assert self.upstream is not None
        self.passive_baseline = self.upstream.snapshot()
        mirror_id = self.create_mirror("r-passive", "passive")
        self.wait_mirror(mirror_id)
        gets = self.upstream_tarball_gets(self.passive_baseline)
        check(not gets, f"the passive run downloaded tarballs from upstream: {gets}")
        zips = self.upstream_tarball_gets(self.passive_baseline, ".zip")
        check(not zips, f"the passive run downloaded Windows binaries from upstream: {zips}")
        self.check_index("r-passive", {"depotalpha": "1.0", "depotbeta": "2.0"})
        self.check_win_index("r-passive")

    def step_passive_binary(self) -> None:
        assert self.upstream is not None
        before = self.upstream.snapshot()
        self.r_win_binary("r-passive", "passive-binary")
        gets = self.upstream_tarball_gets(before, ".zip")
        expected = {f"/{self.win_dir}/depotalpha_1.0.zip": 1}
        check(gets == expected, f"upstream GETs of zips for download.packages through r-passive: {gets}, expected {expected}")

    def step_passive_install(self) -> None:
        mark = self.log_mark()
        self.r_install("r-passive", "passive-1")
        prefix = "/api/repo/r-passive/cran/src/contrib/"
        tarballs = {"depotalpha_1.0.tar.gz", "depotbeta_2.0.tar.gz"}

        def fetched(found: list[tuple[str, str]]) -> set[str]:
            return {p.rsplit("/", 1)[-1] for p, s in found if p.endswith(".tar.gz") and s == "200"}

        requested = fetched(self.logged_paths(mark, prefix, wait_for=lambda found: fetched(found) >= tarballs))
        check(requested == tarballs,
              f"R fetched {sorted(requested)} from Depot's r-passive (per Depot's log), expected {sorted(tarballs)}")
        gets = self.upstream_tarball_gets(self.passive_baseline)
        expected = {f"/src/contrib/{f}": 1 for f in sorted(tarballs)}
        check(gets == expected,
              f"upstream GETs of tarballs since the passive mirror was created: {gets}, expected {expected}")

    def step_passive_second_install(self) -> None:
        assert self.upstream is not None
        before = self.upstream.snapshot()
        self.r_install("r-passive", "passive-2")
        gets = self.upstream_tarball_gets(before)
        check(not gets, f"the second install through the passive mirror fetched tarballs from upstream: {gets}")

    # active (b) -------------------------------------------------------------

    def step_active_mirror(self) -> None:
        mirror_id = self.create_mirror("r-active", "active")
        self.wait_mirror(mirror_id)
        details = self.run_details(mirror_id)
        items = reasoned_items(details)
        agpl = [i for i in items if mentions(i, "depotagpl")]
        check(agpl, f"run details list nothing about depotagpl: {short(details, 2000)}")
        check(all(i["reason"] == "license" for i in agpl),
              f"run details give depotagpl the reasons {[i['reason'] for i in agpl]}, expected \"license\": {short(agpl)}")
        kept = [i for i in items if any(mentions(i, n) for n in PUBLISHED)]
        check(not kept, f"run details list depotalpha/depotbeta as filtered: {short(kept)}")
        self.check_index("r-active", {"depotalpha": "1.0", "depotbeta": "2.0"})
        self.check_win_index("r-active")
        status, _, body = self.get(f"{self.repo('r-active')}/{self.win_dir}/depotagpl_0.1.zip")
        check(status == 404, f"GET …/r-active/cran/{self.win_dir}/depotagpl_0.1.zip answered {status}, expected 404")
        status, _, body = self.get(self.repo("r-active") + "/src/contrib/depotagpl_0.1.tar.gz")
        check(status == 404, f"GET …/r-active/cran/src/contrib/depotagpl_0.1.tar.gz answered {status}, expected 404")

    # R against the active channel (c) -----------------------------------------

    def step_r_install(self) -> None:
        mark = self.log_mark()
        self.r_install("r-active", "active")
        prefix = "/api/repo/r-active/cran/"
        found = self.logged_paths(mark, prefix, wait_for=lambda f: sum(p.endswith(".tar.gz") for p, _ in f) >= 2)
        index_requests = [(p, s) for p, s in found if "/PACKAGES" in p]
        check(index_requests, f"Depot logged no request for an index under {prefix} (all: {found})")
        first = index_requests[0]
        check(first == (prefix + "src/contrib/PACKAGES.rds", "200"),
              f"R's first index request was {first}, expected ({prefix}src/contrib/PACKAGES.rds, 200); all: {found}")
        fallback = [p for p, _ in index_requests if not p.endswith("/PACKAGES.rds")]
        check(not fallback, f"R also asked for {fallback}: it could not read Depot's PACKAGES.rds (all: {found})")

    def step_r_available(self) -> None:
        rds = self.tmp / "PACKAGES.rds"
        url = self.repo("r-active") + "/src/contrib/PACKAGES.rds"
        status, headers, body = self.get(url)
        check(status == 200, f"GET {url} answered {status}: {short(body)}")
        check(body[:2] == b"\x1f\x8b", f"GET {url} is not gzip (starts {body[:8]!r}, Content-Type {headers.get('content-type')!r})")
        rds.write_bytes(body)
        lib = self.tmp / "libs" / "agpl"
        lib.mkdir(parents=True)
        proc = self.rscript(R_AVAILABLE, self.repo("r-active"), str(lib), str(rds), label="available")
        check(proc.returncode == 0, f"the available.packages script failed (exit {proc.returncode}):\n"
                                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        available = tagged(proc.stdout, "AVAILABLE")
        check(available is not None and sorted(available) == ["depotalpha=1.0", "depotbeta=2.0"],
              f"available.packages() from r-active lists {available}, expected depotalpha=1.0 depotbeta=2.0")
        from_rds = tagged(proc.stdout, "RDS")
        check(from_rds is not None and sorted(from_rds) == ["depotalpha=1.0", "depotbeta=2.0"],
              f"readRDS(PACKAGES.rds) lists {from_rds}, expected depotalpha=1.0 depotbeta=2.0")
        warnings = [line for line in proc.stdout.splitlines() if line.startswith("WARNING ")]
        check(any("depotagpl" in w and "not available" in w for w in warnings),
              f"install.packages(\"depotagpl\") gave no \"not available\" warning (warnings {warnings}):\n"
              f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        check(tagged(proc.stdout, "AGPL_INSTALLED") == ["FALSE"], f"depotagpl got installed:\n{proc.stdout[-2000:]}")

    def step_active_binary(self) -> None:
        assert self.upstream is not None
        before = self.upstream.snapshot()
        mark = self.log_mark()
        self.r_win_binary("r-active", "active-binary")
        gets = self.upstream_tarball_gets(before, ".zip")
        check(not gets, f"download.packages through the active r-active reached the upstream: {gets}")
        prefix = f"/api/repo/r-active/cran/{self.win_dir}/"
        found = self.logged_paths(mark, prefix, wait_for=lambda f: any(p.endswith(".zip") for p, _ in f))
        check((prefix + "depotalpha_1.0.zip", "200") in found, f"Depot logged no 200 for depotalpha_1.0.zip under {prefix}: {found}")
        indexes = [(p, s) for p, s in found if "/PACKAGES" in p]
        check(indexes and indexes[0] == (prefix + "PACKAGES.rds", "200"),
              f"R's first binary index request was not {prefix}PACKAGES.rds answering 200: {indexes}")

    # superseded version (e) -------------------------------------------------

    def step_superseded(self) -> None:
        assert self.upstream is not None
        old_name = "depotalpha_1.0.tar.gz"
        self.old_alpha = self.files[old_name]["path"].read_bytes()
        # As CRAN does: the new version in src/contrib, the old one moved to src/contrib/Archive/<pkg>/.
        archive_dir = self.contrib / "Archive" / "depotalpha"
        archive_dir.mkdir(parents=True)
        shutil.move(str(self.contrib / old_name), archive_dir / old_name)
        spec = dict(fixtures.R_PACKAGES["depotalpha"], version="1.1")
        new = fixtures.make_r_package(self.tmp / "upstream-r-src", self.contrib, "depotalpha", **spec)
        data = new.read_bytes()
        self.files[new.name] = dict(name="depotalpha", version="1.1", md5=hashlib.md5(data).hexdigest(),
                                    sha256=sha256_bytes(data), path=new)
        fixtures.index_r_repo(self.contrib)
        upstream_index = {r["Package"]: r["Version"] for r in parse_dcf((self.contrib / "PACKAGES").read_text())}
        check(upstream_index == {"depotalpha": "1.1", "depotbeta": "2.0", "depotagpl": "0.1"},
              f"the rebuilt upstream PACKAGES lists {upstream_index}")

        mirror_id = self.mirrors["r-active"]
        path = f"/api/v1/mirrors/{q(mirror_id)}/run"
        status, run = self.api("POST", path)
        check(status in (200, 201, 202) and isinstance(run, dict) and run.get("id") is not None,
              f"POST {path} answered {status}: {short(run)}")
        self.wait_run(mirror_id, str(run["id"]))
        self.wait_mirror(mirror_id)
        self.check_index("r-active", {"depotalpha": "1.1", "depotbeta": "2.0"})

        base = self.repo("r-active") + "/src/contrib/"
        status, _, body = self.get(base + new.name)
        check(status == 200 and body == data,
              f"GET {base}{new.name} answered {status} with sha256 {sha256_bytes(body)}, expected 200 and {sha256_bytes(data)}")
        before = self.upstream.snapshot()
        url = base + f"Archive/depotalpha/{old_name}"
        status, _, body = self.get(url)
        check(status == 200, f"GET {url} answered {status}, expected 200: {short(body)}")
        check(body == self.old_alpha,
              f"GET {url} answered {len(body)} bytes (sha256 {sha256_bytes(body)}), expected the 1.0 tarball "
              f"({len(self.old_alpha)} bytes, sha256 {sha256_bytes(self.old_alpha)})")
        gets = self.upstream_tarball_gets(before)
        check(not gets, f"serving the archived 1.0 tarball of the active mirror reached the upstream: {gets}")

    def step_shutdown(self) -> None:
        fixtures.check_sigterm_exit(self.depot)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("a. fixtures built and indexed, upstream and depot started, org and channels r-active, r-passive created",
             self.step_setup),
            ("d. passive mirror completed without downloading tarballs or zips, bin/windows index lists alpha and beta",
             self.step_passive_mirror),
            ("d. install.packages(depotbeta) through r-passive, one upstream GET per installed tarball",
             self.step_passive_install),
            ("d. second install through r-passive into a new library makes no upstream tarball GET",
             self.step_passive_second_install),
            ("g. win.binary through r-passive: available.packages lists alpha and beta, download.packages gives "
             "the upstream zip with one upstream GET", self.step_passive_binary),
            ("b. active mirror (license_exclude AGPL-3): depotagpl filtered for its licence, PACKAGES lists alpha and beta",
             self.step_active_mirror),
            ("c. install.packages(depotbeta) from r-active installs depotalpha too, beta() works, PACKAGES.rds read first",
             self.step_r_install),
            ("c. available.packages() lacks depotagpl, PACKAGES.rds readable, installing depotagpl is \"not available\"",
             self.step_r_available),
            ("g. win.binary through r-active: available.packages lists alpha and beta, download.packages gives "
             "the upstream zip without reaching upstream, PACKAGES.rds read first", self.step_active_binary),
            ("e. depotalpha 1.1 supersedes 1.0: PACKAGES lists 1.1, Archive/depotalpha/depotalpha_1.0.tar.gz has the old bytes",
             self.step_superseded),
            ("f. SIGTERM exits 0", self.step_shutdown),
        ]

    def report_failure(self) -> None:
        super().report_failure()
        print("----")


def main() -> int:
    return fixtures.run_main("r", __doc__, "depot-r-e2e-", lambda args, tmp: RTest(args.binary, tmp), timing="total")


if __name__ == "__main__":
    sys.exit(main())
