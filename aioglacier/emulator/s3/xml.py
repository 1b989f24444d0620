"""The little XML S3 needs: escaped elements for responses, a namespace-blind parser for
request bodies."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

__all__ = ["HEADER", "NAMESPACE", "XmlNode", "element", "parse_document"]

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def element(name: str, value: str | int | bool | None) -> str:
    """``<name>value</name>`` with the value escaped; booleans as ``true``/``false``; None
    gives an empty element."""
    if value is None:
        return f"<{name}></{name}>"
    text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
    return f"<{name}>{text}</{name}>"


class XmlNode:
    """A parsed element: local ``name``, ``text`` and ``children`` (namespaces dropped)."""

    __slots__ = ("children", "name", "text")

    def __init__(self, name: str, text: str, children: list[XmlNode]) -> None:
        self.name = name
        self.text = text
        self.children = children

    def all(self, name: str) -> list[XmlNode]:
        """Every child called ``name``."""
        return [c for c in self.children if c.name == name]

    def first(self, name: str) -> XmlNode | None:
        """The first child called ``name``, or None."""
        for child in self.children:
            if child.name == name:
                return child
        return None

    def child_text(self, name: str) -> str | None:
        """The text of the first child called ``name`` (stripped), or None."""
        child = self.first(name)
        return None if child is None else child.text.strip()


def _convert(node: ET.Element) -> XmlNode:
    tag = node.tag.rpartition("}")[2] if isinstance(node.tag, str) else ""
    return XmlNode(tag, node.text or "", [_convert(c) for c in node])


def parse_document(body: bytes) -> XmlNode | None:
    """Parse a request body; None when it is not well-formed XML.

    ElementTree on expat (2.4 or later, as Python ships it) expands no external entities and
    limits entity amplification, and bodies are size-capped before they get here.
    """
    try:
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        return None
    return _convert(root)
