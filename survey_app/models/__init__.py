"""Typed SQLAlchemy 2 models, one module per aggregate."""
from .aggregates import AnswerCount, ScoreSum
from .audit import AuditEvent
from .exports import ExportJob, ExportPiece
from .followups import MARK_STATUSES, FollowupMark
from .logins import LoginAttempts, RecoveryCode
from .programme import SERVICE_DOMAINS, County, Round, Site, Team
from .questionnaires import DRAFT_STATES, Questionnaire, QuestionnaireDraft, QuestionnaireVersion, RetiredVersion, TeamQuestionnaire
from .recordings import RECORDING_STATUSES, RECORDING_TYPES, Dialect, Recording
from .reports import JOB_STATES, ReportFile, ReportJob, WorkerBeat
from .responses import WAVES, Answer, IndexScore, Refusal, Response
from .sessions import UserSession
from .snapshots import DataChange, FindingsSnapshot
from .users import ROLES, ApiToken, User, hash_token

__all__ = [
    "DRAFT_STATES",
    "JOB_STATES",
    "MARK_STATUSES",
    "RECORDING_STATUSES",
    "RECORDING_TYPES",
    "ROLES",
    "SERVICE_DOMAINS",
    "WAVES",
    "Answer",
    "AnswerCount",
    "ApiToken",
    "AuditEvent",
    "County",
    "DataChange",
    "Dialect",
    "ExportJob",
    "ExportPiece",
    "FindingsSnapshot",
    "FollowupMark",
    "IndexScore",
    "LoginAttempts",
    "Questionnaire",
    "QuestionnaireDraft",
    "QuestionnaireVersion",
    "Recording",
    "RecoveryCode",
    "Refusal",
    "ReportFile",
    "ReportJob",
    "Response",
    "RetiredVersion",
    "Round",
    "ScoreSum",
    "Site",
    "Team",
    "TeamQuestionnaire",
    "User",
    "UserSession",
    "WorkerBeat",
    "hash_token",
]
