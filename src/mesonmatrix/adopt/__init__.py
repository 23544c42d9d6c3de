"""Adopting mesonmatrix in a project's own repository: ``python -m mesonmatrix init``."""
