"""The contract template editor: a template naming an unknown field is refused with the field and line; a good
one is saved as a new version and previewed with a sample collaboration."""

from __future__ import annotations

import httpx

from shared.db.engine import get_engine
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_staff

URL = "/backoffice/b/acme/contract-templates"


async def test_templates_are_checked_versioned_and_previewed(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"{URL}/new")
    assert page.status_code == 200 and "Influencer Services Agreement" in page.text  # the default, previewed
    token = csrf_token_from(page.text)
    form = {"_csrf_token": token, "name": "Short", "governing_law": "England and Wales", "expiry_days": "10"}
    refused = await client.post(URL, data=form | {"body": "<p>Hi</p>\n<p>{{ creator.email }}</p>"})
    assert refused.status_code == 400
    assert "Line 2: unknown merge field “creator.email”" in refused.text
    saved = await client.post(
        URL, data=form | {"body": "<p>{{ brand.name }} and {{ creator.name }}</p>"}, follow_redirects=False
    )
    assert saved.status_code == 303
    edit = await client.get(saved.headers["location"])
    assert "Sample Brand and Sample Creator" in edit.text and "version 1" in edit.text
    again = await client.post(
        saved.headers["location"], data=form | {"body": "<p>{{ campaign.name }}</p>"}, follow_redirects=False
    )
    assert again.status_code == 303
    assert "version 2" in (await client.get(saved.headers["location"])).text
    audit = await get_engine().fetch("SELECT count(*) AS n FROM audit_log WHERE action = 'contract_template.saved'")
    assert audit[0]["n"] == 2
    await act_as_staff(client, cast.vic_id)
    assert (await client.get(URL)).status_code == 403
