"""Atomic, never-overwriting writes and JSON reads that name the file (mlcl_lab.files)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlcl_lab import files


def test_write_json_round_trips_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = files.write_json(tmp_path / "sub" / "a.json", {"x": np.float32(1.5), "nan": float("nan"), "t": (1, 2)})
    assert files.read_json(path) == {"x": 1.5, "nan": None, "t": [1, 2]}
    with pytest.raises(FileExistsError, match="a.json already exists"):
        files.write_json(path, {"y": 1})
    assert files.read_json(path)["x"] == 1.5
    files.write_json(path, {"y": 1}, overwrite=True)
    assert files.read_json(path) == {"y": 1}
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]  # no temporary file left behind


def test_a_failed_write_leaves_neither_target_nor_temporary(tmp_path: Path) -> None:
    target = tmp_path / "m.npz"
    with pytest.raises(RuntimeError):
        with files.atomic_write(target) as tmp:
            np.savez(tmp, a=np.arange(3))
            raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_suffix_for_libraries_that_add_one(tmp_path: Path) -> None:
    target = tmp_path / "e.npz"
    with files.atomic_write(target) as tmp:
        assert tmp.suffix == ".npz" and tmp.parent == tmp_path
        np.savez(tmp, a=np.arange(3))
    assert np.load(target)["a"].tolist() == [0, 1, 2]


def test_nothing_written_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing was written"):
        with files.atomic_write(tmp_path / "x.txt"):
            pass
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize("content, reason", [(b'{"state": "do', "not valid JSON"), (b"\xff\xfe\x00garbage", "not UTF-8"),
                                             (b"", "not valid JSON")])
def test_read_json_names_the_file_of_a_corrupt_payload(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "status.json"
    path.write_bytes(content)
    with pytest.raises(files.CorruptFileError, match=reason) as info:
        files.read_json(path)
    assert info.value.path == path and str(path) in str(info.value)


def test_read_json_of_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        files.read_json(tmp_path / "none.json")


def test_write_json_output_is_stable_text(tmp_path: Path) -> None:
    path = files.write_json(tmp_path / "p.json", {"b": 1, "a": [1.0]})
    assert path.read_text() == json.dumps({"a": [1.0], "b": 1}, indent=2, sort_keys=True) + "\n"
