import pytest

from mlcl_lab.cli import main


def test_losses_lists_names(capsys):
    assert main(["losses"]) == 0
    out = capsys.readouterr().out
    assert "bce" in out and "base" in out


def test_datasets_lists_yeast(capsys):
    assert main(["datasets"]) == 0
    assert "yeast" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["study", "--dataset", "nope"], "valid datasets"),
    (["study", "--losses", "nope"], "valid losses"),
    (["study", "--losses", "bce+reg"], "<contrastive>\\+<supervised>"),
    (["study", "--device", "tpu"], "valid devices"),
    (["report", "--grid", "nope"], "available: default, full"),
])
def test_bad_names_are_rejected_before_anything_runs(argv, message, tmp_path):
    with pytest.raises((SystemExit, ValueError), match=message):
        main(argv + ["--out", str(tmp_path)])
