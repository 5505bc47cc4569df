"""Assessments stored before the trail existed (migration 0007) get an empty chain, and carry on."""

from __future__ import annotations

from bot.audit import trail, verify
from engine.assessment import Assessment, Member
from engine.audit import AuditAction
from storage.migrate import head_revisions, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.audit.conftest import AMIRA, NOW, PLACE, SAM


def test_an_assessment_from_before_the_trail_verifies_and_its_chain_starts_at_its_next_change(empty_db_engine, framework):
    for head in sorted(head_revisions() - {"0007_audit"}):  # the schema of the day before the trail
        upgrade(empty_db_engine, head)
    assessment = Assessment.start(
        assessment_id="older", conversation=PLACE, framework=framework,
        starter=Member(SAM.identity, SAM.name), members=[Member(AMIRA.identity, AMIRA.name)], now=NOW,
    )  # fmt: skip
    assessment.pending_audit.clear()  # the code of that time recorded nothing
    with SqlUnitOfWork(empty_db_engine) as uow:
        uow.assessments.add(assessment)
        uow.commit()
    upgrade(empty_db_engine)
    assert verify(empty_db_engine).intact  # an empty chain, not a deleted one

    with SqlUnitOfWork(empty_db_engine) as uow:
        loaded = uow.assessments.get("older", for_update=True)
        loaded.cast_vote(AMIRA.identity, loaded.focus_question_id, 2, 3, NOW)
        uow.commit()
    (entry,) = trail(empty_db_engine, "older")
    assert (entry.sequence, entry.event.action) == (1, AuditAction.VOTE_CAST)
    assert verify(empty_db_engine).line() == "1 entries, chain intact"
