"""ReviewLens core: what the stages share (review schema, store, configuration, command line)."""

__version__ = "0.1.0"
