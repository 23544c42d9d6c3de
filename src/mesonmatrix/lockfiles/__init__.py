"""Lock files for build and test environments (``files``: where each lives, what it is
compiled from, whether it is stale) and writing them (``write``, behind ``nox -s lock``
and ``init``)."""
