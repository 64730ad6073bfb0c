"""mlcl_lab: a study toolkit for multi-label contrastive learning.

Reproduces and extends Audibert, Gauffre & Amini, "Multi-Label Contrastive
Learning: A Comprehensive Study" (arXiv 2412.00101) and the ABALONE loss of
arXiv 2404.08720.
"""

__version__ = "0.1.0"
