"""A failed ninja step said in one line: its target and the first error line after it."""

from mesonmatrix.machine.mesoninfo import ninja_error

NINJA = """[1/4] Compiling C object src/a.so.p/a.c.o
FAILED: src/a.so.p/b.c.o
cc -Isrc/a.so.p -I../src -MD -MQ src/a.so.p/b.c.o -o src/a.so.p/b.c.o -c ../src/b.c
../src/b.c: In function 'f':
../src/b.c:3:5: error: unknown type name 'foo'
    3 |     foo x;
../src/b.c:4:1: error: expected ';' before '}' token
ninja: build stopped: subcommand failed.
"""


def test_the_target_and_the_first_error_line():
    assert ninja_error(NINJA) == "src/a.so.p/b.c.o: ../src/b.c:3:5: error: unknown type name 'foo'"


def test_a_link_error_and_no_failure():
    link = "FAILED: src/a.so\ncc -o src/a.so a.o\n/usr/bin/ld: a.o: in function `f':\na.c:(.text+0x5): " \
           "undefined reference to `dgemm_'\ncollect2: error: ld returned 1 exit status\n"
    assert ninja_error(link) == "src/a.so: a.c:(.text+0x5): undefined reference to `dgemm_'"
    assert ninja_error("[1/1] Linking target x\n") is None


def test_what_pkg_config_resolved_is_read_from_mesons_introspection(tmp_path):
    import json

    from mesonmatrix.machine.mesoninfo import pkg_config_found

    (tmp_path / "meson-info").mkdir()
    (tmp_path / "meson-info" / "intro-dependencies.json").write_text(json.dumps([
        {"name": "python3", "type": "pkgconfig", "version": "3.12",
         "compile_args": ["-I/opt/py312/include/python3.12"], "link_args": []},
        {"name": "openblas", "type": "pkgconfig", "version": "0.3.21", "compile_args": [],
         "link_args": ["/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so", "-Wl,-rpath,/x"]},
        {"name": "kahan", "type": "internal", "version": "1"}]))
    blas = "0.3.21 /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so"
    assert pkg_config_found(tmp_path) == {"python3": "3.12 -I/opt/py312/include/python3.12", "openblas": blas}
    assert pkg_config_found(tmp_path / "none") == {}
