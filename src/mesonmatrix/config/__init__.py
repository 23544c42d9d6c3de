"""The matrix as data: matrix files, target presets, session names and lock files."""
