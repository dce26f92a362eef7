#!/usr/bin/env python3
"""End-to-end test of conda mirror policies with a real conda client.

Builds a small real conda channel (packages made by `cph create`, indexed by
py-rattler) with a dependency chain, a superseded version, an AGPL package
and packages nobody asked for; serves it on loopback; starts `depot serve`;
creates a policy through the JSON API (allow by MatchSpec with Include
dependencies, a block rule, a licence block), applies it to a channel and
mirrors the upstream actively. Then py-rattler solves and installs an allowed
package (its dependency came in through the policy) and fails to solve a
package outside the policy; the run's View Details counts and the dependency
report (JSON and CSV) are checked; a mirror's own policy overrides the
channel's at the next run.

Usage (after `bash scripts/e2e-setup.sh`):

    .venv-e2e/bin/python Tests/EndToEnd/policy_test.py --binary .build/debug/depot
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from pathlib import Path
from typing import Callable

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import DepotServer, StepFailure, UpstreamServer, check, http_request, q, short  # noqa: E402

ADMIN_PASSWORD = "e2e-admin-pass-123"
ORG = "e2e"
CHANNEL = "curated"
SUBDIRS = ["linux-64", "noarch"]
MIRROR_TIMEOUT = 60
RATTLER_TIMEOUT = 120

# (subdir, filename) -> package; depot-app needs depot-lib, which needs depot-zlib.
PACKAGES: dict[tuple[str, str], dict] = {
    ("linux-64", "depot-app-1.0-h0_0.conda"): dict(
        name="depot-app", version="1.0", build="h0_0", build_number=0, depends=["depot-lib >=2"],
        files={"bin/depot-app": b"#!/bin/sh\necho depot-app 1.0\n"}),
    ("noarch", "depot-lib-1.0-0.tar.bz2"): dict(
        name="depot-lib", version="1.0", build="0", build_number=0,
        files={"share/depot-lib/version.txt": b"lib 1.0\n"}),
    ("noarch", "depot-lib-2.0-0.conda"): dict(
        name="depot-lib", version="2.0", build="0", build_number=0, depends=["depot-zlib 1.*"],
        files={"share/depot-lib/version.txt": b"lib 2.0\n"}),
    ("linux-64", "depot-zlib-1.3-h0_0.conda"): dict(
        name="depot-zlib", version="1.3", build="h0_0", build_number=0,
        files={"lib/depot-zlib.txt": b"zlib 1.3\n"}),
    ("linux-64", "depot-zlib-2.0-h0_0.conda"): dict(
        name="depot-zlib", version="2.0", build="h0_0", build_number=0,
        files={"lib/depot-zlib.txt": b"zlib 2.0\n"}),
    ("linux-64", "depot-copyleft-1.0-h0_0.conda"): dict(
        name="depot-copyleft", version="1.0", build="h0_0", build_number=0, license="AGPL-3.0-only",
        files={"share/depot-copyleft.txt": b"agpl\n"}),
    ("noarch", "depot-extra-1.0-0.conda"): dict(
        name="depot-extra", version="1.0", build="0", build_number=0,
        files={"share/depot-extra.txt": b"extra\n"}),
}

POLICY = {
    "org": ORG,
    "name": "curated",
    "description": "depot-app and what it needs",
    "allow": ["depot-app >=1.0", "depot-copyleft"],
    "block": ["depot-lib <2"],
    "include_dependencies": True,
    "license_block": ["AGPL*"],
}


def rattler_solve(channel_url: str, specs: list[str], work: Path, install_too: bool = True) -> tuple[Path, list[str]]:
    """Solves specs against channel_url (fresh cache) and installs them into work/prefix."""
    from rattler import Channel, Gateway, VirtualPackage, install, solve

    work.mkdir(parents=True, exist_ok=False)
    prefix = work / "prefix"

    async def run() -> list[str]:
        gateway = Gateway(cache_dir=work / "cache" / "gateway")
        records = await solve(
            sources=[Channel(channel_url)], specs=specs, gateway=gateway, platforms=SUBDIRS,
            virtual_packages=VirtualPackage.detect())
        if install_too:
            await install(records, target_prefix=prefix, cache_dir=work / "cache" / "pkgs", show_progress=False)
        return [str(r.url) for r in records]

    return prefix, asyncio.run(asyncio.wait_for(run(), RATTLER_TIMEOUT))


class PolicyTest(fixtures.DepotSteps):
    def __init__(self, binary: str, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.mirror_id = ""
        self.run_id = ""
        self.counter = 0

    def fresh(self, label: str) -> Path:
        self.counter += 1
        return self.tmp / "clients" / f"{self.counter:02d}-{label}"

    def repo(self, path: str) -> str:
        assert self.depot is not None
        return f"{self.depot.base}/api/repo/{path}"

    def listed(self) -> set[str]:
        names: set[str] = set()
        for subdir in SUBDIRS:
            status, _, body = http_request(self.repo(f"{CHANNEL}/{subdir}/repodata.json"))
            check(status == 200, f"{subdir}/repodata.json answered {status}")
            repodata = json.loads(body)
            names |= set(repodata.get("packages", {})) | set(repodata.get("packages.conda", {}))
        return names

    def run_and_wait(self) -> dict:
        status, run = self.api("POST", f"/api/v1/mirrors/{self.mirror_id}/run")
        check(status == 202, f"run now answered {status}: {short(run)}")
        fixtures.wait_mirror(self.depot, self.mirror_id, MIRROR_TIMEOUT)
        status, runs = self.api("GET", f"/api/v1/mirrors/{self.mirror_id}/runs")
        check(status == 200 and runs["items"], f"runs answered {status}: {short(runs)}")
        return runs["items"][0]

    def download(self, path: str) -> tuple[int, dict[str, str], bytes]:
        assert self.depot is not None
        return http_request(self.depot.base + path, headers={"Authorization": f"Bearer {self.depot.token()}"})

    # -- steps ------------------------------------------------------------

    def step_setup(self) -> None:
        root = self.tmp / "upstream"
        for (subdir, filename), spec in PACKAGES.items():
            fixtures.make_conda_package(root / subdir, filename, subdir=subdir, **spec)
        fixtures.index_channel(root)
        self.upstream = UpstreamServer(root)
        self.depot = DepotServer(self.binary, self.tmp / "data", ADMIN_PASSWORD)
        self.depot.token()

    def step_policy_and_channel(self) -> None:
        self.expect_created("POST", "/api/v1/orgs", {"name": ORG})
        self.expect_created("POST", "/api/v1/channels", {"org": ORG, "name": CHANNEL, "privacy": "public"})
        status, bad = self.api("POST", "/api/v1/policies", {**POLICY, "allow": ["depot-app >>1"]})
        check(status == 400 and "Line 1" in short(bad), f"a bad MatchSpec answered {status}: {short(bad)}")
        policy = self.expect_created("POST", "/api/v1/policies", POLICY)
        check(policy.get("include_dependencies") is True, f"policy: {short(policy)}")
        status, channel = self.api("PATCH", f"/api/v1/channels/{CHANNEL}", {"policy": "curated"})
        check(status == 200 and channel.get("policy") == "curated", f"applying the policy answered {status}: {short(channel)}")

    def step_mirror(self) -> None:
        assert self.upstream is not None
        answer = self.expect_created("POST", f"/api/v1/channels/{CHANNEL}/mirrors", {
            "name": "upstream", "type": "conda", "mode": "active", "source_url": self.upstream.url,
            "subdirs": SUBDIRS, "run_now": True})
        self.mirror_id = str(answer["id"])
        fixtures.wait_mirror(self.depot, self.mirror_id, MIRROR_TIMEOUT)
        listed = self.listed()
        expected = {"depot-app-1.0-h0_0.conda", "depot-lib-2.0-0.conda", "depot-zlib-1.3-h0_0.conda"}
        check(listed == expected, f"the channel lists {sorted(listed)}, expected {sorted(expected)}")

    def step_rattler_installs_allowed(self) -> None:
        prefix, urls = rattler_solve(self.repo(CHANNEL), ["depot-app"], self.fresh("allowed"))
        check((prefix / "bin" / "depot-app").is_file(), "depot-app was not installed")
        check((prefix / "share" / "depot-lib" / "version.txt").read_text() == "lib 2.0\n", "depot-lib 2.0 was not installed")
        check((prefix / "lib" / "depot-zlib.txt").read_text() == "zlib 1.3\n", "depot-zlib 1.3 was not installed")
        check(all(u.startswith(self.repo(CHANNEL)) for u in urls), f"records came from elsewhere: {urls}")

    def step_rattler_fails_outside_policy(self) -> None:
        from rattler.exceptions import SolverError

        for spec in ("depot-extra", "depot-copyleft", "depot-lib <2"):
            try:
                rattler_solve(self.repo(CHANNEL), [spec], self.fresh("outside"), install_too=False)
            except SolverError:
                continue
            except Exception as e:  # noqa: BLE001 - anything else is a broken channel, not a policy at work
                raise StepFailure(f"solving {spec} failed, but not with a SolverError: {type(e).__name__}: {e}") from None
            raise StepFailure(f"rattler solved {spec!r}, which the policy leaves out")

    def step_details(self) -> None:
        details = self.run_details(self.mirror_id)
        run = details["run"]
        self.run_id = str(run["id"])
        by_reason = details.get("filtered_by_reason", {})
        check(by_reason == {"blocked_by_rule": 1, "license": 1, "not_allowed": 2},
              f"filtered by reason: {by_reason}")
        counts = details.get("counts", {})
        check(counts.get("source") == len(PACKAGES) and counts.get("kept") == 3, f"counts: {counts}")
        rows = {item["filename"]: item for item in details.get("filtered", [])}
        check(rows["depot-lib-1.0-0.tar.bz2"]["detail"] == "depot-lib <2", f"blocked row: {rows.get('depot-lib-1.0-0.tar.bz2')}")
        check("AGPL" in rows["depot-copyleft-1.0-h0_0.conda"]["detail"], f"licence row: {rows.get('depot-copyleft-1.0-h0_0.conda')}")
        check(rows["depot-zlib-2.0-h0_0.conda"]["reason"] == "not_allowed", f"zlib 2.0 row: {rows.get('depot-zlib-2.0-h0_0.conda')}")
        check(run.get("policy") == "curated", f"the run does not name its policy: {short(run)}")

    def step_dependency_report(self) -> None:
        status, headers, body = self.download(f"/api/v1/mirrors/{self.mirror_id}/runs/{self.run_id}/dependency-report")
        check(status == 200, f"JSON report answered {status}: {short(body)}")
        report = json.loads(body)
        rules = {rule["spec"]: rule for rule in report["rules"]}
        app = rules["depot-app >=1.0"]
        check(app["matched"] == ["linux-64/depot-app-1.0-h0_0.conda"], f"matched: {app['matched']}")
        deps = {d["package"]: d for d in app["dependencies"]}
        check(set(deps) == {"noarch/depot-lib-2.0-0.conda", "linux-64/depot-zlib-1.3-h0_0.conda"}, f"dependencies: {sorted(deps)}")
        lib = deps["noarch/depot-lib-2.0-0.conda"]
        check(lib["direct"] and lib["required_by"] == "linux-64/depot-app-1.0-h0_0.conda" and lib["spec"] == "depot-lib >=2", f"lib: {lib}")
        zlib = deps["linux-64/depot-zlib-1.3-h0_0.conda"]
        check(not zlib["direct"] and zlib["required_by"] == "noarch/depot-lib-2.0-0.conda" and zlib["spec"] == "depot-zlib 1.*", f"zlib: {zlib}")
        check(rules["depot-copyleft"]["matched"] == [], f"a licence-blocked package was matched: {rules['depot-copyleft']}")
        status, headers, body = self.download(f"/api/v1/mirrors/{self.mirror_id}/runs/{self.run_id}/dependency-report.csv")
        check(status == 200 and headers.get("content-type", "").startswith("text/csv"), f"CSV answered {status} {headers}")
        check("attachment" in headers.get("content-disposition", ""), f"CSV is not a download: {headers}")
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        kinds = sorted((r["rule"], r["kind"], r["package"]) for r in rows)
        check(("depot-app >=1.0", "indirect", "linux-64/depot-zlib-1.3-h0_0.conda") in kinds, f"CSV rows: {kinds}")

    def step_policy_change_applies_next_run(self) -> None:
        status, answer = self.api("POST", "/api/v1/policies", {"org": ORG, "name": "extra-only", "allow": ["depot-extra"]})
        check(status == 201, f"second policy answered {status}: {short(answer)}")
        status, answer = self.api("PATCH", f"/api/v1/mirrors/{self.mirror_id}", {"policy": "curated"})
        check(status == 400 and "already the channel" in short(answer), f"channel's policy on its mirror answered {status}: {short(answer)}")
        status, answer = self.api("PATCH", f"/api/v1/mirrors/{self.mirror_id}", {"policy": "extra-only"})
        check(status == 200, f"mirror policy answered {status}: {short(answer)}")
        check(self.listed() == {"depot-app-1.0-h0_0.conda", "depot-lib-2.0-0.conda", "depot-zlib-1.3-h0_0.conda"},
              "the change applied before the next run")
        run = self.run_and_wait()
        check(run.get("policy") == "extra-only", f"the run applied {run.get('policy')}")
        listed = self.listed()
        check(listed == {"depot-extra-1.0-0.conda"}, f"after the mirror's own policy the channel lists {sorted(listed)}")
        status, _, _ = self.download(f"/api/v1/mirrors/{self.mirror_id}/runs/{run['id']}/dependency-report")
        check(status == 404, f"a policy without Include dependencies has no report, answered {status}")

    def step_policy_removed_brings_everything_back(self) -> None:
        status, answer = self.api("PATCH", f"/api/v1/mirrors/{self.mirror_id}", {"policy": ""})
        check(status == 200, f"back to the channel's policy answered {status}: {short(answer)}")
        status, channel = self.api("PATCH", f"/api/v1/channels/{CHANNEL}", {"policy": ""})
        check(status == 200 and channel.get("policy") is None, f"removing the channel's policy answered {status}: {short(channel)}")
        run = self.run_and_wait()
        check(run.get("policy") is None, f"the run still applied {run.get('policy')}")
        listed = self.listed()
        check(listed == {filename for (_, filename) in PACKAGES}, f"without a policy the channel lists {sorted(listed)}")

    def step_shutdown(self) -> None:
        fixtures.check_sigterm_exit(self.depot)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("fixture channel built, upstream and depot started", self.step_setup),
            ("policy created (a bad MatchSpec refused) and applied to the channel", self.step_policy_and_channel),
            ("active mirror keeps only the allowed package and its dependencies", self.step_mirror),
            ("rattler installs depot-app with its dependencies from the filtered channel", self.step_rattler_installs_allowed),
            ("rattler cannot solve packages outside the policy", self.step_rattler_fails_outside_policy),
            ("View Details counts and reasons", self.step_details),
            ("dependency report as JSON and CSV", self.step_dependency_report),
            ("a mirror's own policy overrides the channel's at the next run", self.step_policy_change_applies_next_run),
            ("without any policy the next run brings every package back", self.step_policy_removed_brings_everything_back),
            ("SIGTERM exits 0", self.step_shutdown),
        ]


def main() -> int:
    return fixtures.run_main("policy", __doc__, "depot-policy-e2e-", lambda args, tmp: PolicyTest(args.binary, tmp))


if __name__ == "__main__":
    fixtures.exit_now(main())
