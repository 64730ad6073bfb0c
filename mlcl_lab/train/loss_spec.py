"""Loss specifications of a run: a loss name, or ``<contrastive>+<supervised>`` for fine-tuning."""

from __future__ import annotations

from dataclasses import dataclass

from ..losses import available_losses, loss_kind

__all__ = ["LossSpec", "parse_loss_spec", "valid_loss_specs_text"]


@dataclass(frozen=True)
class LossSpec:
    """``kind`` is 'contrastive', 'supervised' or 'finetuned' (pre-train, then fine-tune)."""

    name: str
    kind: str
    pretrain: str | None   # contrastive loss of stage 1 (contrastive, finetuned)
    supervised: str | None  # supervised loss trained end to end (supervised, finetuned)


def valid_loss_specs_text() -> str:
    names = sorted(available_losses())
    return f"{', '.join(names)}, or <contrastive>+<supervised> (e.g. reg+bce) for contrastive pre-training then fine-tuning"


def parse_loss_spec(name: str) -> LossSpec:
    """Parse ``"reg"``, ``"bce"`` or ``"reg+bce"``; unknown names list the valid ones."""
    known = available_losses()
    parts = name.split("+")
    if any(p not in known for p in parts) or len(parts) > 2:
        raise ValueError(f"unknown loss {name!r}; valid losses: {valid_loss_specs_text()}")
    if len(parts) == 1:
        kind = loss_kind(name)
        return LossSpec(name, kind, name if kind == "contrastive" else None, name if kind == "supervised" else None)
    first, second = parts
    if loss_kind(first) != "contrastive" or loss_kind(second) != "supervised":
        raise ValueError(f"fine-tuning spec {name!r} must be <contrastive>+<supervised>, e.g. reg+bce")
    return LossSpec(name, "finetuned", first, second)
