"""mlcl_lab.report.lazy_iri: jsonschema imported without compiling the IRI grammar, and the
same "iri" answers as without the stand-in. Each case runs in a fresh interpreter (the
stand-in lives in ``sys.modules``)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from mlcl_lab.report.lazy_iri import IRI_MODULE, SWITCH_ENV

needs_package = pytest.mark.skipif(importlib.util.find_spec(IRI_MODULE) is None,
                                   reason="rfc3987-syntax not installed (jsonschema has no iri checker)")

# Strings the "iri" check accepts and refuses (a space, a bare word, unicode, an empty string).
IRI_SAMPLES = ["http://example.org/a/b?c=d#e", "http://exa mple.org", "not an iri", "https://例え.jp/パス", "",
               "urn:isbn:0451450523", "http://[::1]:80/"]


def _run(code: str, switch: str = "1") -> dict:
    env = {**os.environ, SWITCH_ENV: switch}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


GRAMMAR = f"{IRI_MODULE}.syntax_helpers"  # the submodule whose import compiles the grammar

CHECK = f"""
import json, sys
from mlcl_lab.report.lazy_iri import defer_iri_grammar, is_deferred
did = defer_iri_grammar()
import papermill, nbformat, jsonschema
after_import = {{"deferred": is_deferred(), "grammar": {GRAMMAR!r} in sys.modules}}
checker = jsonschema.FormatChecker()
answers = [checker.conforms(s, "iri") for s in {IRI_SAMPLES!r}]
print(json.dumps({{"did": did, "after_import": after_import, "answers": answers,
                   "after_check": {{"deferred": is_deferred(), "grammar": {GRAMMAR!r} in sys.modules}}}}))
"""


@needs_package
def test_papermill_imports_without_the_grammar_and_iri_checks_answer_as_without_the_stand_in():
    deferred, plain = _run(CHECK), _run(CHECK, switch="0")
    assert deferred["did"] and deferred["after_import"] == {"deferred": True, "grammar": False}
    assert not plain["did"] and plain["after_import"] == {"deferred": False, "grammar": True}
    assert deferred["answers"] == plain["answers"]
    assert True in plain["answers"] and False in plain["answers"]  # the samples exercise both answers
    assert deferred["after_check"] == {"deferred": False, "grammar": True}  # first use loaded the real one


@needs_package
@pytest.mark.parametrize("access", ["attribute", "submodule"])
def test_other_names_and_submodules_of_the_stand_in_reach_the_real_package(access):
    reach = ("stand_in.is_valid_syntax_iri('http://example.org'), stand_in.RFC3987_SYNTAX_TERMS[:2]"
             if access == "attribute" else f"sorted(vars(importlib.import_module({GRAMMAR!r})))[:2]")
    code = f"""
import importlib, json, sys
from mlcl_lab.report.lazy_iri import defer_iri_grammar, is_deferred
assert defer_iri_grammar()
import {IRI_MODULE} as stand_in
value = {reach}
print(json.dumps({{"deferred": is_deferred(), "real": hasattr(sys.modules[{IRI_MODULE!r}], "__file__"),
                   "value": repr(value)}}))
"""
    deferred = _run(code)
    assert deferred["deferred"] is False and deferred["real"] is True
    plain = _run(code.replace("assert defer_iri_grammar()", "pass"), switch="0")
    assert deferred["value"] == plain["value"]  # the same value as from the real package


@pytest.mark.parametrize("case, code", [
    ("jsonschema already imported", "import jsonschema"),
    ("the package is not installed", "import importlib.util; importlib.util.find_spec = lambda name, *a: None"),
])
def test_nothing_is_deferred_when_it_cannot_help(case, code):
    result = _run(f"""
import json, sys
{code}
from mlcl_lab.report.lazy_iri import defer_iri_grammar, is_deferred
print(json.dumps({{"did": defer_iri_grammar(), "deferred": is_deferred()}}))
""")
    assert result == {"did": False, "deferred": False}, case


def test_the_switch_turns_it_off():
    result = _run("""
import json
from mlcl_lab.report.lazy_iri import defer_iri_grammar, is_deferred
print(json.dumps({"did": defer_iri_grammar(), "deferred": is_deferred()}))
""", switch="0")
    assert result == {"did": False, "deferred": False}


@needs_package
def test_the_papermill_launcher_is_papermills_command_line_with_the_grammar_deferred():
    result = _run(f"""
import json, sys
sys.argv = ["papermill", "--help"]
from mlcl_lab.report.papermill_main import main
try:
    main()
except SystemExit as stop:
    code = stop.code
print()
print(json.dumps({{"code": code, "papermill": "papermill.cli" in sys.modules, "grammar": {GRAMMAR!r} in sys.modules}}))
""")
    assert result == {"code": 0, "papermill": True, "grammar": False}
