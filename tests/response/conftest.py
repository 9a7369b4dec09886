import pytest

from orbitwatch.response import load_fleet


@pytest.fixture(scope="session")
def fleet():
    return load_fleet()
