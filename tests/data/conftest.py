import pytest

from mlcl_lab.data import load_dataset


@pytest.fixture(scope="session")
def yeast():
    return load_dataset("yeast")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow test (deselect with -m 'not slow')")
