"""Known security advisories against every package installed for the studio (pins and their
dependencies), from PyPI's advisory data (the same data pip-audit reads).

    .venv/bin/python scripts/audit_dependencies.py [--accepted security/accepted-advisories.txt]

For each installed distribution it asks PyPI's JSON API for that exact version; where a
mirror only serves a project's page, the page's advisories apply when the installed version
is the project's latest. An advisory counts unless it was withdrawn or its id is in the
accepted file with a reason. Exit status:
1 when an advisory counts; 0 otherwise (a package whose data cannot be reached is listed as
not audited: a network fault is not a finding).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

PYPI = "https://pypi.org/pypi"
# Named in the issue that asked for this audit: always reported, audited or not.
WATCHED = ("gradio", "starlette", "fastapi", "pillow", "rq", "redis", "sqlalchemy")


@dataclass
class Finding:
    package: str
    version: str
    advisory: str
    summary: str
    fixed_in: list[str]


def _get(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def advisories(name: str, version: str) -> list[dict] | None:
    """The advisories PyPI lists for ``name==version``, or None when it cannot say."""
    exact = _get(f"{PYPI}/{name}/{version}/json")
    if exact is not None:
        return exact.get("vulnerabilities") or []
    project = _get(f"{PYPI}/{name}/json")
    if project is not None and project.get("info", {}).get("version") == version:
        return project.get("vulnerabilities") or []
    return None


def applies(advisory: dict) -> bool:
    # PyPI lists an advisory under a version only when that version is affected; ``fixed_in``
    # says where to go. A withdrawn advisory was found to be wrong.
    return not advisory.get("withdrawn")


def accepted_ids(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ident, _, reason = line.partition(" ")
            out[ident] = reason.strip() or "(no reason given)"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepted", type=Path, default=Path(__file__).parents[1] / "security" / "accepted-advisories.txt")
    args = parser.parse_args(argv)
    installed = sorted({canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()
                        if d.metadata["Name"]}.items())
    accepted = accepted_ids(args.accepted)

    def audit(item: tuple[str, str]):
        name, version = item
        try:
            return name, version, advisories(name, version), None
        except (OSError, ValueError) as exc:
            return name, version, None, exc

    findings, unaudited, clean = [], [], 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for name, version, found, error in pool.map(audit, installed):
            if found is None:
                unaudited.append((name, version, error))
                continue
            clean += 1
            for advisory in found:
                if applies(advisory):
                    ident = advisory.get("id") or ",".join(advisory.get("aliases") or []) or "?"
                    findings.append(Finding(name, version, ident, (advisory.get("summary") or
                                                                  advisory.get("details") or "")[:160],
                                            list(advisory.get("fixed_in") or [])))

    print(f"audited {clean} of {len(installed)} installed packages against PyPI's advisories")
    for name in WATCHED:
        version = dict(installed).get(name)
        status = "not installed" if version is None else \
            "not audited (no advisory data reachable)" if any(u[0] == name for u in unaudited) else \
            f"{sum(1 for f in findings if f.package == name)} advisories"
        print(f"  {name} {version or ''}: {status}")
    if unaudited:
        print(f"not audited ({len(unaudited)}): " + ", ".join(f"{n} {v}" for n, v, _ in unaudited))
    counted = []
    for f in findings:
        if f.advisory in accepted:
            print(f"accepted: {f.package} {f.version} {f.advisory}: {accepted[f.advisory]}")
        else:
            counted.append(f)
            print(f"ADVISORY: {f.package} {f.version} {f.advisory} (fixed in {', '.join(f.fixed_in) or '?'}): {f.summary}")
    if counted:
        print(f"{len(counted)} known advisories apply: upgrade the pins, or accept each with a reason in {args.accepted}")
        return 1
    print("no known advisory applies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
