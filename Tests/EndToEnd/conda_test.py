#!/usr/bin/env python3
"""End-to-end test of Depot's conda mirroring with a real conda client.

Builds a small real conda channel (packages made by `cph create`, indexed by
py-rattler), serves it from a loopback HTTP server that counts downloads,
starts a real `depot serve`, mirrors the channel through the JSON API in
passive, active and private flavours and as Depot-from-Depot, and installs
from Depot with py-rattler (solve + install into a fresh prefix).

Usage (after `bash scripts/e2e-setup.sh`):

    .venv-e2e/bin/python Tests/EndToEnd/conda_test.py --binary .build/debug/depot

Prints `ok   <step>` per passed step and stops at the first failure (then
prints the Depot log and the upstream request counts). The last line is
`conda: N passed, M failed`; the exit code is non-zero on failure.

The passive mirror is exercised before the active one on purpose: its checks
count upstream downloads of package files ("none during the run", "exactly
one per installed file, however many clients ask"), which only mean something
while no other mirror has fetched (or stored, since the blob store is
content-addressed) those files yet.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import (  # noqa: E402
    DepotServer, StepFailure, UpstreamServer, check, http_request, q, read_zst, sha256_bytes, short,
)

ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "e2e"
MIRROR_TIMEOUT = 60
RATTLER_TIMEOUT = 120
SUBDIRS = ["linux-64", "noarch"]

HELLO_OLD = "depot-hello-1.0-0.tar.bz2"
HELLO = "depot-hello-1.1-0.conda"
TOOL = "depot-tool-2.0-h0_0.conda"
SUBDIR_OF = {HELLO_OLD: "noarch", HELLO: "noarch", TOOL: "linux-64"}


# --------------------------------------------------------------------------
# py-rattler
# --------------------------------------------------------------------------


def rattler_install(channel_url: str, specs: list[str], work: Path) -> tuple[Path, list[str]]:
    """Solves specs against channel_url and installs them into work/prefix.

    Uses a fresh cache under work/cache. Returns (prefix, record URLs).
    """
    from rattler import Channel, Gateway, VirtualPackage, install, solve

    work.mkdir(parents=True, exist_ok=False)
    prefix = work / "prefix"
    cache = work / "cache"

    async def run() -> list[str]:
        gateway = Gateway(cache_dir=cache / "gateway")
        records = await solve(
            sources=[Channel(channel_url)],
            specs=specs,
            gateway=gateway,
            platforms=SUBDIRS,
            virtual_packages=VirtualPackage.detect(),
        )
        await install(records, target_prefix=prefix, cache_dir=cache / "pkgs", show_progress=False)
        return [str(r.url) for r in records]

    async def bounded() -> list[str]:
        return await asyncio.wait_for(run(), RATTLER_TIMEOUT)

    try:
        urls = asyncio.run(bounded())
    except asyncio.TimeoutError:
        raise StepFailure(f"rattler solve+install of {specs} from {channel_url} took over {RATTLER_TIMEOUT} s") from None
    except Exception as e:  # rattler raises its own exception types
        raise StepFailure(f"rattler solve+install of {specs} from {channel_url} failed: {type(e).__name__}: {e}") from None
    return prefix, urls


def check_hello(prefix: Path, expected: str = "hello 1.1") -> None:
    hello = prefix / "share" / "depot-hello" / "hello.txt"
    check(hello.is_file(), f"{hello} was not installed")
    text = hello.read_text()
    check(expected in text, f"{hello} contains {text!r}, expected {expected!r}")


def check_tool(prefix: Path) -> None:
    tool = prefix / "bin" / "depot-tool"
    check(tool.is_file(), f"{tool} was not installed")


# --------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------


class CondaTest(fixtures.DepotSteps):
    def __init__(self, binary: str, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.hashes: dict[str, str] = {}
        self.upstream: UpstreamServer | None = None
        self.depot: DepotServer | None = None
        self.work_counter = 0

    # -- helpers ----------------------------------------------------------

    def fresh(self, label: str) -> Path:
        self.work_counter += 1
        return self.tmp / "clients" / f"{self.work_counter:02d}-{label}"

    def repo(self, path: str) -> str:
        assert self.depot is not None
        return f"{self.depot.base}/api/repo/{path}"

    def create_channel(self, name: str, privacy: str) -> None:
        self.expect_created("POST", "/api/v1/channels", {"org": ORG, "name": name, "privacy": privacy})

    def create_mirror(self, channel: str, mode: str, source_url: str) -> str:
        body = {
            "name": "upstream",
            "type": "conda",
            "mode": mode,
            "source_url": source_url,
            "subdirs": SUBDIRS,
            "run_now": True,
        }
        answer = self.expect_created("POST", f"/api/v1/channels/{q(channel)}/mirrors", body)
        check(isinstance(answer, dict) and answer.get("id") is not None,
              f"mirror creation answered no \"id\": {short(answer)}")
        return str(answer["id"])

    def wait_mirror(self, mirror_id: str) -> dict:
        return fixtures.wait_mirror(self.depot, mirror_id, MIRROR_TIMEOUT)

    def get_json(self, url: str, headers: dict[str, str] | None = None) -> tuple[dict, dict[str, str]]:
        status, hdrs, body = http_request(url, headers=headers)
        check(status == 200, f"GET {url} answered {status}: {short(body.decode('utf-8', 'replace'))}")
        try:
            value = json.loads(body)
        except ValueError as e:
            raise StepFailure(f"GET {url} is not JSON ({e}): {short(body.decode('utf-8', 'replace'))}") from None
        check(isinstance(value, dict), f"GET {url} is JSON but not an object")
        return value, hdrs

    @staticmethod
    def filenames(repodata: dict) -> set[str]:
        return set(repodata.get("packages") or {}) | set(repodata.get("packages.conda") or {})

    def fetch_package(self, url: str, filename: str, headers: dict[str, str] | None = None) -> None:
        status, _, body = http_request(url, headers=headers, timeout=60)
        check(status == 200, f"GET {url} answered {status}: {short(body.decode('utf-8', 'replace'))}")
        got = sha256_bytes(body)
        check(got == self.hashes[filename],
              f"GET {url}: sha256 {got} ({len(body)} bytes) != fixture {self.hashes[filename]}")

    def concurrent_fetch(self, url: str, filename: str, n: int = 8) -> None:
        """n simultaneous GETs of url; each must answer the fixture's bytes."""
        barrier = threading.Barrier(n)
        errors: list[str] = []
        lock = threading.Lock()

        def worker() -> None:
            try:
                barrier.wait(timeout=10)
                self.fetch_package(url, filename)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        check(not any(t.is_alive() for t in threads), f"concurrent GETs of {url} did not finish within 90 s")
        check(not errors, f"{len(errors)} of {n} concurrent GETs of {url} failed: {errors[:3]}")

    def upstream_package_gets(self, snapshot: dict[str, int] | None = None) -> dict[str, int]:
        """GETs of each package file at the upstream (minus snapshot, if given)."""
        assert self.upstream is not None
        now = self.upstream.snapshot()
        base = snapshot or {}
        return {
            f: now.get(f"/{SUBDIR_OF[f]}/{f}", 0) - base.get(f"/{SUBDIR_OF[f]}/{f}", 0)
            for f in SUBDIR_OF
        }

    # -- steps ------------------------------------------------------------

    def step_setup(self) -> None:
        self.hashes = fixtures.build_conda_channel(self.tmp / "upstream")
        check(set(self.hashes) == set(SUBDIR_OF), f"fixture files {sorted(self.hashes)}")
        for subdir in SUBDIRS:
            check((self.tmp / "upstream" / subdir / "repodata.json").is_file(), f"no upstream {subdir}/repodata.json")
        self.upstream = UpstreamServer(self.tmp / "upstream")
        self.depot = DepotServer(self.binary, self.tmp / "data", ADMIN_PASSWORD)
        self.depot.token()

    def step_org_and_channels(self) -> None:
        self.expect_created("POST", "/api/v1/orgs", {"name": ORG})
        self.create_channel("active-ch", "public")
        self.create_channel("passive-ch", "public")
        self.create_channel("private-ch", "private")

    # passive ---------------------------------------------------------------

    def step_passive_mirror(self) -> None:
        assert self.upstream is not None
        self.passive_baseline = self.upstream.snapshot()
        mirror_id = self.create_mirror("passive-ch", "passive", self.upstream.url)
        self.wait_mirror(mirror_id)
        gets = self.upstream_package_gets(self.passive_baseline)
        check(all(n == 0 for n in gets.values()),
              f"a passive run downloaded package files from upstream: {gets}")
        repodata, _ = self.get_json(self.repo("passive-ch/noarch/repodata.json"))
        check({HELLO_OLD, HELLO} <= self.filenames(repodata),
              f"passive-ch noarch/repodata.json lists {sorted(self.filenames(repodata))}")

    def step_passive_installs(self) -> None:
        assert self.depot is not None
        for i in (1, 2):
            prefix, urls = rattler_install(self.repo("passive-ch"), ["depot-tool"], self.fresh(f"passive-{i}"))
            check_hello(prefix)
            check_tool(prefix)
            check(all(u.startswith(self.depot.base + "/") for u in urls),
                  f"install {i}: packages did not come from Depot: {urls}")

    def step_passive_concurrent_local(self) -> None:
        self.concurrent_fetch(self.repo(f"passive-ch/linux-64/{TOOL}"), TOOL)

    def step_passive_one_upstream_get_per_file(self) -> None:
        gets = self.upstream_package_gets(self.passive_baseline)
        check(gets[HELLO] == 1 and gets[TOOL] == 1,
              f"expected exactly one upstream GET each of {HELLO} and {TOOL}, saw {gets}")
        check(gets[HELLO_OLD] == 0, f"{HELLO_OLD} was never asked for but was downloaded: {gets}")

    def step_passive_concurrent_first_requests(self) -> None:
        # Never requested before: 8 simultaneous first requests, one upstream download.
        self.concurrent_fetch(self.repo(f"passive-ch/noarch/{HELLO_OLD}"), HELLO_OLD)
        gets = self.upstream_package_gets(self.passive_baseline)
        check(gets[HELLO_OLD] == 1,
              f"8 concurrent first requests for {HELLO_OLD} made {gets[HELLO_OLD]} upstream GETs, expected 1")

    # active ----------------------------------------------------------------

    def step_active_mirror(self) -> None:
        assert self.upstream is not None
        mirror_id = self.create_mirror("active-ch", "active", self.upstream.url)
        self.wait_mirror(mirror_id)

    def step_active_repodata(self) -> None:
        url = self.repo("active-ch/noarch/repodata.json")
        repodata, headers = self.get_json(url)
        check((repodata.get("info") or {}).get("subdir") == "noarch",
              f"info.subdir is {repodata.get('info')!r}")
        for key in ("packages", "packages.conda"):
            check(isinstance(repodata.get(key), dict), f"repodata.json has no {key!r} object")
        names = self.filenames(repodata)
        check({HELLO_OLD, HELLO} <= names, f"noarch/repodata.json lists {sorted(names)}")
        for filename in (HELLO_OLD, HELLO):
            record = (repodata.get("packages") or {}).get(filename) or (repodata.get("packages.conda") or {}).get(filename)
            check(record.get("sha256") == self.hashes[filename],
                  f"{filename}: repodata sha256 {record.get('sha256')} != fixture {self.hashes[filename]}")

        status, _, body = http_request(url + ".zst")
        check(status == 200, f"GET {url}.zst answered {status}")
        try:
            unpacked = json.loads(read_zst(body))
        except Exception as e:  # noqa: BLE001
            raise StepFailure(f"{url}.zst does not decompress to JSON: {e}") from None
        check(unpacked == repodata, "repodata.json.zst is not the same JSON object as repodata.json")

        etag = headers.get("etag")
        check(etag, f"GET {url} has no ETag header (headers: {sorted(headers)})")
        status, _, body = http_request(url, headers={"If-None-Match": etag})
        check(status == 304, f"GET {url} with If-None-Match: {etag} answered {status}, expected 304")

    def step_active_package_bytes(self) -> None:
        self.fetch_package(self.repo(f"active-ch/linux-64/{TOOL}"), TOOL)
        self.fetch_package(self.repo(f"active-ch/noarch/{HELLO_OLD}"), HELLO_OLD)

    def step_active_install(self) -> None:
        assert self.depot is not None and self.upstream is not None
        before = self.upstream.snapshot()
        prefix, urls = rattler_install(self.repo("active-ch"), ["depot-tool"], self.fresh("active"))
        check_hello(prefix)
        check_tool(prefix)
        check(all(u.startswith(self.depot.base + "/") for u in urls), f"packages did not come from Depot: {urls}")
        after = self.upstream.snapshot()
        check(after == before, f"installing from an active mirror reached the upstream: before {before}, after {after}")

    # private ---------------------------------------------------------------

    def step_private(self) -> None:
        assert self.upstream is not None and self.depot is not None
        mirror_id = self.create_mirror("private-ch", "active", self.upstream.url)
        self.wait_mirror(mirror_id)

        url = self.repo("private-ch/noarch/repodata.json")
        status, _, _ = http_request(url)
        check(status in (401, 404), f"anonymous GET {url} answered {status}, expected 401 or 404")
        status, _, _ = http_request(self.repo(f"private-ch/noarch/{HELLO}"))
        check(status in (401, 404), f"anonymous GET of a private package answered {status}, expected 401 or 404")

        token = self.depot.token()
        token_base = f"{self.depot.base}/t/{q(token)}/api/repo/private-ch"
        repodata, _ = self.get_json(f"{token_base}/noarch/repodata.json")
        check(HELLO in self.filenames(repodata), f"private-ch lists {sorted(self.filenames(repodata))}")

        basic = base64.b64encode(f"__token__:{token}".encode()).decode()
        self.get_json(url, headers={"Authorization": f"Basic {basic}"})

        prefix, _ = rattler_install(token_base, ["depot-hello"], self.fresh("private"))
        check_hello(prefix)

    # depot from depot ---------------------------------------------------------

    def step_chained(self) -> None:
        self.create_channel("chained", "public")
        mirror_id = self.create_mirror("chained", "active", self.repo("active-ch"))
        self.wait_mirror(mirror_id)
        for subdir in SUBDIRS:
            ours, _ = self.get_json(self.repo(f"chained/{subdir}/repodata.json"))
            theirs, _ = self.get_json(self.repo(f"active-ch/{subdir}/repodata.json"))
            check(self.filenames(ours) == self.filenames(theirs),
                  f"chained {subdir} lists {sorted(self.filenames(ours))}, active-ch lists {sorted(self.filenames(theirs))}")
        self.fetch_package(self.repo(f"chained/linux-64/{TOOL}"), TOOL)

    def step_shutdown(self) -> None:
        fixtures.check_sigterm_exit(self.depot)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("fixture channel built, upstream and depot started", self.step_setup),
            ("org e2e and channels active-ch, passive-ch, private-ch created", self.step_org_and_channels),
            ("passive mirror completed without downloading packages", self.step_passive_mirror),
            ("rattler installs depot-tool twice from the passive mirror", self.step_passive_installs),
            ("8 concurrent GETs of depot-tool through the passive mirror", self.step_passive_concurrent_local),
            ("passive: exactly one upstream GET per installed package", self.step_passive_one_upstream_get_per_file),
            ("passive: 8 concurrent first requests make one upstream GET", self.step_passive_concurrent_first_requests),
            ("active mirror completed", self.step_active_mirror),
            ("active repodata.json, .zst and 304", self.step_active_repodata),
            ("active package bytes match the fixture", self.step_active_package_bytes),
            ("rattler installs depot-tool from the active mirror", self.step_active_install),
            ("private channel: 401/404 anonymous, token in path and Basic, rattler install", self.step_private),
            ("depot mirrors depot (chained from active-ch)", self.step_chained),
            ("SIGTERM exits 0", self.step_shutdown),
        ]

    def report_failure(self) -> None:
        super().report_failure()
        print("----")


def main() -> int:
    return fixtures.run_main("conda", __doc__, "depot-conda-e2e-", lambda args, tmp: CondaTest(args.binary, tmp))


if __name__ == "__main__":
    # py-rattler's native threads can crash the interpreter during finalization; skip it.
    fixtures.exit_now(main())
