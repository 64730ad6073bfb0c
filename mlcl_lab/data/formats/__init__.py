"""Generic multi-label file formats: MULAN/MEKA ARFF, svmlight/LIBSVM, CSV/JSONL text."""

from .arff import load_arff, read_mulan_xml
from .svmlight import load_svmlight
from .text_table import load_text_csv, load_text_jsonl, read_text_jsonl

__all__ = ["load_arff", "load_svmlight", "load_text_csv", "load_text_jsonl", "read_mulan_xml",
           "read_text_jsonl"]
