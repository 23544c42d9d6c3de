"""``nox -s culprit``: the one upstream release that broke a latest, pre or oldest cell."""
