"""mlcl_lab.runtime: the phase timer of a run (the device resolver is tested with training)."""

import time

from mlcl_lab.runtime import LAUNCHED_AT_ENV, PhaseTimer


def test_phases_add_up_and_the_launch_is_counted(monkeypatch):
    monkeypatch.setenv(LAUNCHED_AT_ENV, repr(time.time() - 5.0))
    timer = PhaseTimer()
    assert timer.seconds["kernel_start_imports"] >= 5.0
    for _ in range(2):
        with timer.phase("data_load"):
            time.sleep(0.01)
    assert timer.seconds["data_load"] >= 0.02


def test_without_a_launch_time_the_kernel_phase_is_absent(monkeypatch):
    monkeypatch.delenv(LAUNCHED_AT_ENV, raising=False)
    assert PhaseTimer().seconds == {}


HEAP_CHILD = r"""
import json, resource, sys
import torch
from mlcl_lab.runtime import environment_info, keep_heap_memory

policy = keep_heap_memory()

def faults_of_a_step():
    # a training step's pattern: activations of a few sizes (40, 40, 20, 40 MB), then freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    ts = [torch.ones(10 * 2**20), torch.ones(10 * 2**20), torch.ones(5 * 2**20)]
    ts.append(ts[0] + ts[1])
    del ts
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults = [faults_of_a_step() for _ in range(8)]
print(json.dumps({"policy": policy, "recorded": environment_info(torch.device("cpu"))["heap_policy"],
                  "first": faults[0], "later": sum(faults[4:])}))
"""


def _heap_child(env_value: str | None) -> dict:
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MLCL_LAB_KEEP_HEAP"}
    if env_value is not None:
        env["MLCL_LAB_KEEP_HEAP"] = env_value
    out = subprocess.run([sys.executable, "-c", HEAP_CHILD], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kept_heap_memory_is_reused_without_page_faults():
    """With the policy, after a few steps a step's large tensors reuse freed pages (glibc:
    no mmap/munmap per allocation); by default every step faults its ~36k pages in again."""
    import platform

    import pytest

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("the heap policy applies to glibc only")
    kept = _heap_child(None)
    assert kept["policy"] == kept["recorded"] == "kept"
    assert kept["first"] > 20_000 and kept["later"] < 1_000
    default = _heap_child("0")
    assert default["policy"] == default["recorded"] == "default"
    assert default["later"] > 4 * 20_000


VERSION_CHILD = r"""
import json, sys
import torch
from mlcl_lab.runtime import environment_info, package_version

info = environment_info(torch.device("cpu"))
imported = "sklearn" in sys.modules
import pandas, scipy, sklearn
print(json.dumps({"imported": imported, "recorded": [info["scikit-learn"], info["scipy"], info["pandas"]],
                  "modules": [sklearn.__version__, scipy.__version__, pandas.__version__],
                  "loaded": package_version("sklearn", "scikit-learn"),
                  "absent": package_version("no_such_module_xyz", "no-such-distribution-xyz")}))
"""


def test_package_versions_are_recorded_without_importing_the_packages():
    """environment_info gives the modules' own ``__version__`` strings, read from the installed
    metadata, without importing scikit-learn (~1.2 s per kernel); a package that is not
    installed is recorded as such."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", VERSION_CHILD], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["imported"] is False
    assert result["recorded"] == result["modules"]
    assert result["loaded"] == result["modules"][0]
    assert result["absent"] == "not installed"
