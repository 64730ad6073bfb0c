"""Suite-wide hooks: missing optional requirements fail under CI (see requirements_marks)."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement_met: an optional requirement of the test is present")
    config.addinivalue_line("markers", "requirement_missing_in_ci(reason): fails the test under CI=true")


def pytest_runtest_setup(item):
    mark = item.get_closest_marker("requirement_missing_in_ci")
    if mark is not None:
        pytest.fail(f"CI=true but a requirement is missing: {mark.kwargs['reason']} (make test installs it)")


def pytest_sessionstart(session):
    """The test process computes with one CPU thread, the study's default (``threads = 1``,
    README: Reproducibility), so in-process numbers equal a notebook's whatever the machine."""
    from mlcl_lab.runtime import set_threads

    set_threads(1)


@pytest.fixture(autouse=True)
def _one_cpu_thread():
    """A test that changes the thread count (or a library that resets it) does not leak
    that into the next test's numbers."""
    yield
    import torch

    if torch.get_num_threads() != 1:
        from mlcl_lab.runtime import set_threads

        set_threads(1)
