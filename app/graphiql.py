"""GraphiQL from this server's own files: an offline clinic network reaches no CDN.

`graphiql.html` loads React, GraphiQL and its explorer plugin from `static/graphiql/`, vendored
from npm (its README lists versions, sources and checksums). Each package sits in a folder
named after its version, so an upgrade changes the URLs and the files may be cached for a year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

_HERE = Path(__file__).parent
PAGE = (_HERE / "graphiql.html").read_text(encoding="utf-8")


class _Assets(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def routes(enabled: bool) -> list[BaseRoute]:
    """The assets' route, only where GraphiQL is served at all."""
    if not enabled:
        return []
    assets = _Assets(directory=_HERE / "static" / "graphiql")
    return [Mount("/static/graphiql", app=assets, name="graphiql")]
