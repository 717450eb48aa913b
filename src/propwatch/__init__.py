"""propwatch: find propaganda techniques in news articles, with character-exact evidence.

    >>> import propwatch
    >>> analysis = propwatch.analyze("They are traitors who will destroy everything we love.")
    >>> [(s.technique, analysis.article.text[s.start:s.end]) for s in analysis.spans]
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["analyze", "analyze_files", "Article", "Span", "Analysis", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use so that `import propwatch` stays cheap (no model, no numpy).
    if name in ("analyze", "analyze_files"):
        from . import pipeline
        return getattr(pipeline, name)
    if name in ("Article", "Span", "Analysis"):
        from . import doc
        return getattr(doc, name)
    raise AttributeError(f"module 'propwatch' has no attribute {name!r}")
