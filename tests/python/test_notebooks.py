"""Execute every notebook in notebooks/ and fail on any cell error.

The notebooks run in a kernel started with this interpreter (sys.executable),
so they see the same installed `cathedral` as the tests: a temporary
kernelspec named "python3" is written and JUPYTER_PATH is pointed at it, which
jupyter_client searches before the user's and the system's kernel folders
(Debian's own "python3" kernelspec runs /usr/bin/python3, which lacks the
package when it is installed in a virtual environment).
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
KERNEL_NAME = "python3"


def _cathedral_engine_missing() -> bool:
    """True when the compiled engine is not importable by this interpreter."""
    try:
        return importlib.util.find_spec("cathedral._core") is None
    except ImportError:
        return True


@pytest.fixture
def kernel_for_this_python(tmp_path, monkeypatch):
    """A "python3" kernelspec that runs sys.executable, found first via JUPYTER_PATH."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # headless, and no stray config from the user's home
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet the kernel's debugger warning
    return spec_dir


def test_notebooks_found():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def test_kernelspec_points_at_this_python(kernel_for_this_python):
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable


@pytest.mark.skipif(_cathedral_engine_missing(), reason="the compiled cathedral engine is not installed")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, kernel_for_this_python):
    nb = nbformat.read(str(path), as_version=4)
    workdir = tmp_path / "run"
    workdir.mkdir()
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=KERNEL_NAME,
                                     resources={"metadata": {"path": str(workdir)}})
    failure = None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        failure = str(error)
    if failure is not None:
        pytest.fail(f"{path.name}: a cell raised:\n{failure}", pytrace=False)
    # belt and braces: no error output may be left in any code cell
    errors = [(i, out.get("ename"), out.get("evalue"))
              for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, f"{path.name}: cells with errors: {errors}"
