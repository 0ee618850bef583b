"""``Signals``: what was computed from one piece of content, keyed by the registry's signal type names.

One value type for every place signals travel: ``vigil hash``, the scan's items and checkpoint, the API's
answers, the hotline's evidence, and matching (``vigil.matching.content``). Values are each type's
canonical text (a hex digest, a PDQ hash; a type whose value is a list of frames writes it as its own
canonical text), so a plugin's signal type is one more key rather than one more field.

The flat JSON form is the one ``vigil hash`` has always written: ``size``, the identity digests, each
perceptual type with its ``<name>_quality``, then plugins' digests, and (when asked for) each type's
``<name>_dihedral`` variants. Identity digests and perceptual types are always present (``null`` when
not computed); plugins' digests only when computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from vigil.signals import registry
from vigil.signals.base import ContentKind, DigestSignalType

#: Content kinds whose signals a ``Signals`` value carries (a URL's signal is the URL itself).
CONTENT_KINDS: Final[frozenset[ContentKind]] = frozenset({"file", "image", "video"})
QUALITY: Final = "_quality"
VARIANTS: Final = "_dihedral"


@dataclass(frozen=True, slots=True)
class Layout:
    """Which keys the flat JSON form has, in order (from the registry, once per process)."""

    #: Always written: identity digests, then perceptual types (each followed by its quality).
    fixed: tuple[str, ...]
    #: Types with a quality (0-100) beside their value: the perceptual ones.
    graded: tuple[str, ...]
    #: Written only when computed: plugins' digest types.
    optional: tuple[str, ...]
    #: Graded types with rotations and flips (``<name>_dihedral``): those of images.
    varied: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.fixed + self.optional


@cache
def layout() -> Layout:
    content = {
        name: kind
        for name, kind in registry.signal_types().items()
        if CONTENT_KINDS.intersection(kind.content_kinds)
    }
    identity = tuple(n for n in content if n in registry.IDENTITY_DIGESTS)
    # A type marked ``optional`` (pdq_regions, computed only when enabled) is written only when computed.
    graded = tuple(
        n
        for n, kind in content.items()
        if not isinstance(kind, DigestSignalType) and not getattr(kind, "optional", False)
    )
    optional = tuple(n for n in content if n not in identity and n not in graded)
    varied = tuple(n for n in graded if "image" in content[n].content_kinds)
    return Layout(identity + graded, graded, optional, varied)


@dataclass(frozen=True, slots=True)
class Signals:
    """The signals of one piece of content. Never mutated once built (the mappings are not copied on
    read, so callers must not change them either); pickled to and from worker processes."""

    #: Bytes of content, when it was read.
    size: int | None = None
    #: Canonical text by signal type name: ``{"md5": ..., "sha256": ..., "pdq": ..., "sha512": ...}``.
    values: Mapping[str, str] = field(default_factory=dict)
    #: Quality (0-100) of a perceptual value, by signal type name (``{"pdq": 87}``).
    quality: Mapping[str, int] = field(default_factory=dict)
    #: What a lookup searches with instead of the value, by signal type name: each rotation and flip
    #: of an image (``{"pdq": (8 hashes)}``), a video's value and its frames inside letterbox bars
    #: (``{"vpdq": (value, cropped)}``), the query regions of ``pdq_regions``. Only the image types'
    #: are written in the JSON form (``<name>_dihedral``).
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The ``name`` value, or None when it was not computed."""
        return self.values.get(name)

    def quality_of(self, name: str) -> int | None:
        return self.quality.get(name)

    def queries(self, name: str, *, dihedral: bool = True) -> Sequence[str]:
        """What to search a ``name`` index with: every variant (with ``dihedral``), else the value."""
        if dihedral and self.variants.get(name):
            return self.variants[name]
        value = self.values.get(name)
        return (value,) if value else ()

    def __bool__(self) -> bool:
        """True when any signal was computed (a size alone matches nothing)."""
        return bool(self.values)

    def to_json(self, *, variants: bool = False) -> dict[str, Any]:
        """The flat JSON form (module docstring); ``variants`` adds ``<name>_dihedral`` of each graded
        type (``null`` when none were computed)."""
        shape = layout()
        out: dict[str, Any] = {"size": self.size}
        for name in shape.fixed:
            out[name] = self.values.get(name)
            if name in shape.graded:
                out[name + QUALITY] = self.quality.get(name)
        for name in shape.optional:
            if name in self.values:
                out[name] = self.values[name]
        if variants:
            out.update(self.variants_json())
        return out

    def variants_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in layout().varied:
            found = self.variants.get(name)
            out[name + VARIANTS] = list(found) if found else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Signals:
        """The value ``to_json`` wrote (other keys are ignored); an older form's ``extra`` mapping of
        plugins' digests is read too."""
        values: dict[str, str] = {}
        quality: dict[str, int] = {}
        variants: dict[str, tuple[str, ...]] = {}
        old_extra = data.get("extra")
        if isinstance(old_extra, Mapping):
            values.update({str(k): str(v) for k, v in old_extra.items() if v})
        shape = layout()
        for name in shape.names:
            value = data.get(name)
            if value:
                values[name] = str(value)
        for name in shape.graded:
            grade = data.get(name + QUALITY)
            if grade is not None:
                quality[name] = int(grade)
        for name in shape.varied:
            found = data.get(name + VARIANTS)
            if found:
                variants[name] = tuple(str(v) for v in found)
        size = data.get("size")
        return cls(None if size is None else int(size), values, quality, variants)
