"""The Jinja environment: i18n, the per-request context every template gets, filters."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from portal import i18n
from portal.cookies import cookies_of
from portal.holed_gzip import HoledGzip
from portal.settings import Settings
from portal.staticfiles import load_manifest, takes_gzip
from portal.urlmap import UrlMap

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
PREFS_COOKIE = "portal_prefs"
TEXT_SIZES = ("normal", "large", "larger")
CONTRASTS = ("standard", "high")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (anonymous visitors get one too)."""
    if "session" not in request.scope:  # error pages rendered outside the session middleware
        return ""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def display_prefs(request: Request) -> dict[str, str]:
    """Text size and contrast from the preferences cookie, each checked against its choices."""
    raw = cookies_of(request.scope).get(PREFS_COOKIE, "")
    prefs = {"text": "normal", "contrast": "standard"}
    for part in raw.split("."):
        if part in TEXT_SIZES:
            prefs["text"] = part
        elif part in CONTRASTS:
            prefs["contrast"] = part
    return prefs


def html_classes(prefs: dict[str, str]) -> str:
    classes = []
    if prefs["text"] != "normal":
        classes.append(f"text-{prefs['text']}")
    if prefs["contrast"] == "high":
        classes.append("contrast-high")
    return " ".join(classes)


def page_lang(request: Request) -> str:
    return request.path_params.get("lang") or i18n.get_locale()


def switch_language_url(request: Request, to: str) -> str:
    path = request.url.path
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[1] in i18n.LOCALES:
        rest = parts[2] if len(parts) > 2 else ""
        path = f"/{to}/{rest}"
    else:
        path = f"/{to}/"
    query = request.url.query
    return f"{path}?{query}" if query else path


def error_for(errors: list[tuple[str, str]], field_id: str) -> str | None:
    return next((message for error_id, message in errors if error_id == field_id), None)


def lang_url(request: Request, name: str, **params: Any) -> str:
    """The path of a named page in the language of the current page (from the app's UrlMap)."""
    urls: UrlMap = request.app.state.urls
    return urls.path(name, lang=params.pop("lang", page_lang(request)), **params)


def static_versions(directory: Path = STATIC_DIR) -> dict[str, str]:
    """Each static file's version, from its content: the manifest the static route serves (read and hashed once)."""
    return load_manifest(directory).versions


def static_url(request: Request, path: str) -> str:
    """The file's URL with a version from its content: a changed file gets a new URL (after a restart)."""
    versions: dict[str, str] = request.app.state.static_versions
    return f"/static/{path}?v={versions[path]}"


def _request_context(request: Request) -> dict[str, Any]:
    lang = page_lang(request)

    def url(name: str, **params: Any) -> str:
        return lang_url(request, name, **params)

    settings: Settings = request.app.state.settings
    prefs = display_prefs(request)
    return {
        "lang": lang,
        "url": url,
        "static": lambda path: static_url(request, path),
        # The same page in each other language, in the switch's order (the switch and the head's alternates).
        "switch_urls": {other: switch_language_url(request, other) for other in i18n.other_locales(lang)},
        "person": request.scope.get("person"),
        # Whether the signed-in person's own changes are theirs to make (a represented minor's are not).
        "decides_for_themself": getattr(request.scope.get("actor"), "decides_for_themself", True),
        "csrf_token": csrf_token(request),
        "prefs": prefs,
        "html_classes": html_classes(prefs),
        "settings": settings,
        "idle_seconds": settings.idle_timeout_seconds,
        "warn_seconds": settings.idle_warning_seconds,
    }


def create_templates(*, auto_reload: bool = False) -> Jinja2Templates:
    env = jinja2.Environment(
        auto_reload=auto_reload,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.get_locale()).ugettext(message),
        lambda singular, plural, n: i18n.translations(i18n.get_locale()).ungettext(singular, plural, n),
        newstyle=True,
    )
    env.globals.update(i18n.template_globals())
    env.globals["error_for"] = error_for
    # The language switch's languages and their names, also in the imported component macros.
    env.globals["languages"] = i18n.LOCALES
    env.globals["language_names"] = i18n.LANGUAGE_NAMES
    return Jinja2Templates(env=env, context_processors=[_request_context])


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Any:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)


class PublicPages:
    """Pages that say the same to every visitor who is not signed in, rendered once per language and display preference.

    Only a page without a query string is kept (so the cache cannot be filled with made-up URLs: at most
    languages × text sizes × contrasts entries per page). The one thing in it that is the visitor's own is
    the session's CSRF token, which is put into the kept page for each request; a browser that takes gzip
    gets the page compressed once, around its token (portal.holed_gzip). Never used while templates
    reload (the demo), so an edited template shows at once.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.kept: dict[tuple[str, str, str, str], HoledGzip] = {}

    def render(self, request: Request, name: str) -> Response:
        token = csrf_token(request)
        if not self.enabled or not token or request.scope.get("person") is not None or request.scope["query_string"]:
            return render(request, name)
        prefs = display_prefs(request)
        key = (name, page_lang(request), prefs["text"], prefs["contrast"])
        value = token.encode()
        page = self.kept.get(key)
        if page is None:
            page = self.kept[key] = HoledGzip(bytes(render(request, name).body).split(value))
        if takes_gzip(request.scope):
            return Response(page.gzipped(value), media_type="text/html", headers=_GZIPPED)
        return HTMLResponse(page.text(value))


# Already compressed: the gzip middleware passes it on as it is, so the page says itself that it varies.
_GZIPPED = {"content-encoding": "gzip", "vary": "Accept-Encoding"}
