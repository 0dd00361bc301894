"""Whether an optional module exists, for wiring apps that are built one part at a time."""

from importlib.util import find_spec


def module_exists(dotted: str) -> bool:
    """True when ``dotted`` can be imported; False (not an error) when it or a parent is absent."""
    try:
        return find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False
