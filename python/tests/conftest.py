from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

VECTORS = os.path.join(os.path.dirname(__file__), "vectors", "envelope-v1.json")


@pytest.fixture(scope="session")
def vectors() -> dict:
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def interop_dir() -> str:
    """Fixtures the Java side wrote (python-interop module); skip when run outside Maven."""
    d = os.environ.get("PIPESEAL_INTEROP_DIR")
    if not d or not os.path.isdir(d):
        pytest.skip("PIPESEAL_INTEROP_DIR not set: run through ./mvnw -B verify (python-interop)")
    return d


@pytest.fixture(scope="session")
def password(interop_dir: str) -> str:
    with open(os.path.join(interop_dir, "keystore.password"), encoding="utf-8") as f:
        return f.read().strip()


@pytest.fixture(scope="session")
def local_kms(interop_dir: str, password: str):
    from pipeseal import LocalKms

    return LocalKms(os.path.join(interop_dir, "keys.p12"), password)
