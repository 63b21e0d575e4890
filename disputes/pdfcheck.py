"""What makes a PDF unsafe to keep or pass on, found by a real parser: scripts and automatic
actions, Launch actions, files embedded in it. Shared by the evidence vault (uploads) and
messaging (attachments on replies), which word the refusal each in their own terms.

Every object of the file is read: those in the cross-reference table and those packed in
compressed object streams, since a key may be written with #-escapes or sit in a stream."""

from enum import StrEnum

SCRIPT_KEYS = {"/JS", "/JavaScript", "/AA", "/XFA"}
ATTACHMENT_KEYS = {"/EmbeddedFile", "/EmbeddedFiles", "/EF"}
ATTACHMENT_TYPES = {"/EmbeddedFile", "/FileAttachment"}


class Hazard(StrEnum):
    SCRIPT = "script"
    LAUNCH = "launch"
    ATTACHMENT = "attachment"


def objects(reader):
    """The trailer and every numbered object of a pypdf reader."""
    from pypdf.generic import IndirectObject

    yield reader.trailer
    numbers = {(number, generation) for generation, table in reader.xref.items() for number in table}
    numbers |= {(number, 0) for number in reader.xref_objStm}
    for number, generation in sorted(numbers):
        yield reader.get_object(IndirectObject(number, generation, reader))


def hazard_in(top) -> Hazard | None:
    """The first hazard in one object and the dictionaries and arrays written inside it
    (referenced objects are visited on their own)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    pending = [top]
    while pending:
        obj = pending.pop()
        if isinstance(obj, ArrayObject):
            pending.extend(obj)
        if not isinstance(obj, DictionaryObject):
            continue
        keys = set(obj.keys())
        action = _name(obj, "/S")
        if keys & SCRIPT_KEYS or action == "/JavaScript":
            return Hazard.SCRIPT
        if action == "/Launch" or "/Launch" in keys:
            return Hazard.LAUNCH
        if keys & ATTACHMENT_KEYS or {_name(obj, "/Type"), _name(obj, "/Subtype")} & ATTACHMENT_TYPES:
            return Hazard.ATTACHMENT
        pending.extend(obj.values())
    return None


def hazard(reader) -> Hazard | None:
    """The first hazard anywhere in the document. Raises what pypdf raises on a broken file."""
    for obj in objects(reader):
        found = hazard_in(obj)
        if found is not None:
            return found
    return None


def _name(obj, key: str) -> str:
    """The name under `key`, following a reference; "" when it is something else."""
    value = obj.get(key)
    value = value.get_object() if value is not None else None
    return value if isinstance(value, str) else ""
