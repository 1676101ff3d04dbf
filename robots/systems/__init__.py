"""What every legacy system's page object or API client shares.

Public API for a process's ``systems.py``::

    from robots.systems import LegacyWebApp, ApiClient, FormRejected, ApiRejected, NotFound, parse
"""

from . import parse
from .api import ApiClient, ApiRejected, NotFound
from .web import FormRejected, LegacyWebApp, Screen, Table

__all__ = ["ApiClient", "ApiRejected", "FormRejected", "LegacyWebApp", "NotFound", "Screen", "Table", "parse"]
