"""Exception classes of openskies.

Each subclasses the builtin exception that users already catch, so that
``except ValueError`` keeps working, and carries a message that names the
offending value, what is accepted and how to fix it.
"""

from __future__ import annotations


class OpenSkiesError(Exception):
    """Base class of every error raised by openskies."""


class ValidationError(OpenSkiesError, ValueError):
    """An input value is malformed or out of range (coordinates, budgets, geometry...)."""


class UnknownCodeError(OpenSkiesError, KeyError):
    """An ISO3 code, treaty group, ICAO code, sensor or regime name is not known."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownPresetError(UnknownCodeError, ValidationError):
    """A sensor or aircraft preset name is not known.

    Both an unknown name (``KeyError``, as :class:`UnknownCodeError`) and an
    unusable input value (``ValueError``, as :class:`ValidationError`), so that
    either ``except`` catches it (numpy's ``AxisError`` is a ``ValueError`` and an
    ``IndexError`` the same way).
    """


class ConfigError(ValidationError):
    """A configuration file is malformed, has an unknown key or a wrong value."""


class InfeasibleError(OpenSkiesError, ValueError):
    """No solution satisfies the constraints (e.g. the budget cannot reach any target)."""
