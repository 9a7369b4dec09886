"""``orbitwatch propagate`` (filled in with the store)."""


def propagate_command():
    """Propagate objects over a time span."""
    raise NotImplementedError
