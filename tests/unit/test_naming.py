from mesonmatrix.config.naming import session_name, session_tags

DEFAULTS = {"platform": "linux-x86_64", "system_libraries": "none", "install_tags": "full", "package": "wheel"}


def cell(**overrides):
    values = {"python": "3.12", "blas": "openblas", **DEFAULTS}
    values.update(overrides)
    return values


def test_default_cell_is_the_headline_name():
    assert session_name(cell(), DEFAULTS) == "build-3.12-openblas"


def test_non_default_values_append_in_fixed_order():
    name = session_name(cell(platform="macos-arm64", system_libraries="auto", install_tags="split"), DEFAULTS)
    assert name == "build-3.12-openblas-macos-arm64-auto-split"


def test_commas_become_plus():
    assert session_name(cell(system_libraries="boost.math,auto"), DEFAULTS) == "build-3.12-openblas-boost.math+auto"


def test_tags_one_per_axis_value():
    tags = session_tags(cell(install_tags="split", system_libraries="kahan,auto"))
    assert set(tags) >= {"py3.12", "openblas", "linux-x86_64", "split", "syslibs-kahan+auto"}


def test_a_repackaged_cell_names_its_format_last():
    name = session_name(cell(blas="system-openblas", package="deb"), DEFAULTS)
    assert name == "build-3.12-system-openblas-deb"
    assert "deb" in session_tags(cell(package="deb")) and "wheel" not in session_tags(cell())
