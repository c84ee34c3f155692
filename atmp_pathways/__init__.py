"""ATMP Pathways: a rules-as-code engine and wizard. The engine knows no domain.

Typical use::

    book = load_rulebook("rules")
    question = next_question(book, answers)
    outcome = evaluate(book, answers, as_of)
"""

from .answers import AnswersFile, dump_answers, parse_answers
from .engine import evaluate, next_question, pending_questions, question_order, validate_answers
from .errors import AnswersError, Problem, RulebookError
from .graph import build_graph, lint_rulebook, to_dot, to_mermaid
from .loader import RULES_DIR, check_rulebook, load_rulebook
from .models import Citation, Condition, Obligation, Question, Rulebook, Source
from .outcome import Finding, Outcome, Reason

__all__ = [
    "RULES_DIR",
    "AnswersError",
    "AnswersFile",
    "Citation",
    "Condition",
    "Finding",
    "Obligation",
    "Outcome",
    "Problem",
    "Question",
    "Reason",
    "Rulebook",
    "RulebookError",
    "Source",
    "build_graph",
    "check_rulebook",
    "dump_answers",
    "evaluate",
    "lint_rulebook",
    "load_rulebook",
    "next_question",
    "parse_answers",
    "pending_questions",
    "question_order",
    "to_dot",
    "to_mermaid",
    "validate_answers",
]

__version__ = "0.1.0"
