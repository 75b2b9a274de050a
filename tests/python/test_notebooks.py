"""Every notebook in notebooks/ names the kernel "cathedral" and runs under it, from a Jupyter
outside the project's environment, as a user's would.

The kernel is registered with the same script as `make install` (scripts/register-kernel.sh),
into a temporary prefix found through JUPYTER_PATH, so that the test does not depend on (or
change) the user's own kernels. The notebooks are then executed by Debian's Jupyter,
`/usr/bin/python3 -m nbconvert --execute`, which picks the kernel by the name in each
notebook's metadata: the kernel runs this interpreter (sys.executable, the .venv's), which has
`import cathedral`, while the Jupyter that starts it has not necessarily. Without Debian's
nbconvert (scripts/install-deps.sh installs it) they run in process with nbclient instead.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL_NAME = "cathedral"
KERNEL_DISPLAY_NAME = "Python (cathedral)"
SYSTEM_PYTHON = "/usr/bin/python3"
THIS_PYTHON = os.path.abspath(sys.executable)  # normalised, symbolic links kept (.venv/bin/python is one)


def _cathedral_engine_missing() -> bool:
    """True when the compiled engine is not importable by this interpreter."""
    try:
        return importlib.util.find_spec("cathedral._core") is None
    except ImportError:
        return True


def _system_nbconvert() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import nbconvert"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    """An environment in which Jupyter finds the "cathedral" kernel registered by
    scripts/register-kernel.sh for this interpreter, and nothing from the user's home."""
    tmp = tmp_path_factory.mktemp("jupyter")
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "register-kernel.sh"), sys.executable,
                           "--prefix", str(tmp / "prefix")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    env = dict(os.environ)
    env.update({
        "JUPYTER_PATH": str(tmp / "prefix" / "share" / "jupyter"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),  # not ~/.local/share/jupyter: no user kernels
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # quiet the kernel's debugger warning
    })
    return env


def test_notebooks_found():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_names_the_cathedral_kernel(path):
    """A notebook added later (04, 05, ...) must name the kernel too, or Jupyter opens it with
    Debian's "python3" kernel, which has no `import cathedral`."""
    spec = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("kernelspec", {})
    assert spec.get("name") == KERNEL_NAME, f"{path.name}: metadata.kernelspec.name is {spec.get('name')!r}"
    assert spec.get("display_name") == KERNEL_DISPLAY_NAME, path.name
    assert spec.get("language") == "python", path.name


def test_registered_kernel_runs_this_python(jupyter_env, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    for key in ("JUPYTER_PATH", "JUPYTER_DATA_DIR"):
        monkeypatch.setenv(key, jupyter_env[key])
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert os.path.abspath(spec.argv[0]) == THIS_PYTHON  # the venv's python, not the system's it links to
    assert spec.display_name == KERNEL_DISPLAY_NAME


def test_makefile_registers_the_kernel_on_install():
    """`make install` (and so `make test` and `make demo`) registers the kernel for the user."""
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "kernel"], capture_output=True, text=True)
    assert "register-kernel.sh" in out.stdout and ".venv/bin/python" in out.stdout, out.stdout + out.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "install: build kernel" in makefile


def test_make_notebook_opens_the_notebooks_folder():
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "notebook"], capture_output=True, text=True)
    assert "jupyter-notebook --notebook-dir=notebooks" in out.stdout, out.stdout + out.stderr
    assert "CATHEDRAL_WITH_NOTEBOOK=1 bash scripts/install-deps.sh" in out.stdout


@pytest.mark.skipif(not _system_nbconvert(), reason="Debian's nbconvert (python3-nbconvert) is not installed")
def test_kernel_from_a_jupyter_outside_the_venv(jupyter_env, tmp_path):
    """Debian's Jupyter starts the kernel named in a notebook's metadata; the kernel is this Python."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("import sys, cathedral\nprint(sys.executable)"))
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, str(path))
    proc = subprocess.run([SYSTEM_PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace", str(path)],
                          env=jupyter_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = nbformat.read(str(path), as_version=4).cells[0].outputs
    assert os.path.abspath("".join(o.get("text", "") for o in out).strip()) == THIS_PYTHON


@pytest.mark.skipif(_cathedral_engine_missing(), reason="the compiled cathedral engine is not installed")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, jupyter_env, monkeypatch):
    workdir = tmp_path / "run"
    workdir.mkdir()
    if _system_nbconvert():  # as a user runs it: Debian's Jupyter, the kernel named in the notebook
        # a copy, run in place: nbconvert runs a notebook in its own folder, and what it writes
        # (crm-report/, ...) must not land in the source tree
        executed = workdir / path.name
        executed.write_bytes(path.read_bytes())
        proc = subprocess.run([SYSTEM_PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute",
                               "--ExecutePreprocessor.timeout=600", "--inplace", str(executed)],
                              cwd=workdir, env=jupyter_env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            pytest.fail(f"{path.name}: a cell raised:\n{proc.stderr[-6000:]}", pytrace=False)
        nb = nbformat.read(str(executed), as_version=4)
    else:
        nb = nbformat.read(str(path), as_version=4)
        for key, value in jupyter_env.items():
            monkeypatch.setenv(key, value)
        try:
            nbclient.NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(workdir)}}).execute()
        except nbclient.exceptions.CellExecutionError as error:
            pytest.fail(f"{path.name}: a cell raised:\n{error}", pytrace=False)
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    # belt and braces: no error output may be left in any code cell
    errors = [(i, out.get("ename"), out.get("evalue"))
              for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, f"{path.name}: cells with errors: {errors}"
