"""Every feature's models, imported in one place for Alembic and the schema test."""

from portal.applications.models import Application, ApplicationEvent, ReferenceSequence
from portal.audit import AuditEvent
from portal.people.models import Municipality, Person, Representation, StaffRole

__all__ = ["Application", "ApplicationEvent", "ReferenceSequence", "AuditEvent", "Municipality", "Person", "Representation", "StaffRole"]
