"""What a cell keeps between runs, and the keys that say when it may be reused: built
wheels (``wheelstore``) and the wheels cut from them (``cuts``), repaired wheels
(``repairstore``), the fingerprints of a build's inputs (``fingerprints``) and the one
path each flavour compiles at (``buildslot``)."""
