import pytest

from mlcl_lab.data import load_dataset


@pytest.fixture(scope="session")
def yeast():
    return load_dataset("yeast")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow test (deselect with -m 'not slow')")


@pytest.fixture(autouse=True)
def _private_caches(tmp_path_factory, monkeypatch):
    """Split and checksum caches of these tests live in a temporary folder, not ~/.cache."""
    monkeypatch.setenv("MLCL_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("mlcl-cache")))
    monkeypatch.delenv("MLCL_LAB_SPLIT_CACHE", raising=False)
