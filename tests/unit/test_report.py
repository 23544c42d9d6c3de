"""The report: unreadable records are listed, never dropped or fatal; values are escaped;
a log becomes a link only when it is a file below the results folder."""

import json

from mesonmatrix.record import ResultRecord, TestCounts, write_record
from mesonmatrix.report import write_report


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


def test_verified_wheels_appear_in_every_format(tmp_path):
    from mesonmatrix.record import VerifyBlas, VerifyProblem, VerifyRecord, load_verify_record, write_atomically

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
    assert "pkg/_ext.so: [macos-version] needs macOS 14.0" in markdown
    page = report.html.read_text()
    assert 'id="verified"' in page and '<tr class="failed"><td><code>pkg-1.0-cp312' in page
    summary = json.loads(report.json.read_text())
    assert sorted(v["wheel"] for v in summary["verified"]) == sorted([good.wheel, bad.wheel])
