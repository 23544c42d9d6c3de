"""``nox -s doctor``: what the selected cells need on this machine, found or missing, with
the command that fixes each."""
