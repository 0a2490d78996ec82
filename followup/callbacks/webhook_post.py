"""Posting an urgent alert to an agency's alert URL: public https hosts only, no redirects.

The URL was checked when it was saved (``followup.core.urls``); here every address its host
resolves to is checked again, and so is the address the socket actually connected to, before
a byte is sent: a name that resolved to a public address when saved may resolve to a private
one now (DNS rebinding), and the service must never become a way to reach its own network.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from followup.core.urls import UnsafeTarget, is_public_address, resolve_public, url_problem


class _PublicOnlyConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not is_public_address(peer):
            sock.close()
            raise UnsafeTarget("the alert URL's host connected to an address that is not public")
        return sock


class _PublicOnlyPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PublicOnlyConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"https": _PublicOnlyPool}
        self.poolmanager.key_fn_by_scheme = {"https": self.poolmanager.key_fn_by_scheme["https"]}


def post(url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> requests.Response:
    """POST ``data`` to ``url`` if it is a public https URL; raise UnsafeTarget if it is not.

    Redirects are not followed (a redirect could point anywhere): the answer is returned."""
    problem = url_problem(url)
    if problem:
        raise UnsafeTarget(f"the alert URL {problem}")
    parts = urlsplit(url)
    resolve_public(parts.hostname, parts.port or 443)
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the check is on the host
        session.mount("https://", _PublicOnlyAdapter())
        return session.post(url, data=data, headers=headers, timeout=timeout, allow_redirects=False)
