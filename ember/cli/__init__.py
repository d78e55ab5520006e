"""The ``ember`` command line: ``ember demo``, ``ember info``, ``ember bench``."""
