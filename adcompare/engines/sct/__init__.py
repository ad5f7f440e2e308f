"""Source code transformation: ``ad.engine("sct")``. See :mod:`.engine`."""

from adcompare.engines.sct.api import SCTEngine
from adcompare.engines.sct.errors import SCTError

__all__ = ["SCTEngine", "SCTError"]
