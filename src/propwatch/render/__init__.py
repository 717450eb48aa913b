"""Render documents for people and tools: terminal, HTML report pages, JSON, JSONL and SemEval
TSV. Each layer shows itself through the renderer its component names (``layers``)."""
