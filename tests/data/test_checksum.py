"""data_checksum: content of non-image files, names + sizes of images, cached digests."""

import hashlib

import pytest

from mlcl_lab.data import checksum
from mlcl_lab.data.checksum import data_checksum


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "voc"
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    (root / "Annotations" / "a.xml").write_text("<annotation><object><name>cat</name></object>"
                                                "</annotation>")
    (root / "JPEGImages" / "a.jpg").write_bytes(b"\xff\xd8" + b"x" * 100)
    (root / ".hidden").write_text("ignored")
    return root


def test_file_checksum_is_sha256(tmp_path):
    f = tmp_path / "d.csv"
    f.write_bytes(b"text,labels\nhello,a\n")
    assert data_checksum(f, cache_dir=tmp_path / "c") == \
        "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()


def test_folder_checksum_rules(folder, tmp_path):
    cache = tmp_path / "cache"
    base = data_checksum(folder, cache_dir=cache)
    (folder / ".hidden").write_text("changed")
    assert data_checksum(folder, cache_dir=cache) == base  # hidden files skipped
    (folder / "JPEGImages" / "a.jpg").write_bytes(b"\xff\xd8" + b"y" * 100)
    assert data_checksum(folder, cache_dir=cache) == base  # same name + size: by design
    (folder / "JPEGImages" / "a.jpg").write_bytes(b"\xff\xd8" + b"y" * 101)
    resized = data_checksum(folder, cache_dir=cache)
    assert resized != base
    (folder / "Annotations" / "a.xml").write_text("<annotation><object><name>dog</name>"
                                                  "</object></annotation>")
    assert data_checksum(folder, cache_dir=cache) != resized  # annotation content counts
    (folder / "JPEGImages" / "b.jpg").write_bytes(b"z")
    assert data_checksum(folder, cache_dir=cache) not in (base, resized)


def test_digests_cached_and_damaged_cache_ignored(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = data_checksum(folder, cache_dir=cache)
    calls = []
    real = checksum._file_sha256
    monkeypatch.setattr(checksum, "_file_sha256", lambda p: calls.append(p) or real(p))
    assert data_checksum(folder, cache_dir=cache) == first and calls == []
    for f in cache.glob("*.json"):
        f.write_text("{ truncated")
    assert data_checksum(folder, cache_dir=cache) == first and len(calls) == 1


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data_checksum(tmp_path / "nope", cache_dir=tmp_path)
