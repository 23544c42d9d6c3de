"""``nox -s clean`` removes what the tool made and nothing else: not the folder
MESONMATRIX_HOME or MESONMATRIX_CACHE points at, nor anything in it the tool did not make."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from mesonmatrix.machine.eviction import UNUSED_DAYS
from mesonmatrix.machine.workspace import Workspace
from mesonmatrix.sessions.clean import clean_session

KEY = "demo-4e85d7c7-py3.12-openblas-linux-x86_64-none"


class Session:
    """What clean_session asks of nox's Session: its arguments, and somewhere to say things."""

    def __init__(self, *posargs: str) -> None:
        self.posargs = list(posargs)
        self.said: list[str] = []

    def log(self, text: str) -> None:
        self.said.append(text)

    def error(self, text: str) -> None:
        raise SystemExit(text)

    @property
    def text(self) -> str:
        return "\n".join(self.said)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MESONMATRIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MESONMATRIX_HOME", raising=False)
    monkeypatch.setenv("CCACHE_DIR", str(tmp_path / "no-ccache"))
    return monkeypatch


def run_cells_in(project, source):
    """What a cell leaves in the workspace (``project``'s, or MESONMATRIX_HOME), made the
    way sessions make the workspace."""
    source.mkdir(parents=True, exist_ok=True)
    workspace = Workspace.default(project)
    folder = workspace.target_folder("demo", source)
    (workspace.build_dir(KEY) / "meson-info").mkdir(parents=True)
    (workspace.wheel_store(KEY) / "full").mkdir(parents=True)
    (workspace.wheel_store(KEY) / "full" / "demo-1.0-cp312-cp312-linux_x86_64.whl").write_bytes(b"w" * 1000)
    record = workspace.root / "results" / folder / "build-3.12-openblas" / "result.json"
    record.parent.mkdir(parents=True)
    record.write_text("{}")
    (workspace.shared_cache / "envs" / "py3.12-0123456789ab" / "bin").mkdir(parents=True)
    return workspace


def personal(folder):
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "beach.jpg").write_bytes(b"jpeg")
    (folder / "projects" / "thesis").mkdir(parents=True)
    (folder / "projects" / "thesis" / "main.tex").write_text("four years of work\n")
    (folder / "notes.txt").write_text("mine\n")


def test_a_home_that_holds_other_folders_keeps_them(tmp_path, env):
    """MESONMATRIX_HOME at a folder that also held photos/ and projects/: clean removed it whole."""
    data = tmp_path / "data"
    personal(data)
    env.setenv("MESONMATRIX_HOME", str(data))
    run_cells_in(tmp_path, tmp_path / "demo")
    assert (data / "build" / KEY).is_dir() and (data / "results" / "demo" / "build-3.12-openblas").is_dir()
    session = Session()
    clean_session(session, tmp_path)
    assert (data / "photos" / "beach.jpg").read_bytes() == b"jpeg"
    assert (data / "projects" / "thesis" / "main.tex").read_text() == "four years of work\n"
    assert sorted(p.name for p in data.iterdir()) == ["notes.txt", "photos", "projects"]
    assert f"removed from {data} (build dirs, wheels, results): build/, compare/, " in session.text
    assert f"left in {data}: notes.txt (not the tool's), photos/ (not the tool's), projects/ (not the tool's)" \
        in session.text
    assert f"kept {data} itself: the tool did not make it" in session.text


def test_a_home_pointed_at_a_clone_leaves_the_clone_whole(tmp_path, env):
    """MESONMATRIX_HOME=. in a clone deleted the clone, .git included."""
    clone = tmp_path / "clone"
    (clone / ".git" / "objects").mkdir(parents=True)
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "src" / "pkg").mkdir(parents=True)
    (clone / "build" / "lib" / "pkg").mkdir(parents=True)  # setuptools' build folder, not the tool's
    (clone / "logs").mkdir()
    (clone / "logs" / "2026-11.txt").write_text("a log of the user's\n")
    before = sorted(str(p.relative_to(clone)) for p in clone.rglob("*"))
    env.setenv("MESONMATRIX_HOME", str(clone))
    session = Session()
    clean_session(session, clone)
    assert sorted(str(p.relative_to(clone)) for p in clone.rglob("*")) == before
    assert f"kept {clone} itself: the tool did not make it" in session.text
    assert "nothing in it is the tool's" in session.text
    assert "build/ (no marker of the tool's in it, in a folder you chose" in session.text


def test_the_shared_cache_keeps_what_the_tool_did_not_make(tmp_path, env):
    """--shared-cache did the same with MESONMATRIX_CACHE."""
    cache = tmp_path / "cache"
    (cache / "pip" / "http").mkdir(parents=True)
    (cache / "notes.txt").write_text("mine\n")
    run_cells_in(tmp_path, tmp_path / "demo")
    assert (tmp_path / ".matrix" / "build" / KEY).is_dir()
    (cache / "pythons.json").write_text(json.dumps({"3.12": "/usr/bin/python3.12"}))
    clean_session(session := Session("--shared-cache"), tmp_path)
    # A file carries no marker: in a folder the user chose, the tool's pythons.json stays too.
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt", "pip", "pythons.json"]
    assert (cache / "notes.txt").read_text() == "mine\n"
    assert f"removed from {cache} (shared build envs and sdists): envs/, logs/, pkgconfig/" in session.text
    assert "pythons.json (no marker of the tool's in it, in a folder you chose" in session.text
    assert not (tmp_path / ".matrix").exists()  # made by the tool: removed whole


def test_a_folder_the_tool_made_is_removed_whole(tmp_path, env):
    home = tmp_path / "made-by-the-tool"
    env.setenv("MESONMATRIX_HOME", str(home))
    run_cells_in(tmp_path, tmp_path / "demo")
    assert (home / "wheels" / KEY).is_dir()
    clean_session(session := Session(), tmp_path)
    assert not home.exists()
    assert session.said[0].startswith(f"removed {home} (build dirs, wheels, results): ")


def test_a_workspace_made_before_markers_loses_only_what_looks_like_the_tools(tmp_path, env):
    """An earlier version marked nothing: the folders it is known to make go when each
    holds only what the tool names that way; the folder itself, unknown entries and a
    known name holding anything else stay, and are named."""
    root = tmp_path / ".matrix"
    (root / "build" / KEY / "meson-info").mkdir(parents=True)
    (root / "build" / f"{KEY}.lock").write_text("pid 1")
    (root / "results" / "demo" / "build-3.12-openblas").mkdir(parents=True)
    (root / "results" / "demo" / ".source").write_text(str(tmp_path / "demo"))
    (root / "venvs" / "demo" / "build-3.12-openblas").mkdir(parents=True)
    (root / "wheels" / KEY / "full").mkdir(parents=True)
    (root / "logs").mkdir()
    (root / "logs" / "diary.docx").write_text("not a log of the tool's\n")
    (root / "notes.txt").write_text("mine\n")
    clean_session(session := Session(), tmp_path)
    assert sorted(p.name for p in root.iterdir()) == ["logs", "notes.txt"]
    assert (root / "logs" / "diary.docx").exists()
    assert f"removed from {root} (build dirs, wheels, results): build/, results/, venvs/, wheels/" in session.text
    assert f"left in {root}: logs/ (holds what the tool does not make), notes.txt (not the tool's)" in session.text


def test_a_link_in_the_workspace_is_never_followed(tmp_path, env):
    elsewhere = tmp_path / "elsewhere"
    personal(elsewhere)
    root = tmp_path / ".matrix"
    root.mkdir()
    (root / "results").symlink_to(elsewhere)
    clean_session(session := Session(), tmp_path)
    assert (elsewhere / "notes.txt").exists() and (root / "results").is_symlink()
    assert "results (a link)" in session.text


def test_a_workspace_linked_to_another_disk_loses_the_tools_folders_there_and_keeps_the_link(tmp_path, env):
    disk = tmp_path / "big-disk"
    personal(disk)
    (tmp_path / ".matrix").symlink_to(disk)
    run_cells_in(tmp_path, tmp_path / "demo")
    assert (disk / "build" / KEY).is_dir()
    clean_session(session := Session(), tmp_path)
    assert (tmp_path / ".matrix").is_symlink()
    assert sorted(p.name for p in disk.iterdir()) == ["notes.txt", "photos", "projects"]
    assert f"removed from {disk} (build dirs, wheels, results): build/" in session.text



def test_in_a_folder_the_user_chose_folders_named_like_the_tools_are_left_without_its_marker(tmp_path, env):
    """A folder of the user's with results/, logs/, report/ and compare/ of their own lost
    them all: they were taken for a workspace from before markers by their names."""
    disk = tmp_path / "disk"
    for name, file, text in (("results", "experiment1.csv", "1"), ("results", "thesis.pdf", "x"),
                             ("logs", "server.log", "b"), ("report", "index.html", "<html>"),
                             ("compare", "notes.txt", "d"), ("photos", "cat.jpg", "p")):
        (disk / name).mkdir(parents=True, exist_ok=True)
        (disk / name / file).write_text(text)
    before = sorted(str(p.relative_to(disk)) for p in disk.rglob("*"))
    env.setenv("MESONMATRIX_HOME", str(disk))
    clean_session(session := Session(), tmp_path)
    assert sorted(str(p.relative_to(disk)) for p in disk.rglob("*")) == before
    assert "results/ (no marker of the tool's in it, in a folder you chose: remove it yourself" in session.text


def test_a_copy_of_a_marked_folder_or_a_marked_folder_of_another_name_is_not_the_tools(tmp_path, env):
    """cp -r takes the marker along; clean removed a thesis-backup/ made that way."""
    import shutil

    home = tmp_path / "home"
    personal(home)  # a folder of the user's, which the tool did not make
    env.setenv("MESONMATRIX_HOME", str(home))
    run_cells_in(tmp_path, tmp_path / "demo")
    shutil.copytree(home / "wheels", home / "thesis-backup")
    (home / "thesis-backup" / "chapter1.tex").write_text("mine\n")
    other = tmp_path / "other"  # another workspace's build/, copied in under the tool's own name
    env.setenv("MESONMATRIX_HOME", str(other))
    env.setenv("MESONMATRIX_CACHE", str(tmp_path / "other-cache"))
    run_cells_in(tmp_path, tmp_path / "demo")
    shutil.rmtree(home / "build")
    shutil.copytree(other / "build", home / "build")
    env.setenv("MESONMATRIX_HOME", str(home))
    clean_session(session := Session(), tmp_path)
    assert (home / "thesis-backup" / "chapter1.tex").read_text() == "mine\n"
    assert (home / "build").is_dir() and not (home / "wheels").exists()
    assert "thesis-backup/ (not the tool's)" in session.text
    assert "build/ (no marker of the tool's in it" in session.text


def test_clean_reports_each_caches_size(tmp_path, env):
    """The shared cache it keeps (by folder), uv's cache and ccache's store, each with its size."""
    env.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    env.setenv("CCACHE_DIR", str(tmp_path / "ccache"))
    (tmp_path / "uv-cache" / "archive-v0" / "x").mkdir(parents=True)
    (tmp_path / "uv-cache" / "archive-v0" / "x" / "big").write_bytes(b"u" * 3_000_000)
    (tmp_path / "ccache" / "0").mkdir(parents=True)
    (tmp_path / "ccache" / "0" / "obj").write_bytes(b"c" * 2_000_000)
    workspace = run_cells_in(tmp_path, tmp_path / "demo")
    (workspace.shared_cache / "envs" / "py3.12-0123456789ab" / "bin" / "python").write_bytes(b"p" * 1_500_000)
    clean_session(session := Session(), tmp_path)
    assert f"kept the shared cache {workspace.shared_cache}: 1.5 MB (envs 1.5)" in session.text
    assert f"left alone: uv's cache {tmp_path / 'uv-cache'}: 3.0 MB" in session.text
    if shutil.which("ccache"):
        assert f"left alone: ccache's store {tmp_path / 'ccache'}: 2.0 MB" in session.text


def test_prune_removes_only_what_no_cell_used_for_a_month(tmp_path, env):
    env.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    (tmp_path / "uv-cache").mkdir()
    workspace = run_cells_in(tmp_path, tmp_path / "demo")
    envs = workspace.shared_cache / "envs"
    old, fresh = envs / "py3.12-0123456789ab", envs / "py3.12-ba9876543210"
    (fresh / "bin").mkdir(parents=True)
    for env_dir, days in ((old, UNUSED_DAYS + 1), (fresh, 1)):
        lock = env_dir.with_name(env_dir.name + ".lock")
        lock.write_text("pid 1")
        os.utime(lock, (time.time() - days * 86400,) * 2)
    clean_session(session := Session("--prune"), tmp_path)
    assert not old.exists() and fresh.is_dir()
    assert (workspace.root / "build" / KEY).is_dir()  # the workspace is kept
    assert f"removed {old} (unused for {UNUSED_DAYS:g} days)" in session.text
    assert "`uv cache prune` done" in session.text
