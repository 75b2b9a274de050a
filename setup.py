"""Builds cathedral._core with CMake; `pip install --no-build-isolation .` works offline.

CATHEDRAL_BUILD_DIR picks the CMake build folder (default build/python), so a
build the Makefile already made is reused rather than compiled again.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        out_dir = Path(self.get_ext_fullpath(ext.name)).parent.resolve()
        build_dir = Path(os.environ.get("CATHEDRAL_BUILD_DIR", ROOT / "build" / "python")).resolve()
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-DCATHEDRAL_PYTHON_OUTPUT_DIR={out_dir}",
        ]
        if "CATHEDRAL_BUILD_DIR" not in os.environ:
            configure.append("-DCATHEDRAL_BUILD_TESTS=OFF")
        subprocess.check_call(configure)
        jobs = str(os.cpu_count() or 2)
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs])


class BuildPyWithData(build_py):
    """Ships the bundled demo portfolio and plans inside the package."""

    def run(self):
        super().run()
        data = Path(self.build_lib) / "cathedral" / "data"
        data.mkdir(parents=True, exist_ok=True)
        for name in ("demo_portfolio.json", "demo_plans.json"):
            shutil.copy2(ROOT / "examples" / name, data / name)


setup(version=(ROOT / "VERSION").read_text().strip(),
      ext_modules=[CMakeExtension("cathedral._core")],
      cmdclass={"build_ext": CMakeBuild, "build_py": BuildPyWithData})
