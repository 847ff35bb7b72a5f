"""A creator's page in the back-office: profile, accounts, stage, owner, tags, notes, timeline, invitations."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest

from shared.crm.actions import do_add_note, do_change_stage
from shared.crm.timeline import record_interaction
from shared.db.tables import AuditLog, CreatorInvitation, Relationship, RelationshipEvent, RelationshipNote
from shared.identity.queries import get_staff_context
from tests.backoffice.test_roster import ACTOR, add_prospect, onboarded_creator
from tests.conftest import Cast, csrf_token_from, post_form
from tests.email_fixtures import Inbox
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient
ROSTER = "/backoffice/b/acme/creators"


async def _audit(action: str) -> list[dict[str, object]]:
    rows = await AuditLog.select(AuditLog.brand, AuditLog.actor_id, AuditLog.before, AuditLog.after).where(
        AuditLog.action == action
    )
    return [
        {**row, "before": json.loads(row["before"] or "null"), "after": json.loads(row["after"] or "null")}
        for row in rows
    ]


async def test_it_shows_the_profile_accounts_and_relationship(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator(
        "Wren Walker", handle="wren.walks", followers=48_200, engagements=1_450, niches="hiking"
    )
    bob = await get_staff_context(cast.bob_id)
    await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=wren, stage="contacted")
    await do_add_note(ACTOR, bob, brand_id=cast.acme_id, creator_id=wren, body="Loves trail running.\nAsk about July.")
    await act_as_staff(client, cast.vic_id)  # every role may look
    response = await client.get(f"{ROSTER}/{wren}")
    assert response.status_code == 200
    text = response.text
    for expected in [
        "Wren Walker",
        "@wren.walks",
        "48,200",
        "(Micro)",
        "3.00%",
        "hiking",
        "Contacted",
        "Loves trail running.",
        "Stage changed from not on the roster to Contacted",
        "<time datetime=",  # when the follower count was read, in the viewer's zone
    ]:
        assert expected in text, expected
    assert 'action="/backoffice/b/acme/creators/' not in text  # a viewer gets no forms
    assert "Send an offer" not in text


async def test_it_gives_managers_the_forms_and_the_offer_link(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker")
    await act_as_staff(client, cast.bob_id)
    text = (await client.get(f"{ROSTER}/{wren}")).text
    assert f'href="/backoffice/b/acme/offers/new?creator={wren}"' in text and "Send an offer" in text
    for form in ("relationship", "notes"):  # the relationship card has one Save
        assert f'action="/backoffice/b/acme/creators/{wren}/{form}"' in text
    for field in ("f-stage", "f-owner", "f-tags", "f-body"):
        assert f'<label for="{field}"' in text
    assert "/invite" not in text  # Wren signed up herself: no invitation needed


async def test_it_sends_anonymous_visitors_and_creators_to_sign_in(client: Client, cast: Cast) -> None:
    url = f"{ROSTER}/{cast.alice_id}"
    response = await client.get(url, follow_redirects=False)
    assert response.status_code in (302, 303) and "/backoffice/signin" in response.headers["location"]
    await act_as_creator(client, cast.alice_id)
    response = await client.get(url, follow_redirects=False)
    assert response.status_code in (302, 303) and "/backoffice/signin" in response.headers["location"]


async def test_it_answers_404_for_creators_the_brand_may_not_see(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")  # Acme's
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(f"{ROSTER}/{prospect}")).status_code == 404  # another brand's URL
    assert (await client.get(f"/backoffice/b/globex/creators/{prospect}")).status_code == 404  # Acme's prospect
    assert (await client.get("/backoffice/b/globex/creators/99999")).status_code == 404
    token = csrf_token_from((await client.get("/backoffice/b/globex/creators")).text)
    for form, data in [("stage", {"stage": "contacted"}), ("notes", {"body": "Hi"}), ("tags", {"tags": "x"})]:
        response = await client.post(
            f"/backoffice/b/globex/creators/{prospect}/{form}", data={**data, "_csrf_token": token}
        )
        assert response.status_code == 404, form
    assert await Relationship.count().where(Relationship.brand == cast.globex_id) == 0


async def test_it_moves_the_stage_and_records_it(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(client, page, f"{page}/stage", {"stage": "negotiating"})
    assert response.status_code == 200 and "Stage changed to Negotiating." in response.text
    relationship = await Relationship.objects().where(Relationship.creator == prospect).first()
    assert relationship is not None and relationship.stage == "negotiating"
    [audit] = await _audit("relationship.stage_changed")
    assert audit["before"] == {"stage": "prospect"} and audit["after"]["stage"] == "negotiating"  # type: ignore[index]
    assert audit["brand"] == cast.acme_id and audit["actor_id"] == cast.bob_id
    assert await RelationshipEvent.exists().where(
        (RelationshipEvent.kind == "stage.changed")
        & (RelationshipEvent.summary == "Stage changed from Prospect to Negotiating")
    )


async def test_the_stage_picker_shows_the_current_stage_and_saving_it_moves_nobody(client: Client, cast: Cast) -> None:
    """An Active creator's picker said "Negotiating" beside "Move": one click demoted them."""
    prospect = await add_prospect(cast, "peter.prospect")
    bob = await get_staff_context(cast.bob_id)
    await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=prospect, stage="active")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    text = (await client.get(page)).text
    picker = re.search(r'<select id="f-stage".*?</select>', text, re.S)
    assert picker is not None
    assert re.findall(r'<option value="(\w*)" selected>', picker.group()) == ["active"]
    owner = re.search(r'<select id="f-owner".*?</select>', text, re.S)
    assert owner is not None
    [owner_value] = re.findall(r'<option value="(\d*)" selected>', owner.group())  # exactly one, the stored one
    # Saving the card untouched changes nothing; changing only the tags changes only them.
    untouched = await post_form(
        client, page, f"{page}/relationship", {"stage": "active", "owner": owner_value, "tags": ""}
    )
    assert untouched.status_code == 200 and "Nothing to change." in untouched.text
    tagged = await post_form(
        client, page, f"{page}/relationship", {"stage": "active", "owner": owner_value, "tags": "vegan"}
    )
    assert "Saved tags." in tagged.text
    relationship = await Relationship.objects().where(Relationship.creator == prospect).first()
    assert relationship is not None and relationship.stage == "active" and relationship.tags == ["vegan"]
    assert len(await _audit("relationship.stage_changed")) == 1  # only the setup's move


async def test_the_card_saves_nothing_when_one_part_is_wrong(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(
        client, page, f"{page}/relationship", {"stage": "alumni", "owner": str(cast.olivia_id), "tags": "summer"}
    )
    assert response.status_code == 400 and "From Prospect a relationship can move to" in response.text
    assert 'value="summer"' in response.text  # what was typed is kept
    relationship = await Relationship.objects().where(Relationship.creator == prospect).first()
    assert relationship is not None and relationship.owner != cast.olivia_id and relationship.tags == []


async def test_it_refuses_a_move_the_stages_do_not_allow(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(client, page, f"{page}/stage", {"stage": "alumni"})
    assert response.status_code == 400
    assert "From Prospect a relationship can move to: Contacted, Negotiating, Active, Paused." in response.text
    bogus = await post_form(client, page, f"{page}/stage", {"stage": "married"})
    assert bogus.status_code == 400 and "Choose a stage from the list." in bogus.text
    assert not await _audit("relationship.stage_changed")


async def test_it_assigns_an_owner_from_the_team_only(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.olivia_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(client, page, f"{page}/owner", {"owner": str(cast.vic_id)})
    assert response.status_code == 200 and "Owner saved." in response.text
    relationship = await Relationship.objects().where(Relationship.creator == prospect).first()
    assert relationship is not None and relationship.owner == cast.vic_id
    [audit] = await _audit("relationship.owner_assigned")
    assert audit["before"] == {"owner_id": cast.bob_id}
    outsider = await post_form(client, page, f"{page}/owner", {"owner": str(cast.charlie_id)})
    assert outsider.status_code == 400 and "Choose someone on the brand" in outsider.text
    nobody = await post_form(client, page, f"{page}/owner", {"owner": ""})
    assert "Nobody owns this relationship now." in nobody.text


async def test_it_saves_tags_cleaned_and_keeps_rejected_ones(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(client, page, f"{page}/tags", {"tags": " Summer, vegan,summer "})
    assert response.status_code == 200 and 'value="summer, vegan"' in response.text
    [audit] = await _audit("relationship.tags_set")
    assert audit["before"] == {"tags": []} and audit["after"]["tags"] == ["summer", "vegan"]  # type: ignore[index]
    bad = await post_form(client, page, f"{page}/tags", {"tags": "ok, <b>bold</b>"})
    assert bad.status_code == 400 and "Tags use letters" in bad.text
    assert 'value="ok, &lt;b&gt;bold&lt;/b&gt;"' in bad.text


async def test_it_keeps_private_notes_and_refuses_empty_ones(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{wren}"
    response = await post_form(client, page, f"{page}/notes", {"body": "Met at the trade fair."})
    assert response.status_code == 200 and "Met at the trade fair." in response.text and "Bob Manager" in response.text
    relationship = await Relationship.objects().where(Relationship.creator == wren).first()
    assert relationship is not None and relationship.stage == "prospect"  # a note puts her on the roster
    assert await RelationshipNote.count() == 1
    assert [a["after"]["length"] for a in await _audit("relationship.note_added")] == [22]  # type: ignore[index]
    empty = await post_form(client, page, f"{page}/notes", {"body": "   "})
    assert empty.status_code == 400 and "Write something before saving the note." in empty.text
    too_long = await post_form(client, page, f"{page}/notes", {"body": "x" * 5001})
    assert too_long.status_code == 400 and "x" * 5001 in too_long.text  # what was typed is kept
    assert await RelationshipNote.count() == 1


@pytest.mark.parametrize("staff", ["vic", "fran"])
async def test_it_lets_only_owners_and_managers_change_the_relationship(client: Client, cast: Cast, staff: str) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, getattr(cast, f"{staff}_id"))
    token = csrf_token_from((await client.get(f"{ROSTER}/{prospect}")).text)
    for form, data in [
        ("stage", {"stage": "contacted"}),
        ("notes", {"body": "Hi"}),
        ("tags", {"tags": "x"}),
        ("owner", {"owner": ""}),
    ]:
        response = await client.post(f"{ROSTER}/{prospect}/{form}", data={**data, "_csrf_token": token})
        assert response.status_code == 403, form
    assert await RelationshipNote.count() == 0


async def test_it_pages_the_timeline_from_newest_to_oldest(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")  # one event: "Added to the roster"
    for n in range(24):
        await record_interaction(cast.acme_id, prospect, kind="message", summary=f"Message {n:02d}")
    await record_interaction(cast.globex_id, prospect, kind="message", summary="Globex secret")
    await act_as_staff(client, cast.bob_id)
    first = await client.get(f"{ROSTER}/{prospect}")
    summaries = re.findall(r"<p>(Message \d\d|Added to the roster by Bob Manager)</p>", first.text)
    assert len(summaries) == 20 and summaries[0] == "Message 23"
    older = re.search(r'href="(\?before=\d+)" rel="next">Older', first.text)
    assert older is not None
    second = await client.get(f"{ROSTER}/{prospect}{older.group(1)}")
    rest = re.findall(r"<p>(Message \d\d|Added to the roster by Bob Manager)</p>", second.text)
    assert rest == ["Message 03", "Message 02", "Message 01", "Message 00", "Added to the roster by Bob Manager"]
    assert "Globex secret" not in first.text + second.text
    assert 'rel="next">Older' not in second.text


async def test_it_invites_a_prospect_by_email(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(email_client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    response = await post_form(email_client, page, f"{page}/invite", {"email": "Peter@Example.test"})
    assert response.status_code == 200
    assert "Invitation sent to peter@example.test. The link works for 14 days." in response.text
    [message] = inbox.to("peter@example.test")
    assert message["Subject"] == "Acme invited you to Rapport"
    link = inbox.last_link("peter@example.test", r"https?://\S+/join/\S+")
    assert link.startswith("http://127.0.0.1:8000/join/")
    invitation = await CreatorInvitation.objects().first()
    assert invitation is not None and link.rsplit("/", 1)[1] not in invitation.token_hash
    assert (invitation.brand, invitation.creator, invitation.invited_by) == (cast.acme_id, prospect, cast.bob_id)
    assert [a["after"] for a in await _audit("creator_invitation.sent")] == [
        {"email": "peter@example.test", "creator_id": prospect}
    ]
    # Sending again replaces the first link.
    await post_form(email_client, page, f"{page}/invite", {"email": "peter@example.test"})
    assert await CreatorInvitation.count().where(CreatorInvitation.expires_at > dt.datetime.now(dt.UTC)) == 1


async def test_it_refuses_bad_invitations(client: Client, cast: Cast) -> None:
    prospect = await add_prospect(cast, "peter.prospect")
    await act_as_staff(client, cast.bob_id)
    page = f"{ROSTER}/{prospect}"
    bad = await post_form(client, page, f"{page}/invite", {"email": "peter-at-example"})
    assert bad.status_code == 400 and "Enter an email address like name@example.com." in bad.text
    assert 'value="peter-at-example"' in bad.text
    already = await post_form(
        client, f"{ROSTER}/{cast.alice_id}", f"{ROSTER}/{cast.alice_id}/invite", {"email": "a@b.test"}
    )
    assert already.status_code == 409 and "already uses Rapport" in already.text
    assert await CreatorInvitation.count() == 0
