"""The data builder scripts' parsing and filtering rules on small fixtures."""

import importlib.util
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "data" / "scripts"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


DUMP = """Package: alpha
Version: 1
Description: Alpha tool for things
Tag: role::program, use::editing,
 implemented-in::c

Package: beta
Description: Beta library
 long description line
Tag: role::shared-lib

Package: alpha
Description: duplicate stanza (other arch) is ignored
Tag: role::devel-lib

Package: gamma
Description: untagged package

Package: delta
Description: Delta program
Tag: role::program, implemented-in::c
"""


def test_debtags_parse_and_filter():
    mod = _load("build_debtags")
    recs = mod.parse_dumpavail(DUMP)
    assert recs == [("alpha", "Alpha tool for things",
                     ["implemented-in::c", "role::program", "use::editing"]),
                    ("beta", "Beta library", ["role::shared-lib"]),
                    ("delta", "Delta program", ["implemented-in::c", "role::program"])]
    out = mod.build(recs, min_tag_count=2)
    assert out["label_names"] == ["implemented-in::c", "role::program"]
    assert out["packages"] == ["alpha", "delta"]  # beta lost its only tag
    assert out["labels"] == [[0, 1], [0, 1]] and out["n_tags_raw"] == 4


def test_debtags_build_is_byte_reproducible(tmp_path):
    mod = _load("build_debtags")
    dump = tmp_path / "dump.txt"
    dump.write_text(DUMP)
    outs = []
    for k in range(2):
        out = tmp_path / f"d{k}.json.gz"
        mod.main(["--dumpavail", str(dump), "--date", "2026-01-01", "--release", "test",
                  "--min-tag-count", "1", "--out", str(out)])
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_yeast_frame_conversion_validates():
    import numpy as np
    import pandas as pd
    import pytest

    mod = _load("build_yeast")
    cols = {f"label{i}": np.array([True, False]) for i in range(1, 15)}
    cols.update({f"x{i}": np.array([0.5, 1.0]) for i in range(1, 104)})
    with pytest.raises(ValueError, match="unexpected yeast frame"):
        mod.frame_to_arrays(pd.DataFrame(cols))
