"""The GitHub Actions workflow ``init`` writes: one job per cell of ``nox -l --json``, as
this project's own nightly workflow does."""

from __future__ import annotations

WORKFLOW = """\
# Every mesonmatrix cell, one job each, on its platform's runner (written by
# `python -m mesonmatrix init`). The job matrix comes from `nox -l --json`.
name: mesonmatrix

on:
  schedule:
    - cron: "23 4 * * *"
  workflow_dispatch:

permissions:
  contents: read

env:
  UV_PYTHON_DOWNLOADS: never
  # How CI installs mesonmatrix (a PyPI name, a path or a VCS URL).
  MESONMATRIX_REQUIREMENT: "__REQUIREMENT__"

jobs:
  matrix:
    name: list cells
    runs-on: ubuntu-latest
    outputs:
      cells: ${{ steps.cells.outputs.cells }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install "$MESONMATRIX_REQUIREMENT"
      - id: cells
        run: python -m mesonmatrix ci-matrix >> "$GITHUB_OUTPUT"

  cell:
    name: ${{ matrix.session }}
    needs: matrix
    runs-on: ${{ matrix.runner }}
    strategy:
      fail-fast: false
      matrix: ${{ fromJSON(needs.matrix.outputs.cells) }}
    env:
      MESONMATRIX_CACHE: ${{ github.workspace }}/.cache/mesonmatrix
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: |
            ${{ matrix.python }}
            3.12
      - run: python -m pip install "$MESONMATRIX_REQUIREMENT"
      - name: Run the cell (reproduce locally with the same command)
        env:
          SESSION: ${{ matrix.session }}
        run: python -m nox -s "$SESSION" -- --verify-repair
      - name: Upload result record, wheels and log
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: result-${{ matrix.session }}
          path: .matrix/results/
          if-no-files-found: warn

  report:
    name: matrix report
    needs: cell
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install "$MESONMATRIX_REQUIREMENT"
      - uses: actions/download-artifact@v4
        with:
          pattern: result-*
          path: .matrix/results
          merge-multiple: true
      - name: Report (also written to the step summary)
        run: python -m nox -s report
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: matrix-report
          path: .matrix/report/
"""


def workflow_yaml(tool_requirement: str) -> str:
    if '"' in tool_requirement or "\n" in tool_requirement:
        raise ValueError(f"{tool_requirement!r} cannot be written into the workflow")
    return WORKFLOW.replace("__REQUIREMENT__", tool_requirement)
