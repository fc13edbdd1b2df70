"""Where templates/, static/ and migrations/ are: in a wheel inside the package, in a checkout
beside it."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `name` (templates, static, migrations) for this installation."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
