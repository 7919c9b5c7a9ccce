"""The analysis stage: sentiment, topics and entities of review texts with a local or remote LLM.

`Analyzer` (analysis.analyzer) is the entry point; it is imported lazily so that importing this
package does not import torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Analyzer"]


def __getattr__(name: str) -> Any:
    if name == "Analyzer":
        from analysis.analyzer import Analyzer

        return Analyzer
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
