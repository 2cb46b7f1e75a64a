"""``ntt export`` never deletes what it did not create (issue 25, item 1).

Every case runs the real command on a real session copied into a temporary directory and
checks, file by file, that nothing outside what the command wrote has changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from ntt.cli import main
from ntt.errors import InputError
from ntt.io.session import SESSION_FILE, check_session_target, load_session


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path → bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture()
def home(tmp_path):
    """A user's folder: a session (a copy of the living-room sample, audio only) beside the
    user's own files."""
    root = tmp_path / "home"
    session = root / "sessions" / "kitchen"
    session.mkdir(parents=True)
    meta = json.loads((SAMPLE / SESSION_FILE).read_text())
    for name in (meta["audio"], meta["playback"], "labels.json"):
        shutil.copy(SAMPLE / name, session / name)
    meta["video"], meta["fps"] = None, 0.0
    (session / SESSION_FILE).write_text(json.dumps(meta))
    (root / "sessions" / "thesis.txt").write_text("four years of work\n")
    (root / "sessions" / "other").mkdir()
    (root / "sessions" / "other" / "data.csv").write_text("1,2,3\n")
    return root


def _export(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["export", *args])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def _refused(capsys, *args: str) -> str:
    code, err = _export(capsys, *args)
    assert code == 2, err
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_existing_folder_with_user_files_is_refused_even_with_force(home, capsys):
    out = home / "shared"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    before = _snapshot(home)
    line = _refused(capsys, str(home / "sessions" / "kitchen"), str(out))
    assert "not empty" in line and "--force" in line
    line = _refused(capsys, str(home / "sessions" / "kitchen"), str(out), "--force")
    assert "not an NTT session" in line
    assert _snapshot(home) == before


def test_exporting_into_the_sessions_parent_is_refused(home, capsys):
    before = _snapshot(home)
    for extra in ((), ("--force",)):
        line = _refused(capsys, str(home / "sessions" / "kitchen"), str(home / "sessions"),
                        *extra)
        assert "inside" in line
        _refused(capsys, str(home / "sessions" / "kitchen"), str(home), *extra)
    assert _snapshot(home) == before


def test_out_in_or_equal_to_the_source_is_refused(home, capsys):
    src = home / "sessions" / "kitchen"
    before = _snapshot(home)
    for out in (src, src / "copy", src / "a" / "b", home / "sessions" / "x" / ".." / "kitchen"):
        for extra in ((), ("--force",)):
            _refused(capsys, str(src), str(out), *extra)
    assert _snapshot(home) == before
    assert not (src / "copy").exists() and not (src / "a").exists()


def test_dot_dot_is_resolved_before_the_checks(home, capsys):
    a = home / "out" / "a"
    a.mkdir(parents=True)
    (a / "keep.txt").write_text("mine")
    before = _snapshot(home)
    for extra in ((), ("--force",)):
        _refused(capsys, str(home / "sessions" / "kitchen"), str(a / "sub" / ".."), *extra)
    assert _snapshot(home) == before


def test_out_an_existing_file_is_refused(home, capsys):
    target = home / "sessions" / "thesis.txt"
    before = _snapshot(home)
    for extra in ((), ("--force",)):
        assert "not a directory" in _refused(capsys, str(home / "sessions" / "kitchen"),
                                             str(target), *extra)
    assert _snapshot(home) == before


def test_root_is_never_a_target():
    for replace in (False, True):
        with pytest.raises(InputError, match="root"):
            check_session_target(Path("/"), replace=replace)
        with pytest.raises(InputError, match="root"):
            check_session_target(Path("/tmp/.."), replace=replace)


def test_force_replaces_only_a_previous_export(home, capsys):
    src, out = home / "sessions" / "kitchen", home / "exports" / "kitchen"
    code, _ = _export(capsys, str(src), str(out))
    assert code == 0 and load_session(out).labels == load_session(src).labels
    first = _snapshot(home)

    line = _refused(capsys, str(src), str(out))  # a second export needs --force
    assert "--force" in line
    assert _snapshot(home) == first

    code, _ = _export(capsys, str(src), str(out), "--force")
    assert code == 0 and _snapshot(home) == first  # replaced by an identical copy
    assert sorted(p.name for p in out.parent.iterdir()) == ["kitchen"]  # no leftovers

    (out / "my-notes.txt").write_text("added by hand")  # no longer only session files
    snap = _snapshot(home)
    assert "not an NTT session" in _refused(capsys, str(src), str(out), "--force")
    assert _snapshot(home) == snap


def test_empty_folder_and_new_parents_are_fine(home, capsys):
    src = home / "sessions" / "kitchen"
    empty = home / "empty"
    empty.mkdir()
    assert _export(capsys, str(src), str(empty))[0] == 0
    assert load_session(empty).labels == load_session(src).labels
    deep = home / "new" / "deeper" / "copy"
    assert _export(capsys, str(src), str(deep))[0] == 0
    assert load_session(deep).duration_s == load_session(src).duration_s
