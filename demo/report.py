"""The demo's printed summary: what a program lead would want to see first."""

from __future__ import annotations

from collections import Counter

from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.smtp import SmtpSink
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    NotificationSent,
    PairCreated,
    ParticipantEnrolled,
    ParticipantUnmatched,
    SchedulingFailed,
    SessionScheduled,
)


def print_report(people: list[ParticipantEnrolled], reader: TopicReader, smtp: SmtpSink) -> None:
    names = {p.participant_id: p.profile.display_name for p in people}
    departments = {p.participant_id: p.profile.department for p in people}
    grades = {p.participant_id: p.profile.grade for p in people}
    kickoffs = {e.event.pair_id: e.event for e in reader.events(SessionScheduled) if e.event.kind == "kickoff"}
    failures = {e.event.pair_id: e.event.reason for e in reader.events(SchedulingFailed)}

    pairs = unique(reader.events(PairCreated))
    print(f"\n== {len(pairs)} pairs (mentor -> mentee, score, why) ==")
    for pair in sorted(pairs, key=lambda p: -p.score):
        mentor, mentee = pair.mentor.participant_id, pair.mentee.participant_id
        print(
            f"{names[mentor]} (grade {grades[mentor]}, {departments[mentor]}) -> "
            f"{names[mentee]} (grade {grades[mentee]}, {departments[mentee]})  score {pair.score:.3f}"
        )
        print(f"    why: {'; '.join(pair.reasons)}")
        if kickoff := kickoffs.get(pair.pair_id):
            print(
                f"    kickoff {kickoff.starts_at:%a %d %b %H:%M} UTC, {kickoff.duration_minutes} min: "
                f"mentor {kickoff.mentor.local_start:%a %H:%M} {kickoff.mentor.time_zone}, "
                f"mentee {kickoff.mentee.local_start:%a %H:%M} {kickoff.mentee.time_zone}"
            )
        elif reason := failures.get(pair.pair_id):
            print(f"    not scheduled: {reason}")

    unmatched = unique(reader.events(ParticipantUnmatched))
    if unmatched:
        print(f"\n== {len(unmatched)} left unmatched ==")
        for event in unmatched:
            print(f"{names[event.participant_id]}: {'; '.join(event.reasons)}")

    check_ins = unique(reader.events(CheckInDue))
    requests = unique(reader.events(FeedbackRequested))
    sent = Counter(e.template for e in unique(reader.events(NotificationSent)))
    print(
        f"\n== follow-up ==\ncheck-ins due: {len(check_ins)}; feedback requests: {len(requests)} "
        f"({sum(r.role == 'mentor' for r in requests)} to mentors, {sum(r.role == 'mentee' for r in requests)} to mentees)"
    )
    print(f"e-mails delivered to the SMTP server: {len(smtp.received())}; by template: {dict(sorted(sent.items()))}")
    sample = next((m for m in smtp.received() if "/surveys/" in m.get_body(("plain",)).get_content()), None)
    if sample is not None:
        print(f"\n== sample e-mail ==\nTo: {sample['To']}\nSubject: {sample['Subject']}\n")
        print(sample.get_body(("plain",)).get_content().strip())


def print_fairness(report: dict) -> None:
    print(f"\n== fairness audit ({report['participants']} participants; groups under 5 suppressed) ==")
    for cell in report["cells"]:
        if cell["suppressed"]:
            print(f"{cell['dimension']:>12} {cell['group']:<28} suppressed")
        else:
            print(
                f"{cell['dimension']:>12} {cell['group']:<28} {cell['people']:>3} people, match rate {cell['match_rate']:.0%}"
                + (f", mean score {cell['mean_score']:.3f}" if cell["mean_score"] is not None else "")
            )
    for warning in report["warnings"]:
        print(f"warning: {warning}")


def unique(envelopes):
    """Events by id: a relay may publish an event twice after a crash; consumers see it once."""
    return list({e.id: e.event for e in envelopes}.values())
