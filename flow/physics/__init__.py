"""Offline physics simulation of the hls4ml LHC jet-tagging data (OpenML 42468 feature set).

`flow.physics.ecf` is pure numpy (energy correlators, mMDT grooming) and always importable;
`flow.physics.jets` needs the optional ``physics`` extra (pythia8mc, fastjet), imported lazily.
"""

from flow.physics.ecf import FEATURE_NAMES

__all__ = ["FEATURE_NAMES"]
