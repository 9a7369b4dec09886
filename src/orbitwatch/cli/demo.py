"""``orbitwatch demo`` (filled in with the sample catalog)."""


def demo_command():
    """Show what orbitwatch does on a shipped sample catalog."""
    raise NotImplementedError
