"""CI above the plan: GitHub Actions' job matrix from the typed cells and their plans
(``jobs``), and the workflow files that run it (``workflow``), this repository's nightly
and the one ``mesonmatrix init`` writes. Tags stay what nox selects with (``nox -t``)."""
