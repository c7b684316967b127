"""The knowledge base (KB): the network's entities, relations, territories and claims."""

from kharita.kb.knowledge import KnowledgeBase, NameMatch, Snapshot
from kharita.kb.load import load_kb

__all__ = ["KnowledgeBase", "NameMatch", "Snapshot", "load_kb"]
