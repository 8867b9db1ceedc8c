"""hubql as the task database of an ipyparallel Hub.

pip install ./integrations/ipyparallel
ipcontroller --IPController.db_class=hubql_ipyparallel.HubqlDB --HubqlDB.url=http://127.0.0.1:4000/graphql
"""

from .db import HubqlDB, RecordUnavailable
from .transport import HubqlError, HubqlUnavailable

__all__ = ["HubqlDB", "HubqlError", "HubqlUnavailable", "RecordUnavailable"]
__version__ = "0.1.0"
