"""Why an obligation applies or not, in the user's words (question texts and answer labels).

>>> from atmp_pathways.loader import load_rulebook
>>> from atmp_pathways.models import Condition
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> words(book, Condition.model_validate({"question": "uses_widgets", "is": True}), False)
'anything but yes'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .logic import NA, UNKNOWN, Values, evaluate_condition, frozen, undecided
from .models import KINDS, UNDECIDED, Condition, Rulebook
from .outcome import Reason, SkippedTopic
from .plan import JUDGED_KEPT

__all__ = ["WORDING", "explain", "first_failure", "plain_failure", "show", "skipped_topics", "words"]


def show(book: Rulebook, qid: str, value: object) -> str:
    """An answer or a determination's value (or NA / UNKNOWN) in words."""
    d = book.determinations_by_id.get(qid)
    if d is not None:
        if value is NA:
            return "no conclusion"
        if value is UNKNOWN:
            return "not determined yet"
        return d.values[str(value)].label if str(value) in d.values else str(value)
    if value is NA:
        return "not asked"
    if value is UNKNOWN:
        return "not answered yet"
    q = book.questions_by_id[qid]
    if q.undecided is not None and value == UNDECIDED:
        return q.undecided
    return KINDS[q.kind].show(value, book.choices(q))


def _label(choices: Mapping[str, str], value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return choices.get(value, value)
    return str(value)


def _includes(shown: str, many: bool, operand: object, want: bool) -> str:
    if want:
        return f"to include any of: {shown}" if many else f"to include {shown}"
    return f"to include none of: {shown}" if many else f"not to include {shown}"


#: operator → what a leaf test needs, given (operand shown, several items?, operand, wanted result).
WORDING: dict[str, Callable[[str, bool, object, bool], str]] = {
    "is": lambda shown, many, operand, want: shown if want else f"anything but {shown}",
    "in": lambda shown, many, operand, want: f"one of: {shown}" if want else f"none of: {shown}",
    "includes": _includes,
    "answered": lambda shown, many, operand, want: "an answer" if bool(operand) == want else "no answer",
    "before": lambda shown, many, operand, want: f"a date before {shown}" if want else f"a date on or after {shown}",
    "on_or_after": lambda shown, many, operand, want: (
        f"a date on or after {shown}" if want else f"a date before {shown}"
    ),
}


def words(book: Rulebook, cond: Condition, want: bool) -> str:
    """What a leaf test needs to be ``want``, in the user's words, e.g. ``anything but Not an ATMP``."""
    d = book.determinations_by_id.get(str(cond.determination))
    if d is not None:
        choices: Mapping[str, str] = {k: v.label for k, v in d.values.items()}
    else:
        choices = book.choices(book.questions_by_id[str(cond.question)])
    value = cond.operand
    items = value if isinstance(value, tuple) else (value,)
    shown = "; ".join(_label(choices, v) for v in items)
    return WORDING[cond.operator](shown, len(items) > 1, value, want)


def explain(book: Rulebook, cond: Condition, values: Mapping[str, object], path: str, want: bool) -> list[Reason]:
    """Reasons why ``cond`` evaluated to ``want`` (the trace in words)."""
    if cond.determination is not None:
        d = book.determination(cond.determination)
        text = f"{d.title} — {show(book, d.id, values.get(d.id, UNKNOWN))}"
        if not (want and cond.operator == "is"):
            text += f" (needed {words(book, cond, want)})"
        return [Reason(path=path, text=text)]
    if cond.question is not None:
        q = book.questions_by_id[cond.question]
        text = f"{q.text} — {show(book, q.id, values.get(q.id, UNKNOWN))}"
        if not (want and cond.operator in ("is", "answered")):  # the answer alone says it otherwise
            text += f" (needed {words(book, cond, want)})"
        return [Reason(path=path, question=q.id, text=text)]
    if cond.not_ is not None:
        return explain(book, cond.not_, values, f"{path}.not", not want)
    key = "all" if cond.all is not None else "any"
    need_every = (key == "all") == want
    out: list[Reason] = []
    for i, child in enumerate(cond.children()):
        if evaluate_condition(child, values) is want:
            out.extend(explain(book, child, values, f"{path}.{key}[{i}]", want))
            if not need_every:
                break
    return out


def first_failure(book: Rulebook, cond: Condition, values: Mapping[str, object], path: str, want: bool) -> str:
    """The first condition on the path that stops ``cond`` being ``want``."""
    if cond.determination is not None:
        d = book.determination(cond.determination)
        value = values.get(d.id, UNKNOWN)
        if value is NA:
            return f"{path}: “{d.title}” reached no conclusion"
        return f"{path}: “{d.title}” needed {words(book, cond, want)}; concluded: {show(book, d.id, value)}"
    if cond.question is not None:
        value = values.get(cond.question, UNKNOWN)
        q = book.questions_by_id[cond.question]
        if value is NA:
            return f"{path}: “{q.text}” was not asked (its own condition does not hold)"
        return f"{path}: “{q.text}” needed {words(book, cond, want)}; answered: {show(book, q.id, value)}"
    if cond.not_ is not None:
        return first_failure(book, cond.not_, values, f"{path}.not", not want)
    key = "all" if cond.all is not None else "any"
    children = cond.children()
    if (key == "all") == want:
        for i, child in enumerate(children):
            if evaluate_condition(child, values) is (not want):
                return first_failure(book, child, values, f"{path}.{key}[{i}]", want)
    parts = [first_failure(book, c, values, f"{path}.{key}[{i}]", want) for i, c in enumerate(children)]
    return f"{path}: none of the alternatives holds — " + "; ".join(parts)


def plain_failure(
    book: Rulebook, cond: Condition, values: Mapping[str, object], want: bool, applies: str = "this applies"
) -> str:
    """``first_failure`` as a sentence for people, without condition paths.

    ``applies`` words what the condition guards ("this applies", "they are asked").

    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> cond = Condition.model_validate({"question": "widget_colour", "is": "red"})
    >>> plain_failure(book, cond, {"widget_colour": "green"}, True)
    'you said “Which colour are the widgets?” — Green (this applies when the answer is Red)'
    """
    if cond.determination is not None:
        d = book.determination(cond.determination)
        value = values.get(d.id, UNKNOWN)
        if value is NA:
            return f"the rules reached no conclusion on “{d.title}” for your answers"
        return f"your “{d.title}” is {show(book, d.id, value)} ({applies} when it is {words(book, cond, want)})"
    if cond.question is not None:
        value = values.get(cond.question, UNKNOWN)
        q = book.questions_by_id[cond.question]
        if value is NA:
            return f"“{q.text}” does not arise for your answers"
        return (
            f"you said “{q.text}” — {show(book, q.id, value)} ({applies} when the answer is {words(book, cond, want)})"
        )
    if cond.not_ is not None:
        return plain_failure(book, cond.not_, values, not want, applies)
    key = "all" if cond.all is not None else "any"
    children = cond.children()
    if (key == "all") == want:
        for child in children:
            if evaluate_condition(child, values) is (not want):
                return plain_failure(book, child, values, want, applies)
    return "none of these holds: " + "; ".join(plain_failure(book, c, values, want, applies) for c in children)


_ASKED = "they are asked"


def skipped_topics(book: Rulebook, values: Values) -> tuple[SkippedTopic, ...]:
    """Topics with obligations (or determinations) none of whose questions is asked, and why.

    Ruled out by the answers: the topic's ``skipped_because`` if the author wrote one, else
    the entry questions' ``when`` in plain words (``plain_failure``). Held back by a "not
    decided yet" answer: which one. Topics still to come, or partly asked, are not listed.

    >>> from atmp_pathways.loader import load_rulebook
    >>> from atmp_pathways.logic import resolve
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> [s.text for s in skipped_topics(book, resolve(book, {"uses_widgets": False}))]
    ['Shipping questions were not asked because you said “Do you make widgets?” — no (they are asked when the answer is yes).']
    """
    plan = book.plan
    key = (*(frozen(values.get(q.id)) for q in plan.order), frozenset(values.undecided))
    hit = plan.skipped.get(key)
    if hit is None:
        hit = _skipped(book, values)
        if len(plan.skipped) < JUDGED_KEPT:
            plan.skipped[key] = hit
    return hit


def _skipped(book: Rulebook, values: Values) -> tuple[SkippedTopic, ...]:
    out: list[SkippedTopic] = []
    plan = book.plan
    for topic in book.meta.topics:
        questions = plan.topic_questions.get(topic, ())
        if not questions or topic not in plan.topics_with_rules:
            continue
        given = [values.get(q.id, UNKNOWN) for q in questions]
        title = book.topic_titles.get(topic, topic)
        if all(v is NA for v in given):
            own = {q.id for q in questions}
            entry = [q for q in questions if q.when is not None and not (q.when.questions() & own)] or questions
            reasons: dict[str, str] = {}  # what the user said → the first sentence built on it
            for q in entry:
                assert q.when is not None  # a question without `when` is always asked
                text = plain_failure(book, q.when, values, True, _ASKED)
                reasons.setdefault(text.split(f" ({_ASKED} when ")[0], text)
            reason = book.topic_skipped_because.get(topic) or "; ".join(reasons.values())
            out.append(SkippedTopic(topic, title, f"{title} questions were not asked because {reason.rstrip('.')}."))
            continue
        if values.undecided and all(v is NA or v is UNKNOWN for v in given):
            held: set[str] = set()
            for q in questions:
                if q.when is not None and values.get(q.id) is UNKNOWN:
                    held |= undecided(q.when, values) & values.undecided
            if held and all(
                values.get(q.id) is NA or (q.when is not None and evaluate_condition(q.when, values) is None)
                for q in questions
            ):
                ids = tuple(sorted(held, key=plan.rank.__getitem__))
                shown = " and ".join(f"“{book.questions_by_id[h].text}”" for h in ids)
                text = f"{title} questions were not asked yet: they depend on your answer to {shown} (not decided yet)."
                out.append(SkippedTopic(topic, title, text, ids))
    return tuple(out)
