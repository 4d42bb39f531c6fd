"""Chromium's accessibility tree, as a screen reader is given it (CDP `Accessibility.getFullAXTree`).

What the tests read from it: every control's role, name and states; headings; landmarks; images.
Nodes Chromium ignores (aria-hidden, display:none, presentational) are left out, as a screen
reader never meets them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

# The roles a person operates (Chromium's names for them).
CONTROL_ROLES = frozenset({
    "link", "button", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "switch", "slider",
    "spinbutton", "menuitem", "tab", "DisclosureTriangle", "option",
})
LANDMARK_ROLES = frozenset({"banner", "navigation", "main", "contentinfo", "region", "complementary", "search", "form"})
# The states a screen reader says of a control, as Chromium's properties name them.
STATE_PROPERTIES = ("checked", "expanded", "invalid", "required", "disabled", "pressed", "selected", "focusable", "focused",
                    "valuemin", "valuemax", "valuetext", "level", "url")


@dataclass(frozen=True)
class Node:
    role: str
    name: str
    description: str
    value: str
    states: dict[str, Any] = field(default_factory=dict)
    backend_id: int | None = None

    def __str__(self) -> str:
        states = ", ".join(f"{key}={value}" for key, value in sorted(self.states.items()) if key != "url")
        return f"{self.role} {self.name!r}" + (f" [{states}]" if states else "")


def _text(value: dict[str, Any] | None) -> str:
    found = (value or {}).get("value", "")
    return "" if found is None else str(found).strip()


def tree(driver: WebDriver) -> list[Node]:
    """Every node of the page that Chromium does not ignore, in document order."""
    driver.execute_cdp_cmd("Accessibility.enable", {})
    try:
        raw = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    finally:
        driver.execute_cdp_cmd("Accessibility.disable", {})
    nodes = []
    for item in raw:
        if item.get("ignored"):
            continue
        states = {prop["name"]: (prop.get("value") or {}).get("value") for prop in item.get("properties", [])
                  if prop["name"] in STATE_PROPERTIES}
        nodes.append(Node(_text(item.get("role")), _text(item.get("name")), _text(item.get("description")),
                          _text(item.get("value")), states, item.get("backendDOMNodeId")))
    return nodes


def controls(nodes: list[Node]) -> list[Node]:
    return [node for node in nodes if node.role in CONTROL_ROLES]


def headings(nodes: list[Node]) -> list[Node]:
    return [node for node in nodes if node.role == "heading"]


def landmarks(nodes: list[Node]) -> list[Node]:
    return [node for node in nodes if node.role in LANDMARK_ROLES]


def tab_stops(nodes: list[Node]) -> list[Node]:
    """What Tab stops at, as far as the tree says: focusable nodes that are not focusable only by script.

    Chromium marks `tabindex="-1"` elements focusable too; `tab_stops_in_page` asks the DOM instead.
    """
    return [node for node in nodes if node.states.get("focusable")]


# What a button does: the form it sends (method, action) and its own name and value.
_BUTTON_TARGET_JS = """function () {
  const form = this.form;
  if (!form) { return 'the button ' + (this.id || this.outerHTML.slice(0, 80)); }
  return form.method + ' ' + form.action + (this.name ? ' ' + this.name + '=' + this.value : '');
}"""


def leads_to(driver: WebDriver, node: Node) -> str:
    """Where a link leads (its URL) or what a button sends."""
    if node.role == "link":
        return str(node.states.get("url") or "")
    resolved = driver.execute_cdp_cmd("DOM.resolveNode", {"backendNodeId": node.backend_id})
    result = driver.execute_cdp_cmd("Runtime.callFunctionOn", {
        "objectId": resolved["object"]["objectId"], "functionDeclaration": _BUTTON_TARGET_JS, "returnByValue": True})
    return str(result["result"].get("value"))


def problems_of_controls(driver: WebDriver, nodes: list[Node], where: str) -> list[str]:
    """Every control has a name; two links or buttons with one name lead to the same place (a list
    of a page's links, or its buttons, read out of context, tells them apart)."""
    found: list[str] = []
    for node in controls(nodes):
        if not node.name and node.role not in ("option",):
            found.append(f"{where}: a {node.role} without a name ({node})")
    targets: dict[tuple[str, str], set[str]] = {}
    for node in controls(nodes):
        if node.role in ("link", "button") and node.name:
            targets.setdefault((node.role, node.name.casefold()), set()).add(leads_to(driver, node))
    for (role, name), where_to in sorted(targets.items()):
        if len(where_to) > 1:
            found.append(f"{where}: {len(where_to)} {role}s named {name!r} lead to different places: {sorted(where_to)}")
    return found


def problems_of_structure(nodes: list[Node], where: str) -> list[str]:
    """One h1; every landmark of a kind that may repeat has a name of its own."""
    found: list[str] = []
    first_level = [node for node in headings(nodes) if node.states.get("level") == 1]
    if len(first_level) != 1:
        found.append(f"{where}: {len(first_level)} headings of level 1: {[node.name for node in first_level]}")
    # A form or region without a name is no landmark (ARIA); banner, main and contentinfo come once each.
    named = Counter((node.role, node.name) for node in landmarks(nodes)
                    if node.role not in ("banner", "main", "contentinfo") and (node.name or node.role not in ("form", "region")))
    for (role, name), count in sorted(named.items()):
        if count > 1:
            found.append(f"{where}: {count} {role} landmarks share the name {name!r}")
    return found
