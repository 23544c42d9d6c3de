"""Repackaging a built wheel as a distro packager does (the seeds: "install the wheel into
a staging area, then make the extension modules in that install location relocatable
(e.g., by rewriting RPATHs), and then repackage it into the final package format").

``staging`` installs the built (not the repaired) wheel into a root with ``installer``;
``relocate`` rewrites RUNPATHs with patchelf; ``debian`` makes and lints the .deb;
``conda`` makes a .conda from a conda-layout staging root.
"""
