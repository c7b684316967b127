"""kharita: a sourced, time-aware workbench for decentralized transnational armed networks."""

from kharita.kb import load_kb

__version__ = "0.1.0"
__all__ = ["__version__", "load_kb"]
