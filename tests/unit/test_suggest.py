"""A misspelt session gets the closest real one suggested (sessions/suggest.py)."""

from __future__ import annotations

import subprocess
import sys

from mesonmatrix.sessions.suggest import requested_sessions, suggest_close_sessions, unknown_session_hints

from cells import ROOT

KNOWN = ["build-3.12-openblas", "build-3.12-openblas64", "build-3.13-netlib", "report", "verify"]


def test_the_names_nox_is_asked_for():
    assert requested_sessions(["-s", "a", "b", "-v"], {}) == ["a", "b"]
    assert requested_sessions(["--sessions=a", "-t", "split"], {}) == ["a"]
    assert requested_sessions(["-e", "a", "--", "-s", "b"], {}) == ["a"]  # after -- is the session's
    assert requested_sessions(["-l"], {"NOXSESSION": "a,b"}) == ["a", "b"]
    assert requested_sessions(["-t", "openblas", "-k", "3.12"], {}) == []


def test_a_typo_gets_the_closest_session_and_a_known_name_nothing():
    assert unknown_session_hints(["build-3.12-openblsa"], KNOWN) == [
        "mesonmatrix: no session build-3.12-openblsa in this noxfile; did you mean build-3.12-openblas? "
        "(nox -l lists them all)"]
    assert unknown_session_hints(["build-3.12-openblas", "report"], KNOWN) == []
    assert "did you mean" not in unknown_session_hints(["xyzzy"], KNOWN)[0]


def test_only_nox_running_the_noxfile_prints_it(capsys):
    suggest_close_sessions(KNOWN, ["/usr/bin/pytest", "-s", "reprot"], {})
    suggest_close_sessions(KNOWN, ["/venv/lib/python3.12/site-packages/nox/__main__.py", "-s", "reprot"], {})
    assert capsys.readouterr().err == ("mesonmatrix: no session reprot in this noxfile; did you mean report? "
                                       "(nox -l lists them all)\n")


def test_nox_itself_suggests_the_closest_cell():
    out = subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "build-3.12-openblsa"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "did you mean build-3.12-openblas?" in out.stderr, out.stderr[-2000:]
