"""What a cell builds: resolving ``--target`` to a source tree (preset, directory or
sdist), reading what the project declares, and the facts of its sources (digest,
SOURCE_DATE_EPOCH)."""
