import json

import numpy as np
import pytest

from mlcl_lab.report import new_run_folder, write_json


def test_run_folders_are_new_and_distinct(tmp_path):
    a = new_run_folder(tmp_path, prefix="yeast")
    b = new_run_folder(tmp_path, prefix="yeast")
    assert a != b and a.is_dir() and b.is_dir() and a.name.startswith("yeast-")


def test_write_json_never_overwrites(tmp_path):
    path = write_json(tmp_path / "m.json", {"a": np.float32(1.5), "b": float("nan"), "c": np.arange(2)})
    assert json.loads(path.read_text()) == {"a": 1.5, "b": None, "c": [0, 1]}
    with pytest.raises(FileExistsError, match="never overwritten"):
        write_json(path, {"a": 2})
    assert json.loads(path.read_text())["a"] == 1.5
