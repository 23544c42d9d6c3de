"""The report: unreadable records are listed, never dropped or fatal; values are escaped;
a log becomes a link only when it is a file below the results folder."""

import json

from mesonmatrix.record import ResultRecord, TestCounts, write_record
from mesonmatrix.sessions.report import write_report


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
    assert "2 unreadable result records" in markdown and "corrupt/result.json" in markdown
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
    assert 'href="../results/demo/build-3.12-openblas/cell.log"' in page
    assert "javascript" not in page and "passwd" not in page and "elsewhere" not in page


def test_markdown_cells_are_escaped(tmp_path):
    results = tmp_path / "results"
    write_record(record("build-3.12-openblas", target="a|b\nc", status="failed"),
                 results / "x" / "build-3.12-openblas" / "result.json")
    markdown = write_report(results, tmp_path / "report").markdown.read_text()
    row = next(line for line in markdown.splitlines() if "build-3.12-openblas" in line)
    assert "a\\|b c" in row and row.count(" | ") == 7
