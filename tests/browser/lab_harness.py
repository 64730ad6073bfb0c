"""Headless JupyterLab + Debian Chromium + Playwright, for the browser tests.

``browser_tools_or_skip`` decides whether the test can run: without Chromium or the
``playwright`` package it skips with the reason, except on CI (``CI=true``) where a
missing tool is a failure. ``JupyterLabServer`` starts ``jupyter lab`` on a free
localhost port with token auth, a temporary root dir and temporary settings /
workspaces / runtime dirs, and stops it (and its kernels) at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run on CI: {reason}")
    pytest.skip(reason)


def browser_tools_or_skip() -> str:
    """Path of the Chromium executable; skip (locally) or fail (CI=true) when a tool is missing."""
    chromium = next((p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromium")
    if chromium is None:
        _missing("Debian's Chromium is not installed (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the 'playwright' Python package is not installed (pip install playwright; no browser download needed)")
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None and shutil.which("jupyter-lab") is None:
        _missing("jupyter-lab is not installed")
    return chromium


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterLabServer:
    """``with JupyterLabServer(root) as lab: page.goto(lab.url("lab/tree/x.ipynb"))``."""

    def __init__(self, root: Path, work: Path, startup_timeout: float = 90.0) -> None:
        self.root, self.work = Path(root), Path(work)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = self.work / "jupyterlab.log"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{sep}token={self.token}"

    def get_json(self, path: str) -> object:
        """GET a server API path (token auth) and parse the JSON answer."""
        with urllib.request.urlopen(self.url(path), timeout=30) as r:
            return json.loads(r.read().decode("utf-8"))

    def default_viewers(self) -> dict[str, str]:
        """JupyterLab's effective ``defaultViewers`` setting (file type -> viewer), as the front-end gets it."""
        plugin = self.get_json("lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        assert isinstance(plugin, dict), plugin
        # installed overrides change the schema's default; the user's own settings win over it
        default = plugin["schema"]["properties"]["defaultViewers"].get("default", {})
        return {**default, **plugin["settings"].get("defaultViewers", {})}

    def _env(self) -> dict[str, str]:
        config_dir = self.work / "jupyter_config"
        (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
        # the "news" announcement pop-up would cover the notebook
        (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env["JUPYTER_CONFIG_DIR"] = str(config_dir)
        env["JUPYTER_RUNTIME_DIR"] = str(self.work / "runtime")
        env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        return env

    def __enter__(self) -> JupyterLabServer:
        lab = shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-lab")
        cmd = [
            lab, "--no-browser", "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={self.work / 'lab_settings'}",
            f"--LabApp.workspaces_dir={self.work / 'lab_workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI runs as root
            cmd.append("--allow-root")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self._env(), stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; log:\n{self.log_path.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"jupyter lab did not answer within {self.timeout:.0f} s; log:\n{self.log_path.read_text()[-4000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # the server runs in its own session: signal its process group (server + kernels it started)
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
