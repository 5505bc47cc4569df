"""The organisation on a report: its name and type each come from what the team said, else from app.yaml."""

from __future__ import annotations

from bot.comparison import report_context
from bot.config import Config, parse_config
from storage.reports import ReportQueries
from storage.unit_of_work import SqlUnitOfWork
from tests.reports.conftest import T0


def _record(engine, assessment, **details) -> None:
    where = assessment.conversation
    with SqlUnitOfWork(engine) as uow:
        ReportQueries(uow.session).record_organisation(where.platform, where.workspace, now=T0, **details)
        uow.commit()


def _context(engine, assessment, config: Config):
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return report_context(uow.reports, assessment, config)


def test_a_type_without_a_name_leaves_the_name_to_app_yaml_never_to_a_title(db_engine, stored):
    assessment = stored(answers={"money": ((2, 3), (2, 3))})
    _record(db_engine, assessment, name=None, type="district", share_for_comparison=False)
    with SqlUnitOfWork(db_engine, read_only=True) as uow:
        where = assessment.conversation
        assert ReportQueries(uow.session).organisation(where.platform, where.workspace).name is None
    assert _context(db_engine, assessment, Config()).organisation is None  # app.yaml's placeholder is not a name
    named = parse_config("organisation:\n  name: Northshire District Council\n", environ={})
    assert _context(db_engine, assessment, named).organisation == "Northshire District Council"


def test_the_name_the_team_gave_wins_over_app_yaml(db_engine, stored):
    assessment = stored(answers={"money": ((2, 3), (2, 3))})
    _record(db_engine, assessment, name="  Borsetshire   County Council ", type=None, share_for_comparison=False)
    configured = parse_config("organisation:\n  name: Somewhere Else\n  type: county\n", environ={})
    context = _context(db_engine, assessment, configured)
    assert context.organisation == "Borsetshire County Council"
