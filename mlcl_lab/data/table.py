"""``datasets_table()``: what the CLI ``mlcl-lab datasets`` prints."""

from __future__ import annotations

import pandas as pd

from .dataset import dataset_statistics
from .errors import DatasetNotFoundError
from .registry import entries
from .spec import DatasetSpec, data_root_from

STAT_COLUMNS = ("n_samples", "n_labels", "n_features", "cardinality", "density",
                "n_label_sets", "n_head_labels", "n_tail_labels")


def datasets_table(compute_stats: bool = True, data_root=None) -> pd.DataFrame:
    """One row per registered dataset.

    Columns: name, kind (builtin / generated / installable / local), status
    ("available", "not installed", "needs path", or for a paper dataset found under the
    data root — ``data_root`` or ``$MLCL_LAB_DATA``, see :mod:`mlcl_lab.data.spec` —
    "found in data root": its files are there, by name; it is not loaded), modality, the statistics of
    :func:`dataset_statistics` (default parameters; missing values are ``<NA>``
    for datasets that cannot be loaded here), description and how_to_get.
    ``compute_stats=False`` skips loading (status only).
    """
    root = data_root_from(data_root)
    rows = []
    for e in entries():
        row = {"name": e.name, "kind": e.kind, "status": "available",
               "modality": e.modality or pd.NA}
        if e.kind == "local":
            row["status"] = "needs path"
            if e.folder and root is not None:
                try:
                    DatasetSpec.parse(e.name, data_root=root).check()
                except DatasetNotFoundError:
                    pass
                else:
                    row["status"] = "found in data root"
        elif not e.is_available():
            row["status"] = "not installed"
        if compute_stats and row["status"] == "available":
            try:
                st = dataset_statistics(e.loader())
            except DatasetNotFoundError:
                row["status"] = "not installed"
            else:
                row["modality"] = st["modality"]
                row.update({k: st[k] for k in STAT_COLUMNS})
        row["description"] = e.description
        row["how_to_get"] = e.how_to_get if row["status"] not in ("available",
                                                                  "found in data root") else ""
        rows.append(row)
    df = pd.DataFrame(rows, columns=["name", "kind", "status", "modality", *STAT_COLUMNS,
                                     "description", "how_to_get"])
    for k in ("n_samples", "n_labels", "n_features", "n_label_sets", "n_head_labels",
              "n_tail_labels"):
        df[k] = df[k].astype("Int64")
    for k in ("cardinality", "density"):
        df[k] = df[k].astype("Float64")
    return df
