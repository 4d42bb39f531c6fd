"""Forms of the general pages."""

from __future__ import annotations

from portal.forms import Choice, Form
from portal.i18n import lazy_gettext as _l
from portal.templating import CONTRASTS, TEXT_SIZES


class DisplaySettingsForm(Form):
    # The choices and their labels are in the template (radios); here, only what is allowed.
    text = Choice(TEXT_SIZES, required=_l("Choose a text size"))
    contrast = Choice(CONTRASTS, required=_l("Choose a contrast"))
