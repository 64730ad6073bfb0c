"""Reports: grids of study runs, their run folders, execution and tables.

Modules, by responsibility (``report`` uses ``train``, ``metrics`` and ``viz``; nothing
there imports ``report``):

* :mod:`~mlcl_lab.report.parameters` — the study parameters, declared once;
* :mod:`~mlcl_lab.report.grid` — grid files, parsed and validated once, expanded into runs;
* :mod:`~mlcl_lab.report.runs` — the run-folder contract (names, ``write_run``) and the
  one reader over a grid's runs (:class:`~mlcl_lab.report.runs.GridRuns`);
* :mod:`~mlcl_lab.report.execute` — papermill, launched one way; ``execute_task``;
* :mod:`~mlcl_lab.report.executors` — where tasks run (``local``: a pool on this machine);
* :mod:`~mlcl_lab.report.runner` — resumable grid execution;
* :mod:`~mlcl_lab.report.tables` — mean ± std, Markdown and CSV tables;
* :mod:`~mlcl_lab.report.findings` — the paper's claims checked on a grid's results;
* :mod:`~mlcl_lab.report.pipeline` — ``mlcl-lab report`` and ``mlcl-lab study``.

This package module imports nothing, so ``import mlcl_lab.report.runs`` (the study
notebook) does not load the execution machinery.
"""
