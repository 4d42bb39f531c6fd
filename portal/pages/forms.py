"""Forms of the general pages."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired

from portal.forms import PortalForm
from portal.i18n import lazy_gettext as _l
from portal.templating import CONTRASTS, TEXT_SIZES


class DisplaySettingsForm(PortalForm):
    # The choices and their labels are in the template (radios); here, only what is allowed.
    text = StringField(
        validators=[InputRequired(message=_l("Choose a text size")), AnyOf(TEXT_SIZES, message=_l("Choose a text size"))]
    )
    contrast = StringField(
        validators=[InputRequired(message=_l("Choose a contrast")), AnyOf(CONTRASTS, message=_l("Choose a contrast"))]
    )
