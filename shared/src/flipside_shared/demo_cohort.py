"""A demo cohort: junior mentors and senior mentees across departments and time zones."""

from __future__ import annotations

import random
from datetime import time
from uuid import UUID

from flipside_shared.events import ParticipantEnrolled, ParticipantProfile, WorkingHours

PROGRAM = "demo-2026"
LADDER = ["Intern", "Associate", "Analyst", "Senior Analyst", "Manager", "Senior Manager", "Director",
          "Senior Director", "Vice President", "Senior Vice President", "Executive"]
FIRST_NAMES = ["Ada", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ines", "Jay", "Kai", "Lena", "Mo", "Noor",
               "Oli", "Pia", "Quin", "Ravi", "Sam", "Tove"]
DEPARTMENTS = ["Marketing", "Finance", "Operations", "Sales", "Engineering", "Legal", "HR"]
DIGITAL_SKILLS = ["TikTok", "generative AI", "social media marketing", "Notion", "short-form video", "Figma"]
LEADERSHIP_SKILLS = ["strategy", "negotiation", "stakeholder management", "public speaking", "budgeting"]
PLACES = [("Europe/Berlin", "DE", 9, 17), ("Europe/London", "GB", 9, 17), ("Europe/Lisbon", "PT", 9, 18),
          ("America/New_York", "US", 8, 16), ("Asia/Kolkata", "IN", 11, 19)]


def cohort(size: int = 40, seed: int = 7) -> list[ParticipantEnrolled]:
    """`size` participants, half junior mentors and half senior mentees, reproducible from `seed`."""
    rng = random.Random(seed)
    people = []
    for index in range(size):
        is_mentor = index % 2 == 0
        zone, country, start, end = rng.choice(PLACES)
        teaches, learns = (DIGITAL_SKILLS, LEADERSHIP_SKILLS) if is_mentor else (LEADERSHIP_SKILLS, DIGITAL_SKILLS)
        name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {'Mentor' if is_mentor else 'Leader'} {index:02d}"
        profile = ParticipantProfile(
            program_id=PROGRAM,
            display_name=name,
            email=f"person{index:02d}@example.com",
            locale=rng.choice(["en", "en", "de"]),
            role="mentor" if is_mentor else "mentee",
            grade=rng.randint(1, 3) if is_mentor else rng.randint(7, 10),
            tenure_months=rng.randint(3, 30) if is_mentor else rng.randint(60, 300),
            department=rng.choice(DEPARTMENTS),
            country=country,
            time_zone=zone,
            working_hours=[WorkingHours(weekday=day, start=time(start), end=time(end)) for day in range(5)],
            languages=["en"],
            skills=[{"name": skill, "level": rng.randint(3, 5)} for skill in rng.sample(teaches, 2)],
            goals=[{"name": goal, "priority": rng.randint(1, 5)} for goal in rng.sample(learns, 2)],
            interests=rng.sample(["running", "chess", "jazz", "cooking", "climbing"], 2),
        )
        people.append(ParticipantEnrolled(participant_id=UUID(int=rng.getrandbits(128), version=4), profile=profile))
    return people
