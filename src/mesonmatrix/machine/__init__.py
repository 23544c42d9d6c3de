"""The machine a cell runs on: commands, file locks, the workspace, interpreters, uv,
apt, ccache, compilers and what meson says about a build dir. Nothing here knows about
stages or the result record."""
