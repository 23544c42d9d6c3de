"""The report: unreadable records are listed, never dropped or fatal; values are escaped;
a log becomes a link only when it is a file below the results folder."""

import json
import re
from html import escape, unescape

import pytest
from markdown_it import MarkdownIt

from mesonmatrix.errors import ReportError
from mesonmatrix.machine.writing import write_record
from mesonmatrix.record import ResultRecord, TestCounts
from mesonmatrix.report import write_report
from mesonmatrix.report.history import load_previous


def record(session, **fields):
    values = dict(session=session, target="demo", python="3.12", blas="openblas", platform="linux-x86_64",
                  system_libraries="none", install_tags="full", status="passed", tests=TestCounts(passed=3))
    values.update(fields)
    return ResultRecord(**values)


def test_corrupt_and_malformed_records_are_listed_as_unreadable(tmp_path):
    results = tmp_path / "results"
    write_record(record("build-3.12-openblas"), results / "demo" / "build-3.12-openblas" / "result.json")
    (results / "demo" / "corrupt").mkdir(parents=True)
    (results / "demo" / "corrupt" / "result.json").write_text('{"session": "x", ')
    malformed = json.loads(record("build-3.12-netlib").to_json())
    malformed["durations"] = "ten seconds"
    (results / "demo" / "malformed").mkdir()
    (results / "demo" / "malformed" / "result.json").write_text(json.dumps(malformed))
    report = write_report(results, tmp_path / "report")
    assert (report.records, report.unreadable) == (1, 2)
    markdown = report.markdown.read_text()
    assert "2 unreadable result records" in markdown and "corrupt/result.json" in rendered(markdown)
    assert "malformed/result.json" in markdown
    assert 'id="unreadable"' in report.html.read_text()
    summary = json.loads(report.json.read_text())
    assert {u["path"].rsplit("/", 2)[1] for u in summary["unreadable"]} == {"corrupt", "malformed"}


def test_only_a_log_file_below_the_results_folder_becomes_a_link(tmp_path):
    results = tmp_path / "results"
    cell = results / "demo" / "build-3.12-openblas"
    cell.mkdir(parents=True)
    (cell / "cell.log").write_text("log")
    outside = tmp_path / "elsewhere.log"
    outside.write_text("secret")
    write_record(record("build-3.12-openblas", log=str(cell / "cell.log")), cell / "result.json")
    for blas, log in (("netlib", "javascript:alert(1)"), ("blis", "../../etc/passwd"), ("mkl", str(outside))):
        write_record(record(f"build-3.12-{blas}", blas=blas, log=log), results / "demo" / blas / "result.json")
    page = write_report(results, tmp_path / "report").html.read_text()
    assert page.count('class="log"') == 1
    # Copied into the report folder: CI uploads only that folder.
    assert 'href="logs/demo/build-3.12-openblas.log"' in page
    assert (tmp_path / "report" / "logs" / "demo" / "build-3.12-openblas.log").read_text() == "log"
    assert "javascript" not in page and "passwd" not in page and "elsewhere" not in page


def test_a_log_named_relative_to_the_project_root_is_found(tmp_path):
    # Records name paths inside the project relative to its root (CI gathers them elsewhere).
    results = tmp_path / "proj" / ".matrix" / "results"
    cell = results / "demo" / "build-3.12-openblas"
    cell.mkdir(parents=True)
    (cell / "cell.log").write_text("relative log")
    write_record(record("build-3.12-openblas", log=str(cell / "cell.log")), cell / "result.json", tmp_path / "proj")
    assert json.loads((cell / "result.json").read_text())["log"] == ".matrix/results/demo/build-3.12-openblas/cell.log"
    page = write_report(results, tmp_path / "report").html.read_text()
    assert 'href="logs/demo/build-3.12-openblas.log"' in page
    assert (tmp_path / "report" / "logs" / "demo" / "build-3.12-openblas.log").read_text() == "relative log"


def test_a_record_whose_names_climb_out_gets_no_log_copy(tmp_path):
    # A record gathered from a CI job names its own target and session: they never choose
    # where the report writes.
    results = tmp_path / "proj" / ".matrix" / "results"
    cell = results / "demo" / "x"
    cell.mkdir(parents=True)
    (cell / "cell.log").write_text("planted")
    # Each would land inside tmp_path (report/logs/<target>/<session>.log), where it is looked for.
    for i, (target, session) in enumerate((("../../outside", "x"), ("demo", "../../../escaped"),
                                           ("demo", "a/b"), ("..", "x"))):
        write_record(record(session, target=target, log=str(cell / "cell.log")),
                     results / "demo" / f"r{i}" / "result.json", tmp_path / "proj")
    write_report(results, tmp_path / "report")
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.log") if p != cell / "cell.log")
    assert written == [], written


def test_markdown_cells_are_escaped(tmp_path):
    results = tmp_path / "results"
    write_record(record("build-3.12-openblas", target="a|b\nc", status="failed"),
                 results / "x" / "build-3.12-openblas" / "result.json")
    markdown = write_report(results, tmp_path / "report").markdown.read_text()
    row = next(line for line in markdown.splitlines() if "build-3.12-openblas" in line)
    assert "a\\|b c" in row and row.count(" | ") == 7


def rendered(markdown: str) -> str:
    """The text a reader sees: rendered as CommonMark with GitHub's tables, tags stripped."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    return unescape(re.sub(r"<[^>]+>", "", html))


HOSTILE = "test_x[`]) <img src=x onerror=alert(1)> [click](https://evil.example) *b* www.evil.example a@b.c |"


def test_a_hostile_test_name_or_error_shows_as_text_in_the_step_summary(tmp_path):
    results = tmp_path / "results"
    case = f'<testcase classname="m" name="{escape(HOSTILE, quote=True)}">'
    for blas, outcome in (("openblas", '<failure message="x"/>'), ("netlib", "")):
        cell = results / "demo" / f"build-3.12-{blas}"
        cell.mkdir(parents=True)
        (cell / "junit.xml").write_text(f'<testsuite tests="1">{case}{outcome}</testcase></testsuite>')
        write_record(record(f"build-3.12-{blas}", blas=blas, status="failed" if outcome else "passed",
                            error=HOSTILE if outcome else None), cell / "result.json")
    markdown = write_report(results, tmp_path / "report").markdown.read_text()
    assert f"m::{HOSTILE}" in rendered(markdown)  # shown, as text
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<img" not in html and "<a " not in html and "<em>" not in html
    for line in markdown.splitlines():
        if line.startswith("| `build-3.12"):
            assert line.count(" | ") == 7  # no column break from the text


def test_verified_wheels_appear_in_every_format(tmp_path):
    from mesonmatrix.machine.writing import write_atomically
    from mesonmatrix.record import VerifyBlas, VerifyProblem, VerifyRecord, load_verify_record

    good = VerifyRecord(wheel="numpy-2.4.6-cp312-cp312-win_amd64.whl", sha256="0" * 64, path="/w/a.whl",
                        status="passed", blas=VerifyBlas(name="openblas", int_size=64, library="numpy.libs/x.dll",
                                                          bundled=True), tests_skipped_because="another platform")
    bad = VerifyRecord(wheel="pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl", sha256="1" * 64, path="/w/b.whl",
                       problems=[VerifyProblem(member="pkg/_ext.so", rule="macos-version", detail="needs macOS 14.0")])
    for record in (good, bad):
        path = tmp_path / "results" / "verify" / record.wheel / "verify.json"
        write_atomically(path, record.to_json())
        assert load_verify_record(path) == record
    report = write_report(tmp_path / "results", tmp_path / "report")
    assert report.verified == 2 and report.records == 0
    markdown = report.markdown.read_text()
    assert "## Verified wheels" in markdown and "openblas 64-bit, bundled" in markdown
    assert "pkg/_ext.so: [macos-version] needs macOS 14.0" in rendered(markdown)
    page = report.html.read_text()
    assert 'id="verified"' in page and '<tr class="failed"><td><code>pkg-1.0-cp312' in page
    summary = json.loads(report.json.read_text())
    assert sorted(v["wheel"] for v in summary["verified"]) == sorted([good.wheel, bad.wheel])


@pytest.mark.parametrize("data", [
    {"cells": [], "failing_tests": [1, 2]},
    {"cells": [], "failing_tests": {"a": 5}},
    {"cells": [{"session": 1, "status": "passed"}]},
    {"cells": "all"},
    [1, 2],
])
def test_a_malformed_previous_summary_is_one_clear_error(tmp_path, data):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match="is not a summary.json from `nox -s report`: ") as caught:
        load_previous(path)
    assert "\n" not in str(caught.value)


def test_a_good_previous_summary_loads(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"cells": [{"session": "s", "status": "passed"}], "failing_tests": {"s": ["t"]}}))
    assert load_previous(path).failing == {"s": {"t"}}


def test_every_cell_of_the_matrix_appears_and_counts_are_grammatical(tmp_path):
    results = tmp_path / "results"
    write_record(record("build-3.12-openblas"), results / "demo" / "build-3.12-openblas" / "result.json")
    report = write_report(results, tmp_path / "report", None, ["build-3.12-openblas", "build-3.12-netlib"])
    markdown = report.markdown.read_text()
    assert "2 cells: 0 failed, 1 passed, 0 skipped, 1 not run" in markdown
    assert "| `build-3.12-netlib` | – | not run |" in markdown
    page = report.html.read_text()
    assert 'id="not-run"' in page and 'data-session="build-3.12-netlib" data-status="not-run"' in page
    assert "1 cell of the matrix without a result record" in page
    summary = json.loads(report.json.read_text())
    assert summary["not_run"] == ["build-3.12-netlib"] and summary["schema_version"] == "1"
    alone = write_report(results, tmp_path / "alone").markdown.read_text()
    assert "1 cell: 0 failed, 1 passed, 0 skipped" in alone


def test_the_step_summary_stays_within_githubs_limit(tmp_path, monkeypatch):
    results = tmp_path / "results"
    target = "t" * 240  # a long target name: a matrix of 3,500 cells of it passes 1 MiB of Markdown
    for n in range(3500):
        name = f"build-3.12-openblas-{n}"
        write_record(record(name, target=target), results / target / name / "result.json")
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_report(results, tmp_path / "report")
    written = summary.read_bytes()
    assert len(written) <= 1024 * 1024 and b"cut at GitHub's 1 MiB step-summary limit" in written


def test_the_report_names_its_projects_keeps_them_apart_and_says_stages_in_words(tmp_path):
    """Two projects sharing a MESONMATRIX_HOME share its results folder: each gets its own
    grid under its name, and the times read as a user names the stages."""
    results = tmp_path / "results"
    timed = {"build_env": 0.4, "build": 12.0, "test_env_early": 0.3, "test_wait": 0.0, "test": 2.0, "total": 15.0}
    write_record(record("build-3.12-openblas", target="blasdemo", target_version="0.1.0", durations=timed),
                 results / "blasdemo" / "build-3.12-openblas" / "result.json")
    write_record(record("build-3.12-openblas", target="contourpy", target_version="1.3.3", durations=timed),
                 results / "contourpy" / "build-3.12-openblas" / "result.json")
    report = write_report(results, tmp_path / "report")
    page = report.html.read_text()
    assert "<title>Build matrix report: blasdemo 0.1.0, contourpy 1.3.3</title>" in page
    assert page.count('<table id="grid">') == 2 and '<h3 id="project-contourpy">contourpy 1.3.3</h3>' in page
    assert "test_wait" not in page and "test_env_early" not in page and "build_env" not in page
    assert "waiting for memory 0.0 s" in page and "test venv (during the build) 0.3 s" in page
    assert report.markdown.read_text().startswith("# Build matrix: blasdemo 0.1.0, contourpy 1.3.3\n")


def test_a_project_without_blas_reads_no_blas_in_the_grid(tmp_path):
    results = tmp_path / "results"
    write_record(record("build-3.12", target="fastcan", blas="none", target_declares_blas=False),
                 results / "fastcan" / "build-3.12" / "result.json")
    page = write_report(results, tmp_path / "report").html.read_text()
    assert "fastcan · Python 3.12 · no BLAS" in page and "· none<" not in page
