"""A realistic synthetic program for tests, the demo, `flipside seed-demo` and the benchmark.

Departments with reporting trees, a grade pyramid (many juniors, few executives),
offices across time zones with their working hours and languages, juniors who
know digital topics and seniors who know the business. Reproducible from a seed.
"""

from __future__ import annotations

import random
from datetime import time
from uuid import UUID

from .events import ParticipantEnrolled, ParticipantProfile, WorkingHours
from .events.participants import CommunicationStyle, LearningGoal, Role, Skill

DEPARTMENTS = ["Marketing", "Finance", "Operations", "Sales", "Engineering", "Legal", "HR", "Customer Service"]
OFFICES = [  # zone, country, languages, usual start hour
    ("Europe/Berlin", "DE", ["de", "en"], 8),
    ("Europe/London", "GB", ["en"], 9),
    ("Europe/Paris", "FR", ["fr", "en"], 9),
    ("Europe/Lisbon", "PT", ["pt", "en"], 9),
    ("America/New_York", "US", ["en", "es"], 8),
    ("America/Chicago", "US", ["en"], 8),
    ("America/Sao_Paulo", "BR", ["pt", "en"], 9),
    ("Asia/Kolkata", "IN", ["en", "hi"], 10),
    ("Asia/Singapore", "SG", ["en"], 9),
    ("Australia/Sydney", "AU", ["en"], 8),
]
DIGITAL = [
    "TikTok",
    "short-form video",
    "social media marketing",
    "generative AI",
    "prompt engineering",
    "Figma",
    "data visualisation",
    "python",
    "automation",
    "notion",
    "gen z customers",
    "e-commerce",
    "seo",
    "community management",
    "remote work",
    "cybersecurity",
    "influencer marketing",
    "web analytics",
]
BUSINESS = [
    "strategy",
    "negotiation",
    "stakeholder management",
    "public speaking",
    "budgeting",
    "leadership",
    "executive presence",
    "change management",
    "decision making",
    "business acumen",
    "team leadership",
    "feedback",
    "coaching",
    "visibility",
    "career planning",
    "risk management",
    "storytelling",
]
INTERESTS = [
    "running",
    "chess",
    "jazz",
    "cooking",
    "climbing",
    "photography",
    "gaming",
    "gardening",
    "cycling",
    "reading",
    "football",
    "yoga",
    "travel",
    "film",
    "volunteering",
]
LADDER = [
    "Intern",
    "Associate",
    "Analyst",
    "Senior Analyst",
    "Manager",
    "Senior Manager",
    "Director",
    "Senior Director",
    "Vice President",
    "Senior Vice President",
    "Executive Vice President",
    "Chief Officer",
]
FIRST_NAMES = [
    "Ada",
    "Bo",
    "Chen",
    "Dara",
    "Eli",
    "Femi",
    "Gus",
    "Hana",
    "Ines",
    "Jay",
    "Kai",
    "Lena",
    "Mo",
    "Noor",
    "Oli",
    "Pia",
    "Quin",
    "Ravi",
    "Sam",
    "Tove",
    "Uma",
    "Vik",
    "Wen",
    "Xia",
    "Yusuf",
    "Zoe",
]
SURNAMES = [
    "Adler",
    "Banerjee",
    "Costa",
    "Dube",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Perez",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
]
GRADE_WEIGHTS = [6, 7, 7, 6, 6, 4, 4, 7, 7, 6, 5, 4]  # a pyramid cut so that mentors and mentees come out roughly even


def enrolments(size: int, program_id: str = "synthetic", seed: int = 1) -> list[ParticipantEnrolled]:
    return [ParticipantEnrolled(participant_id=p, profile=profile) for p, profile in profiles(size, program_id, seed)]


def profiles(size: int, program_id: str = "synthetic", seed: int = 1) -> list[tuple[UUID, ParticipantProfile]]:
    rng = random.Random(seed)
    people: list[tuple[UUID, ParticipantProfile]] = []
    by_department: dict[str, list[tuple[int, UUID, list[UUID]]]] = {d: [] for d in DEPARTMENTS}
    # Most senior first, so everyone's manager is already there to point at.
    grades = sorted((rng.choices(range(len(GRADE_WEIGHTS)), GRADE_WEIGHTS)[0] for _ in range(size)), reverse=True)
    for index, grade in enumerate(grades):
        person = UUID(int=rng.getrandbits(128), version=4)
        department = rng.choice(DEPARTMENTS)
        seniors = [entry for entry in by_department[department][-200:] if grade < entry[0] <= grade + 3]
        manager, chain = (None, [])
        if seniors:
            _, manager, above = rng.choice(seniors)
            chain = above
        by_department[department].append((grade, person, ([manager] if manager else []) + chain[:5]))
        people.append((person, _profile(rng, index, program_id, grade, department, manager, chain[:5])))
    rng.shuffle(people)
    return people


def _profile(
    rng: random.Random,
    index: int,
    program_id: str,
    grade: int,
    department: str,
    manager: UUID | None,
    chain: list[UUID],
) -> ParticipantProfile:
    zone, country, languages, start = rng.choice(OFFICES)
    start += rng.choice([-1, 0, 0, 1])
    days = range(5) if rng.random() < 0.85 else range(4)
    role: Role = "mentor" if grade <= 4 else "mentee" if grade >= 7 else "either"
    teaches, learns = (DIGITAL, BUSINESS) if grade <= 5 else (BUSINESS, DIGITAL)
    return ParticipantProfile(
        program_id=program_id,
        display_name=f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {SURNAMES[index * 7 % len(SURNAMES)]}",
        email=f"person{index}@example.com",
        locale="de" if country == "DE" and rng.random() < 0.5 else "en",
        role=role,
        grade=grade,
        tenure_months=rng.randint(1, 36) if grade <= 4 else rng.randint(24, 360),
        department=department,
        manager_id=manager,
        reporting_chain=chain,
        country=country,
        time_zone=zone,
        working_hours=[WorkingHours(weekday=d, start=time(start), end=time(start + 8)) for d in days],
        languages=languages if rng.random() < 0.7 else languages[:1],
        skills=[Skill(name=s, level=rng.randint(2, 5)) for s in rng.sample(teaches, rng.randint(2, 4))],
        goals=[LearningGoal(name=g, priority=rng.randint(1, 5)) for g in rng.sample(learns, rng.randint(1, 3))],
        interests=rng.sample(INTERESTS, rng.randint(0, 3)),
        communication=CommunicationStyle.model_validate(
            {
                "rhythm": rng.choice(["weekly", "fortnightly", "fortnightly", "monthly"]),
                "mode": rng.choice(["synchronous", "synchronous", "written", "mixed"]),
                "formality": rng.choice(["casual", "formal"]),
                "channel": rng.choice(["video", "video", "in_person", "chat"]),
            }
        ),
        capacity=rng.choices([1, 2, 3], [6, 3, 1])[0] if grade <= 6 else 1,
        hours_per_month=rng.choice([2, 3, 4, 6]),
    )
