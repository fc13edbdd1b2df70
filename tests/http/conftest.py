"""An API client that signs in as a given user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from booking.models import User
from tests.factories import PASSWORD


class Api:
    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(
            "/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(
            "/api/v1" + path,
            json=json,
            headers=self._headers(kwargs.pop("headers", None)),
            **kwargs,
        )

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.patch(
            "/api/v1" + path,
            json=json,
            headers=self._headers(kwargs.pop("headers", None)),
            **kwargs,
        )

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(
            "/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )


@pytest.fixture
def api_as(client: FlaskClient, session: Session) -> Callable[[User], Api]:
    """api_as(user) -> a client signed in with a fresh token of that user."""

    def sign_in(user: User) -> Api:
        session.commit()
        answer = client.post(
            "/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}
        )
        assert answer.status_code == 201, answer.get_json()
        return Api(client, answer.get_json()["token"])

    return sign_in


@pytest.fixture
def anonymous(client: FlaskClient) -> Api:
    return Api(client, None)
