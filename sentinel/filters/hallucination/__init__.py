"""Hallucination heuristics for RAG and tool use (see docs/hallucination.md)."""

from sentinel.filters.hallucination.config import HallucinationRules
from sentinel.filters.hallucination.filter import Assessment, HallucinationFilter, Tally
from sentinel.filters.hallucination.grounding import Embedder

__all__ = ["Assessment", "Embedder", "HallucinationFilter", "HallucinationRules", "Tally"]
