"""Who may read what, over HTTP on the four running services: a participant their own data only, a program
lead their own programs in aggregate, an admin everything; tokens that are missing or not accepted get 401."""

import re
from datetime import timedelta
from uuid import UUID

import httpx
import pytest

from flipside_devstack.auth import DevIssuer, admin_headers, bearer, dev_issuer, lead_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import calendar_feed_link
from flipside_devstack.programs import configure_program
from flipside_shared.events import PairCreated, SessionScheduled

PROGRAM, OTHER_PROGRAM = "access-a", "access-b"


@pytest.fixture(scope="module")
async def pairs(platform, sandbox):
    """One pair in each program, with their kickoffs booked: pair id -> (mentor, mentee, kickoff)."""
    for program in (PROGRAM, OTHER_PROGRAM):
        configure_program(platform["matching"].url, program)
    people = [*mentor_and_mentee(program_id=PROGRAM, index=1), *mentor_and_mentee(program_id=OTHER_PROGRAM, index=2)]
    topics = [f"{sandbox.topic_prefix}{name}" for name in ("pairs", "sessions")]
    async with TopicReader(sandbox.bootstrap_servers, topics) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in people])
        await reader.read_until(
            lambda _: len({e.event.pair_id for e in reader.events(SessionScheduled) if e.event.kind == "kickoff"}) >= 2,
            timeout=120,
        )
        kickoffs = {e.event.pair_id: e.event for e in reader.events(SessionScheduled) if e.event.kind == "kickoff"}
        created = {e.event.program_id: e.event for e in reader.events(PairCreated)}
    return {program: (pair, kickoffs[pair.pair_id]) for program, pair in created.items()}


def people_of(pair: PairCreated) -> tuple[UUID, UUID]:
    return pair.mentor.participant_id, pair.mentee.participant_id


def get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(url, headers=headers or {}, timeout=10)


async def test_a_participant_reads_their_own_pair_and_feedback_and_no_one_elses(platform, pairs):
    (pair, _), (other_pair, _) = pairs[PROGRAM], pairs[OTHER_PROGRAM]
    mentor, mentee = people_of(pair)
    stranger, _ = people_of(other_pair)
    matching, scheduling, feedback = (platform[name].url for name in ("matching", "scheduling", "feedback"))
    own, theirs = participant_headers(mentor), participant_headers(stranger)

    assert get(f"{matching}/participants/{mentor}", own).json()["active_pairs"] == 1
    assert get(f"{matching}/participants/{mentor}", theirs).status_code == 403
    assert get(f"{matching}/programs/{PROGRAM}/pairs", own).status_code == 403, (
        "a participant does not list a program's pairs"
    )

    assert len(get(f"{scheduling}/pairs/{pair.pair_id}/sessions", own).json()) >= 1
    assert get(f"{scheduling}/pairs/{pair.pair_id}/sessions", participant_headers(mentee)).status_code == 200
    refused = get(f"{scheduling}/pairs/{pair.pair_id}/sessions", theirs)
    assert (
        refused.status_code == 403 and refused.json()["detail"] == "only the pair's two people or an admin may do this"
    )

    goal = {"owner_id": str(mentor), "category": "digital", "title": "Run a team retro on a shared board"}
    assert (
        httpx.post(f"{feedback}/pairs/{pair.pair_id}/goals", json=goal, headers=theirs, timeout=10).status_code == 403
    )
    assert httpx.post(f"{feedback}/pairs/{pair.pair_id}/goals", json=goal, headers=own, timeout=10).status_code == 201
    assert [g["title"] for g in get(f"{feedback}/pairs/{pair.pair_id}/goals", own).json()] == [goal["title"]]
    assert get(f"{feedback}/pairs/{pair.pair_id}/goals", theirs).status_code == 403

    scores = {"scores": {"digital_confidence": 2}}
    assert (
        httpx.put(
            f"{feedback}/participants/{mentor}/self-assessments/baseline", json=scores, headers=own, timeout=10
        ).status_code
        == 200
    )
    assert get(f"{feedback}/participants/{mentor}/self-assessments", own).json()[0]["scores"] == {
        "digital_confidence": 2
    }
    assert get(f"{feedback}/participants/{mentor}/self-assessments", theirs).status_code == 403
    assert (
        httpx.put(
            f"{feedback}/participants/{mentor}/self-assessments/end",
            json=scores,
            headers=theirs,
            timeout=10,
        ).status_code
        == 403
    )

    notifications = platform["notifications"].url
    assert get(f"{notifications}/participants/{mentor}/preferences", own).status_code == 200
    assert get(f"{notifications}/participants/{mentor}/preferences", theirs).status_code == 403
    assert get(f"{notifications}/participants/{mentor}/deliveries", theirs).status_code == 403


async def test_a_calendar_feed_opens_with_its_owners_link_only(platform, pairs):
    (_, kickoff), (_, other_kickoff) = pairs[PROGRAM], pairs[OTHER_PROGRAM]
    own_feed = httpx.get(calendar_feed_link(platform["scheduling"].url, kickoff.mentor.participant_id), timeout=10)
    assert own_feed.status_code == 200 and f"{kickoff.session_id}@flipside" in own_feed.text
    assert f"{other_kickoff.session_id}@flipside" not in own_feed.text

    # Someone else's participant id with one's own signature: the signature is over the id, so it fails.
    own_token = (
        calendar_feed_link(platform["scheduling"].url, other_kickoff.mentor.participant_id)
        .rsplit("/", 1)[1]
        .removesuffix(".ics")
    )
    victim_token = (
        calendar_feed_link(platform["scheduling"].url, kickoff.mentor.participant_id)
        .rsplit("/", 1)[1]
        .removesuffix(".ics")
    )
    spliced = f"{victim_token.split('.')[0]}.{own_token.split('.')[1]}"
    assert httpx.get(f"{platform['scheduling'].url}/calendars/{spliced}.ics", timeout=10).status_code == 403
    # A bearer token opens no one's feed: only the link does.
    holder = participant_headers(other_kickoff.mentor.participant_id)
    assert (
        httpx.get(
            f"{platform['scheduling'].url}/calendars/{own_token[:-2]}xx.ics", headers=holder, timeout=10
        ).status_code
        == 403
    )


async def test_a_program_lead_sees_their_own_programs_aggregates_only(platform, pairs):
    (pair, _) = pairs[PROGRAM]
    mentor, _ = people_of(pair)
    matching, feedback = platform["matching"].url, platform["feedback"].url
    lead = lead_headers(PROGRAM)

    assert get(f"{feedback}/programs/{PROGRAM}/summary", lead).json()["program_id"] == PROGRAM
    assert get(f"{feedback}/programs/{PROGRAM}/insights", lead).status_code == 200
    assert get(f"{matching}/programs/{PROGRAM}/fairness", lead).status_code == 200
    assert [p["pair_id"] for p in get(f"{matching}/programs/{PROGRAM}/pairs", lead).json()] == [str(pair.pair_id)]
    for url in (
        f"{feedback}/programs/{OTHER_PROGRAM}/summary",
        f"{feedback}/programs/{OTHER_PROGRAM}/insights",
        f"{matching}/programs/{OTHER_PROGRAM}/pairs",
        f"{matching}/programs/{OTHER_PROGRAM}/fairness",
    ):
        refused = get(url, lead)
        assert refused.status_code == 403 and re.search(
            "lead (or a sponsor )?of this program", refused.json()["detail"]
        ), url
    # One person's answers and goals are theirs and their partner's, never the lead's.
    assert get(f"{feedback}/participants/{mentor}/self-assessments", lead).status_code == 403
    assert get(f"{feedback}/pairs/{pair.pair_id}/goals", lead).status_code == 403
    assert get(f"{matching}/participants/{mentor}", lead).status_code == 403
    assert httpx.put(f"{matching}/programs/{PROGRAM}", json={}, headers=lead, timeout=10).status_code == 403, (
        "programs are an admin's"
    )


async def test_an_admin_reads_everything(platform, pairs):
    (pair, _) = pairs[PROGRAM]
    mentor, _ = people_of(pair)
    admin = admin_headers()
    for url in (
        f"{platform['matching'].url}/participants/{mentor}",
        f"{platform['matching'].url}/programs/{OTHER_PROGRAM}/pairs",
        f"{platform['scheduling'].url}/pairs/{pair.pair_id}/sessions",
        f"{platform['feedback'].url}/pairs/{pair.pair_id}/goals",
        f"{platform['feedback'].url}/participants/{mentor}/self-assessments",
        f"{platform['feedback'].url}/programs/{OTHER_PROGRAM}/summary",
        f"{platform['notifications'].url}/participants/{mentor}/deliveries",
        f"{platform['notifications'].url}/webhooks",
    ):
        assert get(url, admin).status_code == 200, url


async def test_missing_expired_foreign_or_misaddressed_tokens_get_401_with_a_bearer_challenge(
    platform, pairs, tmp_path
):
    (pair, _) = pairs[PROGRAM]
    mentor, _ = people_of(pair)
    issuer = dev_issuer()
    stranger = DevIssuer(tmp_path, issuer.issuer, issuer.audience)
    url = f"{platform['matching'].url}/participants/{mentor}"

    missing = get(url)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="flipside"'
    for token, reason in (
        (issuer.token(str(mentor), ["participant"], lifetime=timedelta(minutes=-5)), "the token has expired"),
        (stranger.participant_token(mentor), f"unknown signing key '{stranger.kid}'"),
        (
            issuer.token(str(mentor), ["participant"], iss="https://issuer.example.com"),
            "the token is from another issuer",
        ),
        (issuer.token(str(mentor), ["participant"], aud="another-api"), "the token is for another audience"),
        (issuer.participant_token(mentor)[:-6] + "AAAAAA", "the signature does not match"),
    ):
        refused = get(url, bearer(token))
        assert refused.status_code == 401 and refused.json()["detail"] == reason
        assert (
            refused.headers["www-authenticate"]
            == f'Bearer realm="flipside", error="invalid_token", error_description="{reason}"'
        )
    no_role = get(url, bearer(issuer.token(str(mentor), [])))
    assert no_role.status_code == 403 and no_role.json()["detail"] == "a participant may only do this for themself"
