"""The ``vigil`` command line: thin translation of argv into calls of the domain packages."""
