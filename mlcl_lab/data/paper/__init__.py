"""Loaders for the paper's datasets from their standard local distributions (paper.md §6)."""

from .aapd import load_aapd
from .bgc import load_bgc
from .coco import load_coco2014
from .mirflickr import load_mirflickr25k
from .nuswide import load_nuswide
from .rcv1 import load_rcv1v2
from .reuters import load_reuters21578
from .uklex import load_uklex
from .voc import load_voc2007

__all__ = ["load_aapd", "load_bgc", "load_coco2014", "load_mirflickr25k", "load_nuswide",
           "load_rcv1v2", "load_reuters21578", "load_uklex", "load_voc2007"]
