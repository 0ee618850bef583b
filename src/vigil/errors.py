"""The errors a user of Vigil can meet, in four categories.

Every domain error is a subclass of one category: :class:`NotFound` (the thing asked for does not exist, or
the caller may not know it does), :class:`Conflict` (it exists, but its state forbids what was asked),
:class:`Invalid` (the input is refused as given) or :class:`Unavailable` (a dependency is not ready; try
again later). The web layer maps the categories once to problem details (``web/problems.py``) and the
command line once to exit codes (``cli/main.py``); anything that is not a ``VigilError`` is a programming
error and is shown as one (a logged 500, a traceback), never as a user's mistake.

Domain errors keep the built-in base they had (``ValueError``, ``LookupError``, ``RuntimeError``) next to
their category, so code that caught those still does.
"""

from __future__ import annotations


class VigilError(Exception):
    """An error whose message is meant for the user who caused it."""


class NotFound(VigilError, LookupError):  # noqa: N818 - a category, named as the answer it becomes
    """The thing asked for does not exist (or is not the caller's to see)."""


class Conflict(VigilError):  # noqa: N818
    """The thing exists but its current state does not allow what was asked."""


class Invalid(VigilError, ValueError):  # noqa: N818
    """The input is refused as given (malformed, out of range, unknown name)."""


class Unavailable(VigilError):  # noqa: N818
    """Something the request needs is not ready; the same request may succeed later."""

    #: Seconds after which trying again makes sense, when known (a subclass or an instance sets it).
    retry_after: int | None = None


#: The four categories; :func:`category` tells which one an error belongs to.
CATEGORIES: tuple[type[VigilError], ...] = (NotFound, Conflict, Invalid, Unavailable)


def category(exc: VigilError) -> type[VigilError]:
    """The category of ``exc``: the first one in its class's MRO, so that a subclass naming a category before
    its domain base (``class UnknownUserError(NotFound, AuthError)``) wins over the base's (``Invalid``).
    A ``VigilError`` raised without a category counts as ``Invalid``."""
    for klass in type(exc).__mro__:
        if klass in CATEGORIES:
            return klass
    return Invalid


def restated(exc: VigilError, message: str) -> VigilError:
    """An error of the same category as ``exc`` with a message that says more (which file, what was kept),
    for a layer that adds context and lets the shared mapping do the rest."""
    return category(exc)(message)
