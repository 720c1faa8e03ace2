"""Fails with a clear message when python3 lacks what the Python tests need."""

import sys

missing = []
for name in ("pyarrow", "cryptography", "numpy", "pytest"):
    try:
        __import__(name)
    except ImportError:
        missing.append(name)
if sys.version_info < (3, 10):
    print(f"pipeseal python tests need Python 3.10+, found {sys.version.split()[0]}", file=sys.stderr)
    sys.exit(1)
if missing:
    print("pipeseal python tests: missing Python packages: " + ", ".join(missing)
          + "\n  install them with: python3 -m pip install -r python/requirements-test.txt"
          + "\n  (or build with -Dpython.skip=true to skip the Python interop steps)",
          file=sys.stderr)
    sys.exit(1)
print("python " + sys.version.split()[0] + ": pyarrow, cryptography, numpy, pytest present")
