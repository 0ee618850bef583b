"""Hash-set import and export formats (VICS, CSV, md5sum/X-Ways, python-threatexchange local files).

Each format is one module, registered by its explicit name through the ``vigil_formats`` hook. Readers
stream: they yield one record at a time and never hold a whole file in memory.
"""
