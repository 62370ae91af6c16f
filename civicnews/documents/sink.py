"""Collect extracted text up to a character limit, so a huge file never builds a huge string."""

from __future__ import annotations


class Full(Exception):
    """The sink holds ``max_chars``: the reader stops and the file is ``partial``."""


class TextSink:
    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        if not text:
            return
        room = self.max_chars - self.chars
        if len(text) >= room:
            self.parts.append(text[:room])
            self.chars = self.max_chars
            raise Full
        self.parts.append(text)
        self.chars += len(text)

    def text(self) -> str:
        return "\n".join(self.parts)
