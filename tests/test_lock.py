"""The lock files `make install` and `make install-test` install from (README,
"Dependencies") hold pyproject.toml's pins: a dependency added or moved there
without `make lock` fails here, not on someone's fresh install."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = PYPROJECT["project"]["dependencies"]
TEST = PYPROJECT["project"]["optional-dependencies"]["test"]
BENCH = PYPROJECT["project"]["optional-dependencies"]["bench"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)")


def locked(name: str) -> dict[str, tuple[str, int]]:
    """Each locked package's version and how many hashes it has."""
    found: dict[str, tuple[str, int]] = {}
    package = None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if pin := PIN.match(line):
            package = canonicalize_name(pin[1])
            found[package] = (pin[2], 0)
        elif package and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[package]
            found[package] = (version, hashes + 1)
    return found


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", RUNTIME),
        ("requirements-test.lock", RUNTIME + TEST),
        ("requirements-bench.lock", RUNTIME + BENCH),
    ],
)
def test_every_pin_in_pyproject_is_locked_at_that_version_with_hashes(lock, requirements):
    pins = locked(lock)
    for requirement in map(Requirement, requirements):
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{requirement}: pin it (==) in pyproject.toml"
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {lock}: run `make lock`"
        assert pins[name][0] == specifier.version, f"{lock} has {name} {pins[name][0]}"
    assert all(hashes for _, hashes in pins.values()), f"{lock}: a package without a hash"
    # The portal is built with the locked setuptools (--no-build-isolation).
    assert "setuptools" in pins


@pytest.mark.parametrize("lock", ["requirements-test.lock", "requirements-bench.lock"])
def test_the_test_and_bench_locks_install_what_the_runtime_lock_does(lock):
    runtime, extra = locked("requirements.lock"), locked(lock)
    assert {name: extra.get(name) for name in runtime} == runtime
