"""Which prompts a session's invitation suggests: chosen from what the pair brings and wants, two to four, new
each session; a lead's own prompts in place of an area's built-in ones."""

from itertools import pairwise

from flipside_notifications.domain.conversation_prompts import (
    BUILT_IN,
    GENERAL,
    KICKOFF,
    LearningAreas,
    areas_of,
    choose_prompts,
    focus_areas,
    library_for,
)

MENTOR = LearningAreas(skills=("TikTok", "Generative AI"), goals=("Strategic thinking", "Public speaking"))
MENTEE = LearningAreas(skills=("Business strategy", "Leadership"), goals=("Social media", "ChatGPT at work"))
ENGLISH = library_for("en", {})


def test_skills_and_goals_are_read_as_areas_by_the_words_in_their_names():
    assert areas_of(["TikTok marketing", "Using AI for reports", "AIRPORT logistics"]) == [
        "social_media",
        "ai_and_data",
    ]
    assert areas_of(["Knitting"]) == []


def test_the_pair_meets_first_where_the_mentee_wants_what_the_mentor_brings_then_the_other_way_round():
    assert focus_areas(MENTOR, MENTEE) == ["social_media", "ai_and_data", "strategy", "career"]


def test_a_kickoff_opens_with_a_kickoff_prompt_then_the_pairs_first_areas():
    prompts = choose_prompts(focus_areas(MENTOR, MENTEE), 0, ENGLISH)
    assert 2 <= len(prompts) <= 4
    assert prompts[0] in BUILT_IN[KICKOFF]["en"]
    assert prompts[1] in BUILT_IN["social_media"]["en"] and prompts[2] in BUILT_IN["ai_and_data"]["en"]


def test_each_session_gets_prompts_of_its_own_from_the_pairs_areas():
    areas = focus_areas(MENTOR, MENTEE)
    sessions = [choose_prompts(areas, occurrence, ENGLISH) for occurrence in range(1, 5)]
    for prompts in sessions:
        assert 2 <= len(prompts) <= 4 and len(set(prompts)) == len(prompts)
        assert not set(prompts) & set(BUILT_IN[GENERAL]["en"]), "a pair with four areas needs no general prompt"
    assert all(a != b for a, b in pairwise(sessions)), "never the same guide twice in a row"


def test_a_pair_with_nothing_in_common_gets_general_prompts_and_german_speakers_german_ones():
    nothing = LearningAreas((), ())
    prompts = choose_prompts(focus_areas(nothing, nothing), 2, library_for("de", {}))
    assert len(prompts) == 3 and set(prompts) <= set(BUILT_IN[GENERAL]["de"])
    assert library_for("fr", {})[GENERAL] == BUILT_IN[GENERAL]["en"], "English where there is no such language"


def test_a_leads_prompts_replace_the_areas_built_in_ones():
    library = library_for("en", {"social_media": ["Show me your favourite creator."]})
    prompts = choose_prompts(["social_media"], 1, library)
    assert prompts[0] == "Show me your favourite creator."
    assert len(prompts) == 3 and set(prompts[1:]) <= set(BUILT_IN[GENERAL]["en"])
