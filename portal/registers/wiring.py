"""Which registers the portal reads: PORTAL_REGISTER_ADAPTER chooses, once per app."""

from __future__ import annotations

from typing import Any

from portal.registers.base import Registers
from portal.registers.files import FileRegisters
from portal.registers.http import HttpRegisters
from portal.settings import Settings


def registers_for(settings: Settings) -> Registers | None:
    """The configured registers; None when they are off (every fact is asked, as before they were connected).

    A broken fixture or an unreadable client certificate raises here, when the app starts using them.
    """
    match settings.register_adapter:
        case "file":
            files = FileRegisters(settings.register_file)
            return Registers(population=files, disability=files, education=files)
        case "http":
            http = HttpRegisters(settings.register_base_url, settings.register_timeout_seconds,
                                 settings.register_client_cert, settings.register_client_key)
            return Registers(population=http, disability=http, education=http)
        case _:
            return None


_UNSET = object()


def registers_of(state: Any) -> Registers | None:
    """The app's registers (Starlette's app.state), made from its settings the first time they are asked for."""
    found = getattr(state, "registers", _UNSET)
    if found is _UNSET:
        found = registers_for(state.settings)
        state.registers = found
    assert found is None or isinstance(found, Registers)
    return found
