"""The stages of a cell, one module each, in the order the pipeline runs them:
``build_env`` → ``build`` (with ``cut`` for tag sets) → ``repair`` → ``partition``
(split cells) → ``test`` (with ``blascheck``). Each takes the cell's plan and what earlier
stages returned, and returns a typed result; none writes the result record."""
