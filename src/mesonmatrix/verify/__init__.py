"""``nox -s verify``: check wheels built anywhere (any platform), on this machine.

``inspect`` reads a wheel without running it (``integrity``, the binaries through
``mesonmatrix.binaries``, each platform family's rules in ``manylinux``/``macosx``/``windows``,
``libraries`` and ``staticblas``); ``pairs`` checks split pairs; ``runhere`` installs and
tests the wheels this machine can run; ``wheelset`` makes one record per wheel.
"""

from .wheelset import VerifyOptions, verify_wheels, wheels_in

__all__ = ["VerifyOptions", "verify_wheels", "wheels_in"]
