"""The result record round-trips through JSON into its typed sub-records."""

import json
from pathlib import Path

import pytest

from mesonmatrix.machine.writing import write_record
from mesonmatrix.record import (
    BlasRuntime,
    CompilerUsed,
    LockRef,
    Locks,
    PartitionRecord,
    RecordError,
    RepairInfo,
    ResultRecord,
    TestCounts,
    ToolchainRecord,
    WheelInfo,
    load_record,
    recorded_path,
)


def full_record() -> ResultRecord:
    return ResultRecord(
        session="build-3.12-openblas-split", target="demo", python="3.12", blas="openblas", platform="linux-x86_64",
        system_libraries="none", install_tags="split", status="passed",
        wheels=[WheelInfo(role="runtime", path="/d/a.whl", size=10, sha256="ab")],
        repair=RepairInfo(tool="auditwheel", tag="manylinux_2_27_x86_64", grafted=["libscipy_openblas.so"]),
        tests=TestCounts(suite="full", source="tests-wheel", passed=10),
        blas_runtime=BlasRuntime(name="openblas", int_size=32, threadpoolctl=["openblas:/x.so"]),
        partition=PartitionRecord(ok=True, tests_files=7),
        locks=Locks(build=LockRef(path="locks/demo/x.txt", sha256="00"), test=None),
        toolchain=ToolchainRecord(requested={"CC": "gcc-11"}, used={"c": CompilerUsed(id="gcc", version="11.3.0",
                                                                                      command="gcc-11")}),
        durations={"build": 1.5, "total": 2.0},
    )


def test_a_written_record_loads_back_equal(tmp_path):
    path = tmp_path / "result.json"
    write_record(full_record(), path)
    loaded = load_record(path)
    assert loaded == full_record()
    assert isinstance(loaded.toolchain.used["c"], CompilerUsed) and isinstance(loaded.locks.build, LockRef)


def test_unknown_keys_from_a_newer_record_are_ignored(tmp_path):
    path = tmp_path / "result.json"
    data = json.loads(full_record().to_json())
    data["something_new"] = {"x": 1}
    path.write_text(json.dumps(data))
    assert load_record(path).session == "build-3.12-openblas-split"


def test_paths_inside_the_project_are_written_relative_to_it(tmp_path):
    root = tmp_path / "proj"
    ws = root / ".matrix"
    record = ResultRecord(
        session="build-3.12-openblas", target="demo", python="3.12", blas="openblas", platform="linux-x86_64",
        system_libraries="none", install_tags="full", matrix_file=str(root / "matrices" / "default.toml"),
        wheels=[WheelInfo(role="full", path=str(ws / "results/demo/s/dist/a.whl"), size=1, sha256="ab")],
        built_wheels=[WheelInfo(role="full", path="/elsewhere/b.whl", size=1, sha256="cd")],
        blas_runtime=BlasRuntime(name="openblas", library=str(ws / "venvs/x/lib.so"), extension="/usr/lib/e.so",
                                 threadpoolctl=[f"openblas:{ws}/venvs/x/lib.so", "no path here"]),
        build_dir=str(ws / "build" / "demo-1"), build_env="/root/.cache/mesonmatrix/envs/e", log=str(ws / "cell.log"),
    )
    path = tmp_path / "result.json"
    write_record(record, path, root)
    data = json.loads(path.read_text())
    assert data["wheels"][0]["path"] == ".matrix/results/demo/s/dist/a.whl"
    assert data["matrix_file"] == "matrices/default.toml" and data["log"] == ".matrix/cell.log"
    assert data["build_dir"] == ".matrix/build/demo-1"
    assert data["blas_runtime"]["library"] == ".matrix/venvs/x/lib.so"
    assert data["blas_runtime"]["threadpoolctl"] == ["openblas:.matrix/venvs/x/lib.so", "no path here"]
    # Outside the project: a shared cache, another disk.
    assert data["built_wheels"][0]["path"] == "/elsewhere/b.whl" and data["build_env"].startswith("/root/")
    assert data["blas_runtime"]["extension"] == "/usr/lib/e.so"
    loaded = load_record(path)
    assert recorded_path(loaded.wheels[0].path, root) == ws / "results/demo/s/dist/a.whl"
    assert recorded_path(loaded.built_wheels[0].path, root) == Path("/elsewhere/b.whl")


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"no_session": true}'])
def test_anything_else_is_refused(tmp_path, text):
    path = tmp_path / "result.json"
    path.write_text(text)
    with pytest.raises(RecordError):
        load_record(path)


def test_the_shipped_schemas_are_what_the_dataclasses_give():
    from mesonmatrix.schemagen import SCHEMAS, schema_text, shipped

    for name in SCHEMAS:
        assert shipped(name).read_text() == schema_text(name), f"run `python -m mesonmatrix.schemagen` ({name})"


def test_a_full_record_validates_and_a_wrong_one_does_not():
    import json

    import jsonschema

    from mesonmatrix.record import (
        BlasRuntime,
        PackageRecord,
        RepairInfo,
        ResultRecord,
        TestCounts,
        TestSetup,
        WheelInfo,
    )
    from mesonmatrix.schemagen import schema

    record = ResultRecord(session="build-3.12-openblas", target="demo", python="3.12", blas="openblas",
                          platform="linux-x86_64", system_libraries="none", install_tags="split", status="passed",
                          wheels=[WheelInfo(role="tests", path="/w/x.whl", size=1, sha256="0" * 64)],
                          repair=RepairInfo(tool="auditwheel", tag="manylinux_2_28_x86_64", grafted=[], reused=True,
                                            derived=["tests"]),
                          tests=TestCounts(passed=3), blas_runtime=BlasRuntime(name="openblas", int_size=32),
                          test_setup=TestSetup(honoured=["tool.cibuildwheel.test-command"]),
                          package=PackageRecord(format="rpm", path="/p.rpm", size=1, sha256="1" * 64),
                          durations={"total": 1.5})
    data = json.loads(record.to_json())
    jsonschema.validate(data, schema("result-record"))
    assert data["schema_version"] == "1"
    data["status"] = "maybe"
    try:
        jsonschema.validate(data, schema("result-record"))
    except jsonschema.ValidationError as exc:
        assert "maybe" in str(exc)
    else:
        raise AssertionError("a status outside the enum validated")
