"""A signed-in creator downloads their data, then deletes their account with the confirm step."""

from playwright.async_api import Page, Route, expect

from shared.integrations.oauth_demo_provider import DemoProvider
from tests.oidc_fixtures import set_provider_user


async def test_it_lets_a_creator_download_their_data_and_delete_the_account(
    page: Page, creator_live_server: str, oidc_provider: DemoProvider
) -> None:
    async def offline(route: Route) -> None:
        await route.abort()

    await page.route("https://cdn.jsdelivr.net/**", offline)
    set_provider_user(oidc_provider, "dora-browser", {"name": "Dora Lee", "email": "dora@creators.test"})
    await page.goto(f"{creator_live_server}/signin")
    await page.get_by_role("link", name="Continue with Demo ID").click()
    await page.get_by_placeholder("sub").fill("dora-browser")
    await page.get_by_role("button", name="Authorize").click()

    await page.get_by_label("Email").fill("dora@creators.test")
    await page.get_by_label("Country").fill("CA")
    await page.get_by_label("Topics").fill("music")
    await page.get_by_label("Exposure and reach").check()
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page.get_by_role("heading", name="Hi Dora Lee")).to_be_visible()

    await page.get_by_role("link", name="Privacy").click()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download my data").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("rapport-my-data-") and download.suggested_filename.endswith(".zip")

    await page.get_by_role("link", name="Delete my account…").click()
    await page.get_by_label("Type DELETE to confirm").fill("delete")
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("alert")).to_contain_text("Type DELETE in capitals")
    await page.get_by_label("Type DELETE to confirm").fill("DELETE")
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("status")).to_contain_text("Your account is deleted")
    await expect(page.get_by_role("heading", name="Your brand deals, in one place.")).to_be_visible()
