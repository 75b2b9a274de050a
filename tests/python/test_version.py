"""One version string: the VERSION file, which CMake, setup.py and the engine read."""
import importlib.metadata
import re
from pathlib import Path

import cathedral
from cathedral import _core

ROOT = Path(__file__).resolve().parents[2]


def test_versions_agree():
    version = (ROOT / "VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert _core.__version__ == version  # compiled in through CMake's project(VERSION)
    assert cathedral.__version__ == version
    assert importlib.metadata.version("cathedral") == version  # setup.py
    # nothing else states it
    assert not re.search(r'^version\s*=', (ROOT / "pyproject.toml").read_text(), re.M)
    assert re.search(r"project\(cathedral VERSION \$\{CATHEDRAL_VERSION\}", (ROOT / "CMakeLists.txt").read_text())
