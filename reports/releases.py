"""Releases: a closed wave's figures frozen for partners (rule 4 of ``reports.suppress``).

Partner users read a wave only from its latest release, so two downloads around one
new, deleted or imported response never show that person's answers. A release stores
the wave's :class:`reports.query.Tally` and which responses it counted, per group. A
coordinator may release again only when every group changed by 0 or at least N
responses (added or deleted) since the last release - each partner's, the whole, and
each channel and link a report counts responses by - and every question of each
partner's group and of the whole by 0 or at least N answers (ten new responses of which
one answered a question would give that answer away); a partner's group or question
that changed beside an unchanged one must also have 0 or at least N in both releases
(and so must a channel, of one partner's links or across every partner's, and a
link of a channel), and under the cells rule every count that changed must change by 0
or at least N.
Otherwise the two releases would differ by a small group, and the refusal says which
group or question stands in the way.
Services here only flush; the caller audits and commits.

Counts are frozen, comment texts are not: a release keeps, beside each comment text it
lists, the answers written with it, and :func:`released_tally` shows each of those
answers as reports show it now. A comment redacted after the release shows its
redacted text; one removed since stays counted (what partners were given never
changes) and is listed as :data:`REMOVED`; undoing a redaction shows the comment as
written again, but only a comment the release listed. Deleting a response changes
nothing in a release, its comment included: partners know where responses were
deleted, so a comment leaving with its response would say who wrote it. To take its
words out of a release too, redact the comment before deleting the response (a
deliberate choice: partners may then tell which comment went).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy import orm

from app.models import (
    Answer,
    CommentRedaction,
    Link,
    Partner,
    Release,
    Response,
    Survey,
    User,
    Wave,
)
from reports.model import audience_label
from reports.query import AtomKey, Tally, clean_text

Members = dict[tuple[int, str, int | None], set[int]]
# What a released report lists for a counted comment removed since the release.
REMOVED = "(comment removed by a coordinator since this release)"


class ReleaseRefused(ValueError):
    """A release that would expose a small group, or of a wave still open."""


def latest_release(session: orm.Session, wave_id: int) -> Release | None:
    return session.scalar(
        sa.select(Release)
        .where(Release.wave_id == wave_id)
        .order_by(Release.number.desc())
        .limit(1)
    )


def releases_of(session: orm.Session, wave_ids: list[int]) -> dict[int, Release]:
    """The latest release of each wave that has one."""
    latest: dict[int, Release] = {}
    for release in session.scalars(
        sa.select(Release).where(Release.wave_id.in_(wave_ids)).order_by(Release.number)
    ):
        latest[release.wave_id] = release
    return latest


def _members(session: orm.Session, wave_id: int) -> Members:
    """Live response ids per (survey, audience, partner) group of the wave."""
    members: Members = {}
    for response_id, survey_id, audience, partner_id in session.execute(
        sa.select(Response.id, Response.survey_id, Response.audience, Response.partner_id).where(
            Response.wave_id == wave_id, Response.deleted_at.is_(None)
        )
    ):
        key = (survey_id, getattr(audience, "value", str(audience)), partner_id)
        members.setdefault(key, set()).add(response_id)
    return members


def small_ends(before: Members, now: Members, min_n: int) -> dict[tuple[int, str, t.Any], int]:
    """Changed partner groups that had, or would have, 1 to N-1 responses beside a group
    of the same audience that did not change: hidden in one release, such a group is the
    whole minus what the unchanged one shows in the other release. Group -> that count.
    (Without an unchanged group beside it, the whole's two figures differ by the changed
    responses, which the re-release's other checks keep at 0 or at least N.)"""
    unchanged: dict[tuple[int, str], set[t.Any]] = {}
    for key in set(before) | set(now):
        if before.get(key) == now.get(key) and now.get(key):
            unchanged.setdefault(key[:2], set()).add(key[2])
    small = {}
    for key in set(before) | set(now):
        then, later = len(before.get(key, set())), len(now.get(key, set()))
        beside = unchanged.get(key[:2], set()) - {key[2]}
        ends = [n for n in (later, then) if 0 < n < min_n]
        if before.get(key) != now.get(key) and beside and ends:
            small[key] = ends[0]
    return small


def small_channel_ends(
    session: orm.Session, before: Members, now: Members, min_n: int
) -> dict[tuple[int, str, t.Any], int]:
    """As ``small_ends``, lower in the response tree: the channels of each partner's
    links (and of the links without a partner), each channel across every partner (the
    summary's rates per channel), and the links of each of those channels. A changed
    part of 1 to N-1 responses beside one that did not change is the whole of them
    minus what the unchanged one shows in the other release. Key: (survey, audience,
    ("channel", partner or "all", channel)) or (survey, audience, ("link", partner,
    channel, link)) -> that count."""
    link_of = _links_of(session, sorted(set().union(*before.values(), *now.values())))

    def split(members: Members) -> dict[tuple[t.Any, ...], set[int]]:
        parts: dict[tuple[t.Any, ...], set[int]] = {}
        for (survey_id, audience, partner), group in members.items():
            for response_id in group:
                channel, link_id = link_of.get(response_id, (None, None))
                for key in (
                    (survey_id, ("channel", audience, partner), channel),
                    (survey_id, ("channel", audience, "all"), channel),
                    (survey_id, ("link", audience, partner, channel), link_id),
                ):
                    parts.setdefault(key, set()).add(response_id)
        return parts

    small = small_ends(t.cast(Members, split(before)), t.cast(Members, split(now)), min_n)
    ends = {}
    for (survey_id, group, last), n in small.items():
        level, audience, *where = t.cast(tuple[t.Any, ...], group)
        ends[(survey_id, audience, (level, *where, last))] = n
    return ends


def _links_of(session: orm.Session, ids: list[int]) -> dict[int, tuple[str, int]]:
    """Response id -> (channel code, link id) of its link, for responses that have one."""
    links: dict[int, tuple[str, int]] = {}
    for start in range(0, len(ids), 500):
        for response_id, channel, link_id in session.execute(
            sa.select(Response.id, Link.channel, Link.id)
            .join(Link, Link.id == Response.link_id)
            .where(Response.id.in_(ids[start : start + 500]))
        ):
            links[response_id] = (str(getattr(channel, "value", channel)), link_id)
    return links


def _changed_answers(
    session: orm.Session, before: Members, now: Members
) -> t.Iterator[tuple[int, str, int | None, str, str | None, int, bool]]:
    """(survey, audience, partner, item, choice, response, added) of every answer of the
    responses added or deleted since ``before``; a question answered with several choices
    comes once per choice. (Answers of deleted responses stay stored.)"""
    live = set().union(*now.values()) if now else set()
    ids = _changed_ids(before, now)
    for start in range(0, len(ids), 500):
        for survey_id, audience, partner_id, item_id, choice, response_id in session.execute(
            sa.select(
                Answer.survey_id,
                Answer.audience,
                Answer.partner_id,
                Answer.item_id,
                Answer.choice,
                Answer.response_id,
            )
            .where(Answer.response_id.in_(ids[start : start + 500]))
            .distinct()
        ):
            audience_code = getattr(audience, "value", str(audience))
            yield (
                survey_id,
                audience_code,
                partner_id,
                item_id,
                choice,
                response_id,
                response_id in live,
            )


def _answered_changes(
    session: orm.Session, before: Members, now: Members
) -> t.Iterator[tuple[tuple[int, str, t.Any], bool]]:
    """(question node, added) once per changed response and question, for each
    partner's group and the whole."""
    seen: set[tuple[int, str]] = set()
    for survey_id, audience, partner_id, item_id, _c, response_id, added in _changed_answers(
        session, before, now
    ):
        if (response_id, item_id) in seen:
            continue
        seen.add((response_id, item_id))
        for owner in (partner_id, "all"):
            yield (survey_id, audience, ("question", item_id, owner)), added


def small_question_ends(
    session: orm.Session, wave_id: int, before: Members, now: Members, min_n: int
) -> dict[tuple[int, str, t.Any], int]:
    """Questions whose answers changed in a partner's group that had or would have 1 to
    N-1 answers beside a group whose answers to it did not change (as ``small_ends`` for
    groups). Keyed as ``changes_by_question`` keys them, -> that count."""
    added: dict[tuple[int, str, t.Any], int] = {}
    removed: dict[tuple[int, str, t.Any], int] = {}
    for node, is_new in _answered_changes(session, before, now):
        side = added if is_new else removed
        side[node] = side.get(node, 0) + 1
    touched = set(added) | set(removed)
    if not touched:
        return {}
    answered_now: dict[tuple[int, str, t.Any], int] = {}
    items = sorted({node[2][1] for node in touched})
    for survey_id, audience, partner_id, item_id, count in session.execute(
        sa.select(
            Answer.survey_id,
            Answer.audience,
            Answer.partner_id,
            Answer.item_id,
            sa.func.count(sa.distinct(Answer.response_id)),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.wave_id == wave_id,
            Answer.item_id.in_(items),
            Response.deleted_at.is_(None),
        )
        .group_by(Answer.survey_id, Answer.audience, Answer.partner_id, Answer.item_id)
    ):
        audience_code = getattr(audience, "value", str(audience))
        for owner in (partner_id, "all"):
            node = (survey_id, audience_code, ("question", item_id, owner))
            answered_now[node] = answered_now.get(node, 0) + count
    small = {}
    for node in touched:
        _question, item_id, owner = node[2]
        beside = [
            other
            for other, count in answered_now.items()
            if other[:2] == node[:2]
            and other[2][1] == item_id
            and other[2][2] not in (owner, "all")
            and other not in touched
            and count
        ]
        size_now = answered_now.get(node, 0)
        size_then = size_now - added.get(node, 0) + removed.get(node, 0)
        ends = [n for n in (size_now, size_then) if 0 < n < min_n]
        if owner != "all" and beside and ends:
            small[node] = ends[0]
    return small


def small_count_changes(
    session: orm.Session, before: Members, now: Members, min_n: int
) -> dict[tuple[int, str, t.Any], int]:
    """For the cells rule, which publishes every count from N on: options whose count,
    in a partner's group or the whole, went up or down by 1 to N-1 (10 then 13 families
    choosing "Strongly disagree" tells the 3 new ones' answer). Keyed as questions are,
    with the option, -> the change."""
    net: dict[tuple[int, str, t.Any], int] = {}
    for survey_id, audience, partner_id, item_id, choice, _r, added in _changed_answers(
        session, before, now
    ):
        if choice is None:
            continue
        for owner in (partner_id, "all"):
            key = (survey_id, audience, ("question", item_id, owner, choice))
            net[key] = net.get(key, 0) + (1 if added else -1)
    return {
        (survey_id, audience, (kind, item_id, owner)): abs(n)
        for (survey_id, audience, (kind, item_id, owner, _choice)), n in net.items()
        if 0 < abs(n) < min_n
    }


def changes_since(before: Members, now: Members) -> dict[tuple[int, str, t.Any], int]:
    """Responses added or deleted per group and per whole group (partner ``"all"``)."""
    changed: dict[tuple[int, str, t.Any], int] = {}
    for key in set(before) | set(now):
        difference = len(before.get(key, set()) ^ now.get(key, set()))
        if difference:
            changed[key] = difference
            whole = (key[0], key[1], "all")
            changed[whole] = changed.get(whole, 0) + difference
    return changed


def changes_by_channel(
    session: orm.Session, before: Members, now: Members
) -> dict[tuple[int, str, t.Any], int]:
    """Responses added or deleted per channel and per link of each partner's links (or
    the links without a partner): the response counts a report splits a group into,
    which two releases must not tell apart by a small group either."""
    group_of = {r: key for members in (before, now) for key, ids in members.items() for r in ids}
    changed: dict[tuple[int, str, t.Any], int] = {}
    for response_id, (channel, link_id) in _links_of(session, _changed_ids(before, now)).items():
        survey_id, audience, partner_id = group_of[response_id]
        for node in ((partner_id, channel), (partner_id, channel, link_id)):
            node_key = (survey_id, audience, node)
            changed[node_key] = changed.get(node_key, 0) + 1
    return changed


def _changed_ids(before: Members, now: Members) -> list[int]:
    ids: set[int] = set()
    for key in set(before) | set(now):
        ids |= before.get(key, set()) ^ now.get(key, set())
    return sorted(ids)


def changes_by_question(
    session: orm.Session, before: Members, now: Members
) -> dict[tuple[int, str, t.Any], int]:
    """Answers added or deleted per question, of each partner's group and of the whole
    group: ten new responses of which one answered a question change that question's
    figures by one person's answer, however many responses changed. (Answers of deleted
    responses stay stored, so a deleted answer is counted as well as a new one.)"""
    changed: dict[tuple[int, str, t.Any], int] = {}
    for node, _added in _answered_changes(session, before, now):
        changed[node] = changed.get(node, 0) + 1
    return changed


def refusal(
    session: orm.Session, changed: Mapping[tuple[int, str, t.Any], int], min_n: int
) -> str | None:
    """Why a re-release must wait, or None when it may go ahead."""
    if not changed:
        return "nothing has changed since the last release"
    small = sorted(
        ((key, n) for key, n in changed.items() if 0 < n < min_n),
        key=lambda e: (str(e[0][2]) != "all", e[0][0], e[0][1], str(e[0][2])),
    )
    if not small:
        return None
    (survey_id, audience, partner), n = small[0]
    group = _group_name(session, survey_id, audience)
    if isinstance(partner, tuple) and partner[0] == "question":
        _question, item_id, owner = partner
        where = "" if owner == "all" else _through(session, owner)
        return (
            f"{n} answer{'s' if n != 1 else ''} to {item_id} changed since the last release "
            f"for {group}{where}: a new release needs none or at least {min_n} changed "
            "answers to every question, so that comparing the two releases cannot show a "
            "few people's answers"
        )
    if partner == "all":
        where = ""
    elif isinstance(partner, tuple):
        owner = (
            "without a partner"
            if partner[0] is None
            else f"of {session.scalar(sa.select(Partner.name).where(Partner.id == partner[0]))}"
        )
        link = " (one link)" if len(partner) == 3 else ""
        where = f" through the {partner[1]} links {owner}{link}"
    else:
        where = _through(session, partner)
    return (
        f"{n} response{'s' if n != 1 else ''} changed since the last release for "
        f"{group}{where}: a new release needs none or at "
        f"least {min_n} changed in every group, so that comparing the two releases cannot "
        "show a small group's answers"
    )


def shrinking(
    session: orm.Session, small: Mapping[tuple[int, str, t.Any], int], min_n: int
) -> str | None:
    """Why a re-release must wait for a changed group of 1 to N-1, or None."""
    if not small:
        return None
    # Only partners' groups and their questions are held here (``small_ends``); groups
    # are named first.
    (survey_id, audience, partner), n = min(
        small.items(), key=lambda e: (isinstance(e[0][2], tuple), e[0][:2], str(e[0][2]))
    )
    group = _group_name(session, survey_id, audience)
    if isinstance(partner, tuple) and partner[0] in ("channel", "link"):
        from reports.summaries import CHANNEL_LABELS

        level, owner, channel = partner[:3]
        label = f"the “{CHANNEL_LABELS.get(channel, str(channel))}” channel"
        where = "" if owner == "all" else _through(session, owner)
        through = f"one link of {label}" if level == "link" else label
        return (
            f"responses through {through} changed since the last release for "
            f"{group}{where}, which had or would have {n} "
            f"response{'s' if n != 1 else ''} there: a channel or link whose responses "
            f"change beside one that did not must have none or at least {min_n} in both "
            "releases, so that what stayed the same cannot tell a few people's answers"
        )
    if isinstance(partner, tuple):
        _question, item_id, owner = partner
        return (
            f"answers to {item_id} changed since the last release for {group}"
            f"{_through(session, owner)}, which had or would have {n} "
            f"answer{'s' if n != 1 else ''}: a question whose answers change must have none "
            f"or at least {min_n} in both releases, so that what stayed the same cannot tell "
            "a few people's answers"
        )
    return (
        f"{group}{_through(session, partner)} changed since the last release and had or "
        f"would have {n} response{'s' if n != 1 else ''}: a group that changes must have "
        f"none or at least {min_n} in both releases, so that the groups beside it, "
        "unchanged, cannot tell its count"
    )


def _group_name(session: orm.Session, survey_id: int, audience: str) -> str:
    slug = session.scalar(sa.select(Survey.slug).where(Survey.id == survey_id)) or survey_id
    return f"{audience_label(audience).lower()} ({slug})"


def _through(session: orm.Session, partner_id: int | None) -> str:
    if partner_id is None:
        return " through links without a partner"
    return f" through {session.scalar(sa.select(Partner.name).where(Partner.id == partner_id))}"


def make_release(
    session: orm.Session,
    wave: Wave,
    user: User | None = None,
    min_n: int = 10,
    *,
    today: dt.date | None = None,
    mode: str = "respondents",
) -> Release:
    """Freeze ``wave``'s figures for partners (a new release), or raise
    :class:`ReleaseRefused` with the reason. Only flushes."""
    from reports.service import instruments, live_tally

    if wave.state(today) not in ("closed", "switched off"):
        raise ReleaseRefused(
            f"“{wave.name}” is still {wave.state(today)}: results are released to partners "
            "once the wave has closed (its closing date has passed or it is switched off)"
        )
    members = _members(session, wave.id)
    previous = latest_release(session, wave.id)
    if previous is not None:
        stored: Members = {(s, a, p): set(ids) for s, a, p, ids in previous.data.get("members", [])}
        changed = changes_since(stored, members)
        changed.update(changes_by_channel(session, stored, members))
        changed.update(changes_by_question(session, stored, members))
        reason = _why_wait(session, wave.id, stored, members, changed, min_n, mode)
        if reason is not None:
            raise ReleaseRefused(reason)
    tally = live_tally(session, wave.id, instruments(session))
    live = {i for ids in members.values() for i in ids}
    listed = _answers_of_texts(tally, _shown_texts(session, wave.id, tally, live))
    release = Release(
        wave_id=wave.id,
        number=(previous.number + 1) if previous else 1,
        made_by_id=user.id if user is not None else None,
        responses=sum(len(ids) for ids in members.values()),
        data={
            "tally": tally.to_json(),
            "members": [
                [s, a, p, sorted(ids)]
                for (s, a, p), ids in sorted(
                    members.items(), key=lambda e: (e[0][0], e[0][1], e[0][2] or 0)
                )
            ],
            "comment_answers": [[*atom, text, ids] for (atom, text), ids in listed.items()],
        },
    )
    session.add(release)
    session.flush()
    return release


def _shown_texts(
    session: orm.Session,
    wave_id: int,
    tally: Tally,
    response_ids: set[int],
    as_of: dt.datetime | None = None,
) -> dict[int, tuple[AtomKey, str | None]]:
    """Answer id -> (its group, its text as reports show it: cleaned and redacted, None
    when removed) for the comments of ``response_ids`` on the questions ``tally``
    lists comments of, with the redactions in force now (or at ``as_of``)."""
    items = sorted({atom[2] for atom in tally.comments})
    if not items:
        return {}
    in_wave = (
        Answer.wave_id == wave_id,
        Answer.item_id.in_(items),
        Answer.value_text.is_not(None),
        Answer.value_text != "",
    )
    redactions: dict[int, str | None] = {}
    for answer_id, text, created_at, undone_at in session.execute(
        sa.select(
            CommentRedaction.answer_id,
            CommentRedaction.text,
            CommentRedaction.created_at,
            CommentRedaction.undone_at,
        )
        .join(Answer, Answer.id == CommentRedaction.answer_id)
        .where(*in_wave)
        .order_by(CommentRedaction.id)
    ):
        if as_of is None:
            active = undone_at is None
        else:
            active = _utc(created_at) <= as_of and (undone_at is None or _utc(undone_at) > as_of)
        if active:  # the latest in force wins, as in reports
            redactions[answer_id] = text
    shown: dict[int, tuple[AtomKey, str | None]] = {}
    for answer_id, survey_id, audience, item_id, partner_id, response_id, value in session.execute(
        sa.select(
            Answer.id,
            Answer.survey_id,
            Answer.audience,
            Answer.item_id,
            Answer.partner_id,
            Answer.response_id,
            Answer.value_text,
        ).where(*in_wave)
    ):
        if response_id not in response_ids:
            continue
        text = redactions[answer_id] if answer_id in redactions else value
        atom = (survey_id, getattr(audience, "value", str(audience)), item_id, partner_id)
        shown[answer_id] = (atom, (clean_text(text) or None) if text is not None else None)
    return shown


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _answers_of_texts(
    tally: Tally, shown: Mapping[int, tuple[AtomKey, str | None]]
) -> dict[tuple[AtomKey, str], list[int]]:
    """The answers behind each comment text ``tally`` lists, per group."""
    listed = {(atom, text) for atom, entries in tally.comments.items() for text, _n, _f in entries}
    answers: dict[tuple[AtomKey, str], list[int]] = {}
    for answer_id, (atom, text) in sorted(shown.items()):
        if text is not None and (atom, text) in listed:
            answers.setdefault((atom, text), []).append(answer_id)
    return answers


def released_tally(session: orm.Session, release: Release) -> Tally:
    """The release's tally as partners read it: every count as released, every comment
    text it lists as reports show that comment now (a redaction or undoing one made
    since reaches it; a comment removed since is still counted and listed as
    :data:`REMOVED`). A response deleted since keeps its comment as redacted now."""
    tally = Tally.from_json(release.data["tally"])
    if not tally.comments:
        return tally
    stored = release.data.get("comment_answers")
    # Every response the release counted, deleted since or not: a comment leaving the
    # release with its response would tell partners, who know where responses were
    # deleted, which comment the deleted response wrote (rule 4).
    counted = {i for *_group, ids in release.data.get("members", []) for i in ids}
    if stored is None:  # released before the answers were kept: as they stood then
        then = _shown_texts(session, release.wave_id, tally, counted, _utc(release.made_at))
        listed = _answers_of_texts(tally, then)
    else:
        listed = {((s, a, i, p), text): ids for s, a, i, p, text, ids in stored}
    now = _shown_texts(session, release.wave_id, tally, counted)
    for atom, entries in tally.comments.items():
        merged: dict[str, list[t.Any]] = {}
        for text, n, first in entries:
            ids = listed.get((atom, text), [])[:n]
            # An answer the release counted but cannot be found is shown as removed.
            for shown in [now.get(i, (atom, None))[1] for i in ids] + [None] * (n - len(ids)):
                entry = merged.setdefault(shown or REMOVED, [0, first])
                entry[0] += 1
                entry[1] = min(entry[1], first)
        tally.comments[atom] = sorted(
            ((text, n, first) for text, (n, first) in merged.items()),
            key=lambda c: (-c[1], c[2], c[0]),
        )
    return tally


def pending_changes(
    session: orm.Session, wave: Wave, min_n: int, mode: str = "respondents"
) -> tuple[int, str | None]:
    """(responses changed since the latest release, why a re-release would be refused)."""
    previous = latest_release(session, wave.id)
    if previous is None:
        return (0, None)
    stored: Members = {(s, a, p): set(ids) for s, a, p, ids in previous.data.get("members", [])}
    members = _members(session, wave.id)
    changed = changes_since(stored, members)
    total = sum(n for (_s, _a, p), n in changed.items() if p == "all")
    changed.update(changes_by_channel(session, stored, members))
    changed.update(changes_by_question(session, stored, members))
    return total, _why_wait(session, wave.id, stored, members, changed, min_n, mode)


def _why_wait(
    session: orm.Session,
    wave_id: int,
    stored: Members,
    members: Members,
    changed: Mapping[tuple[int, str, t.Any], int],
    min_n: int,
    mode: str,
) -> str | None:
    """Why a re-release must wait (the first reason found), or None."""
    reason = refusal(session, changed, min_n) or shrinking(
        session,
        {
            **small_ends(stored, members, min_n),
            **small_channel_ends(session, stored, members, min_n),
            **small_question_ends(session, wave_id, stored, members, min_n),
        },
        min_n,
    )
    if reason is None and mode == "cells":
        moved = small_count_changes(session, stored, members, min_n)
        if moved:
            (survey_id, audience, (_q, item_id, owner)), n = min(
                moved.items(), key=lambda e: (str(e[0][2][2]) != "all", str(e[0]))
            )
            where = "" if owner == "all" else _through(session, owner)
            reason = (
                f"the count of one answer to {item_id} for "
                f"{_group_name(session, survey_id, audience)}{where} changed by "
                f"{n} since the last release: under the cells rule every count that changes "
                f"must change by none or at least {min_n}, so that the two releases cannot "
                "show a few people's answers"
            )
    return reason


__all__ = [
    "REMOVED",
    "ReleaseRefused",
    "latest_release",
    "make_release",
    "pending_changes",
    "released_tally",
    "releases_of",
]
