"""Reading Arabic, English and French news text into mentions, events and claims.

Everything here points into the source text (character offsets and the exact
surface strings); nothing is generated, summarised or rewritten. The entry point
is :func:`kharita.text.read.read`.
"""

from __future__ import annotations

from kharita.text.read import Mention, ReadResult, read

__all__ = ["Mention", "ReadResult", "read"]
