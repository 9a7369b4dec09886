"""orbitwatch: space situational awareness and disaster-response tasking.

Import the public API from :mod:`orbitwatch.api`::

    from orbitwatch.api import read_elements, Catalog, propagate
"""

__version__ = "0.1.0"
