"""Declarative models, one file per concern; importing this registers them all."""
from app.models.agency import Agency  # noqa: F401
from app.models.complaint import Attachment, Complaint, ComplaintEvent  # noqa: F401
from app.models.reference import Category, Channel, Holiday, SlaSetting  # noqa: F401
from app.models.reporter import Reporter  # noqa: F401
from app.models.user import LaporUser, Role  # noqa: F401
from app.models.reminder import Reminder  # noqa: F401
from app.models.notification import Notification, Outbox  # noqa: F401
from app.models.report import ReportAudit, TransparencyReport  # noqa: F401
from app.models.jobs import JobRun  # noqa: F401
from app.models.login import LoginEvent  # noqa: F401
from app.models.rollup import CaseRollup, ResponseHistogram  # noqa: F401
from app.models.export import CaseExport, CaseExportChunk  # noqa: F401
from app.models.region import Region  # noqa: F401
from app.models.hotspot import HotspotAlert  # noqa: F401
from app.models.privacy import IdentityAccess  # noqa: F401
from app.models.channels import ApiClientKey, ImportBatch, ImportMapping, InboundMessage  # noqa: F401
