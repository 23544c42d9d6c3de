"""``nox -s rebuild-compare``: a cell built twice from fresh build dirs (``rebuild``), its
wheels compared member by member (``wheels``)."""
