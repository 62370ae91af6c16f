"""civicnews: an archive crawler for Vietnamese local-government news portals."""

__version__ = "0.1.0"
