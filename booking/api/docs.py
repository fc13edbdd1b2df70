"""/api/docs: the interactive reference of the API, Swagger UI reading /api/v1/openapi.json.

Swagger UI is vendored in static/vendor/swagger-ui/ (swagger-ui-dist from the npm registry:
the bundle, its stylesheet and licences), so the page needs no network and no build step.
"Try it out" calls the API from the page; Authorize takes a token from POST /auth/tokens.
"""

from __future__ import annotations

from flask import Blueprint, render_template

api_docs = Blueprint("api_docs", __name__)


@api_docs.get("/api/docs")
def reference() -> str:
    return render_template("api/docs.html")
