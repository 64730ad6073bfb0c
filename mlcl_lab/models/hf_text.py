"""Hugging Face transformer text encoders from a local directory, fine-tuned end to end.

Paper 2 (paper.md §5.2) fine-tunes RoBERTa-base / Legal-BERT with the [CLS] token as the
representation; the official code loads ``AutoModel.from_pretrained(name,
add_pooling_layer=False)`` and reads token 0 of the last layer (§5.1). Here the model is
read from a *local* directory only (no download): ``encoder="hf:<dir>"``. The encoder
takes the tokenised batch ``{"input_ids": (B, T), "attention_mask": (B, T)}`` (see
:mod:`mlcl_lab.models.tokens`) and returns (B, hidden_size) features:

* ``pooling="cls"``: the last layer's first token ([CLS] / ``<s>``);
* ``pooling="mean"``: the mean of the last layer over the non-padding tokens
  (``attention_mask``-weighted; a text always has at least its [CLS] token).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

__all__ = ["HF_PREFIX", "TRANSFORMERS_INSTALL", "HFTextEncoder", "hf_model_dir"]

HF_PREFIX = "hf:"
TRANSFORMERS_INSTALL = "pip install transformers"
POOLINGS = ("cls", "mean")


def hf_model_dir(encoder: str) -> Path:
    """The local directory of ``encoder="hf:<dir>"``; an error names what is missing."""
    if not encoder.startswith(HF_PREFIX) or len(encoder) == len(HF_PREFIX):
        raise ValueError(f"a Hugging Face encoder is written 'hf:<local model dir>', got {encoder!r}")
    path = Path(encoder[len(HF_PREFIX):]).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"Hugging Face model directory {path} does not exist "
                                "(download the model elsewhere, e.g. with huggingface-cli, and pass its folder)")
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} has no config.json: not a Hugging Face model directory")
    return path


@contextlib.contextmanager
def quiet_transformers() -> Iterator[object]:
    """Import transformers offline with its load reports and progress bars silenced."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import transformers
    except ImportError as err:
        raise ValueError(f"Hugging Face text encoders need transformers: {TRANSFORMERS_INSTALL}") from err
    log = transformers.utils.logging
    level = log.get_verbosity()
    log.set_verbosity_error()
    log.disable_progress_bar()
    try:
        yield transformers
    finally:
        log.set_verbosity(level)
        log.enable_progress_bar()


class HFTextEncoder(nn.Module):
    """A local Hugging Face encoder with [CLS] or masked-mean pooling; ``out_dim`` = hidden size.

    ``max_len`` (optional): inputs longer than this are cut to their first ``max_len``
    tokens; it must fit the model's position embeddings.
    """

    def __init__(self, model_dir: str | Path, pooling: str = "cls", max_len: int | None = None,
                 gradient_checkpointing: bool = False) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; valid poolings: {', '.join(POOLINGS)}")
        self.model_dir = Path(model_dir)
        self.pooling = pooling
        with quiet_transformers() as transformers:
            try:
                model = transformers.AutoModel.from_pretrained(self.model_dir, local_files_only=True,
                                                               add_pooling_layer=False)
            except TypeError:  # architectures without a pooling layer do not take the argument
                model = transformers.AutoModel.from_pretrained(self.model_dir, local_files_only=True)
        if gradient_checkpointing:
            if not getattr(model, "supports_gradient_checkpointing", False):
                raise ValueError(f"{self.model_dir}: {type(model).__name__} does not support gradient checkpointing")
            if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5 renamed it
                model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
            else:
                model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        self.model = model
        self.out_dim = int(model.config.hidden_size)
        limit = getattr(model.config, "max_position_embeddings", None)
        if max_len is not None and (max_len < 2 or (limit is not None and max_len > int(limit))):
            raise ValueError(f"max_len {max_len} is outside [2, {limit}], the positions {self.model_dir} has")
        self.max_len = max_len

    @property
    def checkpointing(self) -> bool:
        """Whether activation (gradient) checkpointing is on."""
        flag = getattr(self.model, "is_activation_checkpointing", None)
        return bool(self.model.is_gradient_checkpointing if flag is None else flag)

    def forward(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """``{"input_ids": (B, T), "attention_mask": (B, T)}`` -> (B, hidden_size)."""
        if not isinstance(x, dict) or "input_ids" not in x or "attention_mask" not in x:
            raise TypeError("HFTextEncoder takes the tokenised dict {'input_ids', 'attention_mask'} "
                            f"(mlcl_lab.models.tokens), got {type(x).__name__}")
        ids, mask = x["input_ids"], x["attention_mask"]
        if self.max_len is not None and ids.shape[1] > self.max_len:  # never more than max_len tokens
            ids, mask = ids[:, : self.max_len], mask[:, : self.max_len]
        hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        weights = mask.to(hidden.dtype).unsqueeze(-1)
        return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0)
