import httpx


async def test_it_welcomes_creators(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "Your brand deals, in one place." in response.text
    assert 'href="/signin"' in response.text


async def test_it_says_when_no_sign_in_provider_is_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("/signin")
    assert response.status_code == 200
    assert "No sign-in providers are set up yet" in response.text
