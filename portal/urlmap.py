"""Every named route's path, read once from the app's routes when the app is made.

Starlette's `url_path_for` walks the whole route tree on every call (about 90 routes, through the
language mount), and a page with 30 links made 30 walks. The map keeps each name's path pattern and
its parameters' convertors, and only fills them in. It finds what `url_path_for` finds (the first
route of a name, looking through unnamed mounts); `tests/test_urlmap.py` compares the two for every
route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.convertors import Convertor
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route


class UrlMap:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._paths: dict[str, tuple[str, dict[str, Convertor[Any]]]] = {}
        self._read(routes, "", {})

    def _read(self, routes: Sequence[BaseRoute], prefix: str, convertors: dict[str, Convertor[Any]]) -> None:
        for route in routes:
            if isinstance(route, Mount) and route.name is None:
                # A mount's pattern ends in "/{path}", the rest of the path its routes match.
                mounted = {key: convertor for key, convertor in route.param_convertors.items() if key != "path"}
                self._read(route.routes, prefix + route.path_format.removesuffix("/{path}"), {**convertors, **mounted})
            elif isinstance(route, Route) and route.name:
                self._paths.setdefault(route.name, (prefix + route.path_format, {**convertors, **route.param_convertors}))

    def names(self) -> list[str]:
        return list(self._paths)

    def path(self, name: str, **params: Any) -> str:
        """The path of the named route with these parameters (each through its convertor, as Starlette does)."""
        found = self._paths.get(name)
        if found is None or set(params) != set(found[1]):
            raise NoMatchFound(name, params)
        pattern, convertors = found
        return pattern.format(**{key: convertors[key].to_string(value) for key, value in params.items()})
