"""Framework snapshots: each assessment keeps the framework it started with, however it is cached."""

from __future__ import annotations

from datetime import datetime, timezone

from engine.assessment import Assessment, Conversation, Identity, Member
from engine.framework import parse_framework
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SAM = Member(Identity("slack", "T1", "U-sam"), "Sam")


def start(framework, channel: str, assessment_id: str) -> Assessment:
    return Assessment.start(
        assessment_id=assessment_id,
        conversation=Conversation("slack", "T1", channel),
        framework=framework,
        starter=SAM,
        members=[SAM],
        now=NOW,
    )


def test_an_edited_framework_with_the_same_version_is_never_confused_with_the_original(db_engine, framework):
    data = framework.to_dict()
    data["themes"][0]["questions"][0]["prompt"] = "An edited prompt, the version number left as it was"
    edited = parse_framework(data, "edited")
    assert (edited.id, edited.version) == (framework.id, framework.version)
    with SqlUnitOfWork(db_engine) as uow:
        uow.assessments.add(start(framework, "C-one", "a" * 32))
        uow.assessments.add(start(edited, "C-two", "b" * 32))
        uow.assessments.add(start(framework, "C-three", "c" * 32))
        uow.commit()
    for _ in range(2):  # the second pass is served from the caches
        with SqlUnitOfWork(db_engine) as uow:
            prompts = [uow.assessments.get(i * 32).framework.question("1.1").prompt for i in "abc"]
        assert prompts == [
            framework.question("1.1").prompt,
            "An edited prompt, the version number left as it was",
            framework.question("1.1").prompt,
        ]
