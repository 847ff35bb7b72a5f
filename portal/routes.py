"""The creator portal, mounted at /."""

from litestar import Router

from portal.home import home, signin_page

portal_router = Router(path="/", route_handlers=[home, signin_page])
