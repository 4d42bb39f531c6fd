"""What the sign-in pages take from a POST, read at the boundary (portal.forms)."""

from __future__ import annotations

from portal.forms import Form, Text

# The longest page address the portal goes back to after signing in or staying signed in.
MAX_NEXT = 500


class StaySignedInForm(Form):
    # The page to go back to without JavaScript; anything but one of our own pages leads to the dashboard.
    return_to = Text(max_length=MAX_NEXT)


class EndOtherSessionsForm(Form):
    """A button and the CSRF token (checked by the middleware): nothing else is read."""
