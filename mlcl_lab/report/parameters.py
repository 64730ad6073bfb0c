"""The study parameters, declared once: names, types, defaults, one-line help and ranges.

Everything else is derived from :class:`StudyParameters`:

* the study notebook's ``parameters`` cell (``notebooks/study.py``) has the same names and
  defaults — a test reads the cell and compares;
* the ``mlcl-lab study`` flags (:func:`add_study_flags`);
* the validation of a grid file's ``parameters`` (:func:`check_parameters`): an unknown
  name (``temprature``) or a value of the wrong type is an error naming the key and the
  valid ones, before anything runs.

Fields marked ``axis`` are set by a grid's axes (``datasets`` x ``losses`` x ``seeds`` x
``train_fractions``), fields marked ``runner`` by whoever executes the notebook (the run
folder, the device slot); neither may appear in a grid's ``parameters``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..data import MultiLabelDataset
    from ..train import TrainConfig

__all__ = ["StudyParameters", "DEFAULT_LOSSES", "ParameterError", "check_parameters", "check_value", "add_study_flags",
           "parameter_names", "grid_parameter_names", "load_study_dataset", "parse_datasets", "check_datasets", "dataset_label",
           "expand_train_options", "check_study_names", "check_loss_options"]

#: The default study: the BCE baseline next to the contrastive loss of the paper.
DEFAULT_LOSSES = ("bce", "base")


class ParameterError(ValueError):
    """A study parameter with an unknown name, a wrong type or a value out of range."""


def _p(default: Any, help: str, *, role: str = "", minimum: float | None = None, exclusive: bool = False,
       maximum: float | None = None) -> Any:
    """A dataclass field with its help line, its role (``axis``/``runner``/plain) and its range."""
    meta = {"help": help, "role": role, "minimum": minimum, "exclusive": exclusive, "maximum": maximum}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class StudyParameters:
    """The papermill parameters of ``notebooks/study.py`` (one study: a dataset x losses x seeds)."""

    dataset: str | dict[str, Any] = _p("yeast", "dataset name (see `mlcl-lab datasets`) or mapping "
                                       "{name: voc2007, path: ..., image_size: 224}", role="axis")
    losses: list[str] = _p(list(DEFAULT_LOSSES), "loss names (see `mlcl-lab losses`); `<contrastive>+<supervised>` fine-tunes", role="axis")
    seeds: list[int] = _p([0, 1, 2], "training seeds, one run per loss and seed", role="axis", minimum=0)
    epochs: int = _p(30, "stage-1 (or supervised) training epochs", minimum=1)
    batch_size: int = _p(128, "training batch size", minimum=1)
    probe_epochs: int = _p(40, "epochs of the linear probe (contrastive losses)", minimum=1)
    lr: float = _p(1e-3, "learning rate", minimum=0.0, exclusive=True)
    temperature: float = _p(0.1, "softmax temperature of the contrastive losses", minimum=0.0, exclusive=True)
    loss_options: dict[str, dict[str, Any]] = _p({}, 'per-loss hyper-parameters, e.g. {"reg": {"alpha": 0.5}}')
    queue_size: int = _p(0, "> 0: memory queue of momentum-encoder keys (paper 2)", minimum=0)
    train_options: dict[str, Any] = _p({}, 'more TrainConfig fields, e.g. {"encoder": "hf:${MLCL_LAB_MODELS}/roberta-base", '
                                       '"max_len": 300}; ${VAR} is expanded when the run starts')
    train_fraction: float = _p(1.0, "share of the training split used (label-stratified subset)", role="axis",
                               minimum=0.0, exclusive=True, maximum=1.0)
    split_seed: int = _p(0, "seed of the train/validation/test split", minimum=0)
    device: str = _p("auto", "auto | cpu | cuda | cuda:N", role="runner")
    threads: int = _p(1, "CPU threads of the computation (torch, OpenMP, BLAS), set before anything runs; "
                         "the numbers depend on it (README: Reproducibility)", minimum=1)
    umap_backend: str = _p("auto", "UMAP backend: auto | umap-learn | torchdr")
    color_label: int = _p(0, "label index that colours the UMAP panels", minimum=0)
    make_figures: bool = _p(True, "draw training curves, metric bars and UMAP in the run folder")
    make_umap: bool = _p(True, "draw the UMAP panels (needs make_figures)")
    output_dir: str = _p(".", "the run folder the notebook writes to", role="runner")

    def __post_init__(self) -> None:
        for f in fields(self):
            setattr(self, f.name, check_value(f.name, getattr(self, f.name)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, where: str = "parameters") -> StudyParameters:
        """Build from a mapping with exactly known names (unknown ones are an error)."""
        check_parameters(values, where=where)
        return cls(**dict(values))

    @classmethod
    def from_namespace(cls, namespace: Mapping[str, Any]) -> StudyParameters:
        """The parameters as the notebook holds them: its globals, read by field name."""
        missing = [name for name in parameter_names() if name not in namespace]
        if missing:
            raise ParameterError(f"the notebook does not define the parameter(s) {missing}")
        return cls(**{name: namespace[name] for name in parameter_names()})

    def train_config(self) -> TrainConfig:
        """The :class:`~mlcl_lab.train.TrainConfig` these parameters describe."""
        from ..train import ProbeConfig, TrainConfig

        base = dict(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, temperature=self.temperature,
                    loss_options=self.loss_options, queue_size=self.queue_size, device=self.device)
        extra = expand_train_options(self.train_options)
        probe = extra.pop("probe", {})
        return TrainConfig(**base, **extra, probe=ProbeConfig(**{"epochs": self.probe_epochs, **probe}))


_FIELDS = {f.name: f for f in fields(StudyParameters)}


def parameter_names() -> tuple[str, ...]:
    """Every study parameter, in declaration order."""
    return tuple(_FIELDS)


def grid_parameter_names() -> tuple[str, ...]:
    """The parameters a grid file may set under ``parameters`` (not axes, not runner-set)."""
    return tuple(name for name, f in _FIELDS.items() if not f.metadata["role"])


def _describe(annotation: str) -> str:
    return {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
            "list[str]": "a list of strings", "list[int]": "a list of integers",
            "dict[str, dict[str, Any]]": "a mapping {loss: {option: value}}",
            "dict[str, Any]": "a mapping {option: value}",
            "str | dict[str, Any]": "a dataset name or a mapping with a 'name' key"}[annotation]


def _scalar(name: str, value: Any, kind: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"parameter {name!r} must be true or false, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"parameter {name!r} must be an integer, got {value!r}")
        return int(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"parameter {name!r} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ParameterError(f"parameter {name!r} must be finite, got {value!r}")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"parameter {name!r} must be a non-empty string, got {value!r}")
    return value


def _check_range(name: str, value: float, meta: Mapping[str, Any]) -> None:
    low, high, exclusive = meta["minimum"], meta["maximum"], meta["exclusive"]
    too_low = low is not None and (value <= low if exclusive else value < low)
    too_high = high is not None and value > high
    if too_low or too_high:
        lower = "" if low is None else (f"> {low:g}" if exclusive else f">= {low:g}")
        upper = "" if high is None else f"<= {high:g}"
        raise ParameterError(f"parameter {name!r} must be {' and '.join(p for p in (lower, upper) if p)}, got {value!r}")


def check_value(name: str, value: Any) -> Any:
    """``value`` checked (and normalised: tuples become lists) against parameter ``name``'s type and range."""
    if name not in _FIELDS:
        raise ParameterError(_unknown_message([name], parameter_names(), "study parameters"))
    f = _FIELDS[name]
    kind = str(f.type)
    if name == "dataset":
        return _check_dataset_value(value)
    if name == "train_options":
        return _check_train_options(value)
    if kind.startswith("list["):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
            raise ParameterError(f"parameter {name!r} must be {_describe(kind)} (not empty), got {value!r}")
        items = [_scalar(name, v, kind[5:-1]) for v in value]
        for v in items:
            if kind == "list[int]":
                _check_range(name, v, f.metadata)
        return items
    if kind.startswith("dict["):
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, Mapping) for k, v in value.items()):
            raise ParameterError(f"parameter {name!r} must be {_describe(kind)}, got {value!r}")
        return {k: dict(v) for k, v in value.items()}
    value = _scalar(name, value, kind)
    if kind in ("int", "float"):
        _check_range(name, value, f.metadata)
    return value


def _unknown_message(unknown: list[str], valid: tuple[str, ...], what: str) -> str:
    return f"unknown {what} {unknown}; valid names: {', '.join(valid)}"


_ROLE_HINT = {"axis": "{name} is set by the grid axes (datasets, losses, seeds, train_fractions), not by 'parameters'",
              "runner": "{name} is set by the runner (the run folder; `mlcl-lab report --device`), not by 'parameters'"}


def check_parameters(values: Mapping[str, Any], *, where: str = "parameters", allowed: tuple[str, ...] | None = None) -> None:
    """Raise :class:`ParameterError` for a name outside ``allowed`` (default: every study
    parameter) or a value of the wrong type; the message says ``where``."""
    allowed = parameter_names() if allowed is None else allowed
    unknown = [name for name in values if name not in allowed]
    if unknown:
        hints = [_ROLE_HINT[_FIELDS[name].metadata["role"]].format(name=name) for name in unknown
                 if name in _FIELDS and _FIELDS[name].metadata["role"]]
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise ParameterError(f"{where}: {_unknown_message(unknown, allowed, 'parameter(s)')}{hint}")
    for name, value in values.items():
        try:
            check_value(name, value)
        except ParameterError as error:
            raise ParameterError(f"{where}: {error}") from None


def _flag_type(name: str, kind: str):  # type: ignore[no-untyped-def]
    """An argparse ``type`` that parses one token and checks it like a grid value."""
    def parse(text: str) -> Any:
        try:
            if kind in ("int", "list[int]"):
                value: Any = int(text)
            elif kind == "float":
                value = float(text)
            elif kind.startswith("dict["):
                value = json.loads(text)
            else:
                value = text
            if kind.startswith("list["):
                check_value(name, [value])
            else:
                check_value(name, value)
        except (ValueError, json.JSONDecodeError) as error:
            raise argparse.ArgumentTypeError(str(error) if isinstance(error, ParameterError)
                                             else f"parameter {name!r}: cannot read {text!r} as {_describe(kind)}") from None
        return value
    parse.__name__ = kind
    return parse


def add_study_flags(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per study parameter the user chooses (runner-set ones excluded, but
    ``--device``), each with the dataclass's default and help line."""
    defaults = StudyParameters()
    for name, f in _FIELDS.items():
        if name == "output_dir":
            continue
        kind = str(f.type)
        flag = "--" + name.replace("_", "-")
        default = getattr(defaults, name)
        help_text = f"{f.metadata['help']} (default: {json.dumps(default) if not isinstance(default, str) else default})"
        if kind == "bool":
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=default, help=help_text)
        elif kind.startswith("list["):
            parser.add_argument(flag, dest=name, nargs="+", type=_flag_type(name, kind), default=default, help=help_text)
        else:
            parser.add_argument(flag, dest=name, type=_flag_type(name, kind), default=default, help=help_text)


def _check_dataset_value(value: Any) -> str | dict[str, Any]:
    """A dataset parameter: a non-empty name or a mapping with a non-empty ``name`` (its
    options are checked by :meth:`~mlcl_lab.data.spec.DatasetSpec.parse`)."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, Mapping) and isinstance(value.get("name"), str) and value["name"].strip():
        return dict(value)
    raise ParameterError(f"parameter 'dataset' must be {_describe('str | dict[str, Any]')}, got {value!r}")


#: TrainConfig fields a grid sets through their own study parameter, not ``train_options``.
_OWN_PARAMETERS = ("epochs", "batch_size", "lr", "temperature", "loss_options", "queue_size", "device")


def _check_train_options(value: Any) -> dict[str, Any]:
    """``train_options``: a mapping of TrainConfig field names (``probe``: ProbeConfig fields),
    not those that have their own study parameter."""
    from dataclasses import fields as dc_fields

    from ..train import ProbeConfig, TrainConfig

    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ParameterError(f"parameter 'train_options' must be {_describe('dict[str, Any]')}, got {value!r}")
    valid = [f.name for f in dc_fields(TrainConfig) if f.name not in _OWN_PARAMETERS]
    own = [k for k in value if k in _OWN_PARAMETERS]
    if own:
        raise ParameterError(f"train_options {own}: set these through their own study parameter, not train_options")
    unknown = [k for k in value if k not in valid]
    if unknown:
        raise ParameterError(f"train_options: unknown TrainConfig field(s) {unknown}; valid: {', '.join(valid)}")
    probe = value.get("probe", {})
    probe_valid = [f.name for f in dc_fields(ProbeConfig)]
    if not isinstance(probe, Mapping) or any(k not in probe_valid or k == "epochs" for k in probe):
        raise ParameterError(f"train_options.probe must map ProbeConfig fields ({', '.join(probe_valid)}; epochs is "
                             f"the probe_epochs parameter), got {probe!r}")
    return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in value.items()}


def expand_train_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with ``${VAR}`` / ``$VAR`` in string values replaced from the environment.

    The grid keeps the unexpanded text (a run's identity does not depend on where the
    models folder is); a variable that is not set is a :class:`ParameterError` naming it.
    """
    import os
    import re

    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, Mapping):
            out[key] = expand_train_options(value)
            continue
        if isinstance(value, str) and "$" in value:
            expanded = os.path.expandvars(value)
            left = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", expanded)
            if left:
                raise ParameterError(f"train_options.{key} = {value!r}: environment variable(s) {left} not set")
            value = expanded
        out[key] = value
    return out


def load_study_dataset(value: str | Mapping[str, Any], data_root: str | None = None) -> MultiLabelDataset:
    """The one function through which a study loads its dataset (notebook and checks):
    :func:`mlcl_lab.data.spec.load_spec` (a name or a mapping with options)."""
    from ..data.spec import load_spec

    return load_spec(value, data_root)


def dataset_label(value: str | Mapping[str, Any]) -> str:
    """A folder-safe label of a dataset value (:attr:`DatasetSpec.label`). A value that does
    not parse (an unknown name) is labelled by its name: the folder is still made and the
    notebook run in it fails with the parse error, kept in the folder (a study's contract)."""
    import re

    from ..data.spec import DatasetSpec

    try:
        return DatasetSpec.parse(value).label
    except (ValueError, TypeError):
        name = value if isinstance(value, str) else str(dict(value).get("name", "dataset"))
        return re.sub(r"[^A-Za-z0-9._=-]+", "_", name)


def parse_datasets(values: list[Any] | tuple[Any, ...], data_root: str | None = None) -> list[Any]:
    """Each dataset value parsed once into a :class:`~mlcl_lab.data.spec.DatasetSpec`
    (unknown names or options: ``ValueError`` listing the valid ones)."""
    from ..data.spec import DatasetSpec

    return [DatasetSpec.parse(v, data_root) for v in values]


def check_datasets(specs: list[Any] | tuple[Any, ...]) -> None:
    """``spec.check()`` for every dataset, before any run starts: a missing path, package
    or file raises :class:`~mlcl_lab.data.errors.DatasetUnavailable` with the loader's
    download instructions."""
    for spec in specs:
        spec.check()


def check_loss_options(loss_options: Mapping[str, Mapping[str, Any]], losses: list[str] | tuple[str, ...]) -> None:
    """Each ``loss_options`` entry names a loss the study trains (a part of ``reg+bce``
    counts) and hyper-parameters that loss accepts; else ``ValueError`` naming the valid ones."""
    from ..losses import get_loss
    from ..train.loss_spec import parse_loss_spec

    used = []
    for name in losses:
        spec = parse_loss_spec(name)
        used += [part for part in (spec.pretrain, spec.supervised) if part and part not in used]
    for name, options in loss_options.items():
        if name not in used:
            raise ValueError(f"loss_options names {name!r}, which no run trains; the losses trained: {', '.join(used)}")
        get_loss(name, **options)  # unknown or invalid hyper-parameters name the valid ones


def check_study_names(dataset: Any, losses: list[str] | tuple[str, ...], device: str) -> None:
    """Fail fast, before a notebook starts, on an unknown or unavailable dataset (a name,
    a mapping or a parsed spec: :func:`check_datasets`), an unknown loss or device
    (``ValueError`` with the valid names or the download instructions)."""
    from ..runtime import resolve_device
    from ..train.loss_spec import parse_loss_spec

    check_datasets(parse_datasets([dataset]))
    for name in losses:
        parse_loss_spec(name)
    resolve_device(device)
