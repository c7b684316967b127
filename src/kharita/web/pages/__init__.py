"""The workbench's pages, one router module each; :data:`PAGES` is the registry the
app mounts and the navigation is built from (in this order).

Adding a page: a module here with an ``APIRouter`` (its HTML page and JSON API, reading
:mod:`kharita.views`) and a ``PAGE = Page(key, label, path, router)``, one line in
:data:`PAGES`, and its template in ``web/templates``.
"""

from __future__ import annotations

from kharita.web.common import Page
from kharita.web.pages import branches, events, network, outlook, overview
from kharita.web.pages import map as map_page

PAGES: tuple[Page, ...] = (overview.PAGE, map_page.PAGE, branches.PAGE, network.PAGE,
                           events.PAGE, outlook.PAGE)

__all__ = ["PAGES", "Page"]
