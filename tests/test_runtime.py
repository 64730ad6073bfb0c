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
