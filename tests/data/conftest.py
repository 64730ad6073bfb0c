import pytest

from mlcl_lab.data import load_dataset


@pytest.fixture(scope="session")
def yeast():
    return load_dataset("yeast")
