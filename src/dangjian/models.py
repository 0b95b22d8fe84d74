"""Every module's tables, imported once so that the metadata is complete (migrations, tests)."""

from dangjian.audit import models as audit_models  # noqa: F401
from dangjian.auth import models as auth_models  # noqa: F401
from dangjian.db import Base
from dangjian.importexport import models as importexport_models  # noqa: F401
from dangjian.member import models as member_models  # noqa: F401
from dangjian.meeting import models as meeting_models  # noqa: F401
from dangjian.org import models as org_models  # noqa: F401

metadata = Base.metadata
