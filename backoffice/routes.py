"""The back-office side, mounted at /backoffice."""

from litestar import Router

from backoffice.auth import signin, signin_page, signout
from backoffice.brands import brand_home, brands_list, create_brand, new_brand_page
from backoffice.deps import BRAND_DEPENDENCIES, STAFF_DEPENDENCIES

staff_router = Router(
    path="/",
    route_handlers=[brands_list, new_brand_page, create_brand, brand_home],
    dependencies={**STAFF_DEPENDENCIES, **BRAND_DEPENDENCIES},
)

backoffice_router = Router(path="/backoffice", route_handlers=[signin_page, signin, signout, staff_router])
