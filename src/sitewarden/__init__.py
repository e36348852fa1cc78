"""Sitewarden: find, decide on, act on and report fraud sites on a provider's own services."""

__version__ = "0.1.0"
