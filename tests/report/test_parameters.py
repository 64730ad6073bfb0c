"""StudyParameters: declared once, with a help line per field, types and ranges checked."""

import dataclasses

import pytest

from mlcl_lab.report.parameters import (
    ParameterError,
    StudyParameters,
    check_parameters,
    check_value,
    parameter_names,
)


def test_every_field_has_a_type_a_default_and_a_help_line():
    for f in dataclasses.fields(StudyParameters):
        assert f.metadata["help"] and "\n" not in f.metadata["help"], f.name
        assert f.metadata["role"] in ("", "axis", "runner"), f.name
    assert {"dataset", "losses", "seeds", "epochs", "batch_size", "probe_epochs", "lr", "temperature", "loss_options",
            "queue_size", "train_options", "train_fraction", "split_seed", "device", "threads", "umap_backend", "color_label", "make_figures",
            "make_umap", "output_dir"} == set(parameter_names())


def test_defaults_are_independent_copies():
    a, b = StudyParameters(), StudyParameters()
    a.losses.append("reg")
    a.loss_options["reg"] = {}
    assert b.losses == ["bce", "base"] and b.loss_options == {}


def test_train_config_follows_the_parameters():
    config = StudyParameters(epochs=3, batch_size=16, probe_epochs=4, lr=0.01, temperature=0.2, queue_size=64,
                             loss_options={"reg": {"alpha": 0.5}}, device="cpu").train_config()
    assert (config.epochs, config.batch_size, config.probe.epochs, config.lr, config.temperature, config.queue_size,
            config.device) == (3, 16, 4, 0.01, 0.2, 64, "cpu")
    assert config.loss_options == {"reg": {"alpha": 0.5}}


@pytest.mark.parametrize("name, value, message", [
    ("epochs", True, "must be an integer, got True"),
    ("epochs", 2.0, "must be an integer"),
    ("lr", float("inf"), "must be finite"),
    ("lr", -1e-3, "must be > 0"),
    ("train_fraction", 0.0, "must be > 0 and <= 1"),
    ("seeds", [], "must be a list of integers (not empty)"),
    ("seeds", 0, "must be a list of integers"),
    ("losses", "bce", "must be a list of strings"),
    ("losses", [""], "must be a non-empty string"),
    ("make_umap", 1, "must be true or false"),
    ("color_label", -1, "must be >= 0"),
    ("temprature", 0.5, "unknown study parameters ['temprature']; valid names: dataset, losses"),
])
def test_bad_values_are_named(name, value, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        check_value(name, value)
    if name in parameter_names():
        with pytest.raises(ParameterError):
            StudyParameters(**{name: value})


def test_values_are_normalised():
    assert check_value("lr", 1) == 1.0 and isinstance(check_value("lr", 1), float)
    assert check_value("seeds", (0, 1)) == [0, 1]


def test_namespace_and_mapping_constructors():
    with pytest.raises(ParameterError, match="does not define the parameter"):
        StudyParameters.from_namespace({"dataset": "yeast"})
    namespace = {**StudyParameters().to_dict(), "unrelated": 1}
    assert StudyParameters.from_namespace(namespace) == StudyParameters()
    with pytest.raises(ParameterError, match="in the call: unknown parameter"):
        StudyParameters.from_mapping({"epoch": 2}, where="in the call")
    with pytest.raises(ParameterError, match="grid: unknown parameter.*dataset is set by the grid axes"):
        check_parameters({"dataset": "yeast"}, where="grid", allowed=("epochs",))
