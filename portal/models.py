"""Every feature's models, imported in one place for Alembic and the schema test."""

from portal.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ReferenceSequence,
)
from portal.assessment.models import Assessment
from portal.audit import AuditEvent
from portal.casework.models import DecisionDocument, DecisionDraft, PayrollExport, PayrollLine
from portal.eid.models import WebSession
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications.models import OutboxMessage
from portal.people.models import ContactCode, ContactDetails, Municipality, Person, Representation, School, StaffRole
from portal.ratelimit import RateLimitHit
from portal.registers.models import RegisterRead
from portal.surveys.models import SurveyDraft, SurveyHeldAnswer, SurveyParticipation, SurveyResponse, SurveyTally, SurveyVisit
from portal.timesheets.models import ControlSample, HourlyRate, MonthlyReport, MonthPayTotal, ReportEvent, ReportPayLine, TimeEntry

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "ReferenceSequence",
    "Assessment",
    "AuditEvent",
    "DecisionDocument",
    "DecisionDraft",
    "PayrollExport",
    "PayrollLine",
    "AssistantAssignment",
    "Entitlement",
    "OutboxMessage",
    "ContactCode",
    "ContactDetails",
    "Municipality",
    "Person",
    "Representation",
    "School",
    "StaffRole",
    "ControlSample",
    "HourlyRate",
    "MonthlyReport",
    "ReportEvent",
    "TimeEntry",
    "MonthPayTotal",
    "ReportPayLine",
    "SurveyDraft",
    "SurveyHeldAnswer",
    "SurveyParticipation",
    "SurveyResponse",
    "SurveyTally",
    "SurveyVisit",
    "WebSession",
    "RateLimitHit",
    "RegisterRead",
]
