"""What the team is shown: messages made from the assessment's state.

Privacy is decided here, once, for every platform: channel messages carry counts and the
anonymous distribution (only after the reveal); individual votes and the names of people who
have not voted go only to super-users, privately.

Callers use the package as one module (``from engine import presenters as p``); by subject:

    rounds.py      one question round by round: the question, a vote confirmed, the reveal and
                   its chart, the consensus, a skip; the verdicts' words
    individual.py  who voted what, for super-users only
    audit.py       the audit trail, for super-users only
    summary.py     where the assessment stands, its end, the scored summary and its charts
    schedule.py    reminders, deadlines and the schedule
    notices.py     an error for the person who asked, and plain notices
    formats.py     how dates, times and lists of names are written
"""

from engine.presenters.audit import audit_message
from engine.presenters.formats import join_words, local_time, long_date
from engine.presenters.individual import (
    QuestionContributions,
    contributions_message,
    individual_contributions,
    individual_votes_message,
)
from engine.presenters.notices import error_message, notice
from engine.presenters.rounds import (
    DISCUSSION_PROMPTS,
    STATE_WORDS,
    VERDICT_WORDS,
    consensus_message,
    distribution_chart,
    progress_message,
    question_label,
    question_message,
    reveal_message,
    round_key,
    scale_options,
    skipped_message,
    verdict_text,
    vote_recorded,
)
from engine.presenters.schedule import (
    deadline_message,
    deadline_missed_message,
    deadline_passed_message,
    reminder_message,
    reminders_sent_message,
    schedule_message,
)
from engine.presenters.summary import (
    comparison_text,
    completed_message,
    contested_charts,
    progress_text,
    status_message,
    summary_charts,
    summary_message,
    summary_reading,
)

__all__ = [
    "DISCUSSION_PROMPTS",
    "STATE_WORDS",
    "VERDICT_WORDS",
    "QuestionContributions",
    "audit_message",
    "comparison_text",
    "completed_message",
    "consensus_message",
    "contested_charts",
    "contributions_message",
    "deadline_message",
    "deadline_missed_message",
    "deadline_passed_message",
    "distribution_chart",
    "error_message",
    "individual_contributions",
    "individual_votes_message",
    "join_words",
    "local_time",
    "long_date",
    "notice",
    "progress_message",
    "progress_text",
    "question_label",
    "question_message",
    "reminder_message",
    "reminders_sent_message",
    "reveal_message",
    "round_key",
    "scale_options",
    "schedule_message",
    "skipped_message",
    "status_message",
    "summary_charts",
    "summary_message",
    "summary_reading",
    "verdict_text",
    "vote_recorded",
]
