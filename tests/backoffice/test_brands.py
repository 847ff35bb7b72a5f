import json

import httpx

from shared.db.querycount import count_queries
from shared.db.tables import AuditLog, Brand, Membership
from tests.backoffice.staff_helpers import sign_in
from tests.conftest import Cast, post_form, sign_in_staff

Client = httpx.AsyncClient


async def test_it_lets_an_owner_create_a_brand_and_see_it(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")
    response = await post_form(
        client, "/backoffice/brands/new", "/backoffice/brands", {"name": "Initech", "currency": "EUR"}
    )
    assert response.status_code == 200  # followed the redirect to the brand's page
    assert "Initech is ready" in response.text
    assert "What needs you now" in response.text  # the new brand's home
    team = await client.get("/backoffice/b/initech/team")
    assert "Olivia Owner" in team.text  # the team lists the new owner
    brand = await Brand.objects().where(Brand.slug == "initech").first()
    assert brand is not None and brand.default_currency == "EUR"
    assert await Membership.exists().where(
        (Membership.brand == brand.id) & (Membership.staff == cast.olivia_id) & (Membership.role == "owner")
    )
    audit = (
        await AuditLog.objects()
        .where(AuditLog.action == "brand.created")
        .order_by(AuditLog.id, ascending=False)
        .first()
    )
    assert audit is not None
    assert audit.actor_id == cast.olivia_id and audit.brand == brand.id
    assert json.loads(audit.after) == {"name": "Initech", "slug": "initech", "currency": "EUR"}
    assert audit.request_id and audit.ip
    listing = await client.get("/backoffice/")
    assert "Initech" in listing.text and "Acme" in listing.text


async def test_it_keeps_what_was_typed_when_the_brand_is_invalid(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")
    response = await post_form(
        client, "/backoffice/brands/new", "/backoffice/brands", {"name": "Initech", "currency": "XYZ"}
    )
    assert response.status_code == 400
    assert 'value="Initech"' in response.text
    assert "Choose one of" in response.text
    assert not await Brand.exists().where(Brand.slug == "initech")


async def test_it_gives_a_second_brand_with_the_same_name_its_own_address(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")
    await post_form(client, "/backoffice/brands/new", "/backoffice/brands", {"name": "Acme", "currency": "USD"})
    assert await Brand.exists().where(Brand.slug == "acme-2")


async def test_it_refuses_brand_creation_to_non_owners(client: Client, cast: Cast) -> None:
    await sign_in_staff(client, "bob@acme.test")
    listing = await client.get("/backoffice/")
    assert "New brand" not in listing.text
    response = await post_form(
        client, "/backoffice/brands/new", "/backoffice/brands", {"name": "Rogue", "currency": "USD"}
    )
    assert response.status_code == 403
    assert not await Brand.exists().where(Brand.slug == "rogue")


async def test_it_hides_other_brands(client: Client, cast: Cast) -> None:
    await sign_in_staff(client, "charlie@globex.test")
    listing = await client.get("/backoffice/")
    assert "Globex" in listing.text and "Acme" not in listing.text
    response = await client.get("/backoffice/b/acme")
    assert response.status_code == 404
    assert "Olivia" not in response.text
    missing = await client.get("/backoffice/b/no-such-brand")
    assert missing.status_code == 404


async def test_it_shows_the_brand_to_every_role(client: Client, cast: Cast) -> None:
    for email in ("olivia@acme.test", "bob@acme.test", "fran@acme.test", "vic@acme.test"):
        client.cookies.clear()
        await sign_in(client, email)  # owners and finance set up TOTP on the way
        response = await client.get("/backoffice/b/acme")
        assert response.status_code == 200, email
        assert "What needs you now" in response.text


async def test_it_tells_staff_without_brands_what_to_do(client: Client, cast: Cast) -> None:
    from shared.audit.context import system_actor
    from shared.identity.actions import do_create_staff_user

    await do_create_staff_user(
        system_actor(), email="new@acme.test", name="New Person", password="correct-horse-battery"
    )
    await sign_in_staff(client, "new@acme.test")
    response = await client.get("/backoffice/")
    assert "not part of any brand yet" in response.text
    assert "Ask an owner" in response.text


async def test_it_lists_brands_in_constant_queries(client: Client, cast: Cast) -> None:
    await sign_in(client, "ada@rapport.test")
    with count_queries() as few:
        await client.get("/backoffice/")
    from shared.audit.context import system_actor
    from shared.identity.actions import do_create_brand
    from shared.identity.queries import get_staff_context

    admin = await get_staff_context(cast.admin_id)
    for n in range(10):
        await do_create_brand(system_actor(), admin, name=f"Brand {n}", currency="USD")
    with count_queries() as many:
        response = await client.get("/backoffice/")
    assert "Brand 9" in response.text
    assert many.count == few.count, many.statements
