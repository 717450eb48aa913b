"""Cross-outlet text reuse: aligned passages, reprint clusters, likely origin, outlet graph."""

from .engine import (Boilerplate, Fingerprints, Origin, OutletEdge, ReuseOptions, ReuseResult,
                     align_pair, build_clusters, candidate_pairs, find_reuse, fingerprint,
                     is_boilerplate, is_outlet_boilerplate, likely_origin, outlet_graph,
                     usable_mask)

__all__ = ["Boilerplate", "Fingerprints", "Origin", "OutletEdge", "ReuseOptions", "ReuseResult",
           "align_pair", "build_clusters", "candidate_pairs", "find_reuse", "fingerprint",
           "is_boilerplate", "is_outlet_boilerplate", "likely_origin", "outlet_graph",
           "usable_mask"]
