"""Replica portals: local HTTP servers imitating Vietnamese local-government news portals.

Used by the test suite and by ``civicnews replica serve`` to exercise crawlers without internet.
"""

from civicnews.replica.renderer import ReplicaError, Response
from civicnews.replica.server import FAMILIES, PortInUseError, ReplicaServer, RequestRecord

__all__ = [
    "FAMILIES",
    "PortInUseError",
    "ReplicaError",
    "ReplicaServer",
    "RequestRecord",
    "Response",
]
