from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext

from app import audit
from app.admin import bp
from app.admin.forms import LinkEditForm, LinkForm, channel_choices, options
from app.admin.services import FormProblem
from app.admin.services.links import (
    CHANNEL_LABELS,
    add_link,
    link_url,
    links_query,
    qr_png,
    qr_svg,
    response_counts,
    set_link_open,
    survey_choices,
    update_link,
)
from app.admin.services.surveys import survey_titles
from app.admin.services.waves import all_waves, current_wave
from app.admin.views.common import (
    OpenCloseForm,
    acting_user,
    get_or_404,
    open_or_close,
    show_problem,
)
from app.auth.access import STAFF, roles_required
from app.definitions.sync import definition_of, latest_version
from app.extensions import db
from app.models import Audience, Channel, Link, Partner, Survey, Wave


def _public_url(link: Link) -> str:
    return link_url(current_app.config["PUBLIC_BASE_URL"], link)


@bp.get("/links")
@roles_required(*STAFF)
def links() -> ResponseReturnValue:
    wave_id = request.args.get("wave", type=int)
    if wave_id is None and "wave" not in request.args:
        current = current_wave(db.session)
        wave_id = current.id if current else None
    shown_links = list(db.session.scalars(links_query(wave_id)).unique())
    return render_template(
        "admin/links.html",
        links=shown_links,
        counts=response_counts(db.session, [link.id for link in shown_links]),
        waves=all_waves(db.session),
        wave_id=wave_id,
        url_of=_public_url,
        channel_labels=CHANNEL_LABELS,
        toggle=OpenCloseForm(),
        titles=survey_titles(db.session),
    )


def _link_form() -> LinkForm:
    form = LinkForm()
    surveys = survey_choices(db.session)
    form.survey_id.choices = options((s.id, f"{title} ({s.slug})") for s, title, _ in surveys)
    form.wave_id.choices = options(
        (w.id, w.name + ("" if w.is_open else " (closed)")) for w in all_waves(db.session)
    )
    # Inactive partners take no new links (the service refuses them too).
    partners = db.session.scalars(
        sa.select(Partner).where(Partner.active.is_(True)).order_by(Partner.name)
    )
    form.partner_id.choices = options([("", "No partner")] + [(p.id, p.name) for p in partners])
    form.channel.choices = channel_choices()
    return form


@bp.route("/links/new", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def link_new() -> ResponseReturnValue:
    form = _link_form()
    if request.method == "GET":
        current = current_wave(db.session)
        if current is not None and form.wave_id.data is None:
            form.wave_id.data = request.args.get("wave", type=int) or current.id
    if form.validate_on_submit():
        survey = get_or_404(Survey, form.survey_id.data)
        wave = get_or_404(Wave, form.wave_id.data)
        partner = get_or_404(Partner, form.partner_id.data) if form.partner_id.data else None
        try:
            link = add_link(
                db.session,
                survey,
                wave,
                Audience(form.audience.data),
                partner,
                Channel(form.channel.data),
                form.expected_n.data,
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            audit.record(
                db.session,
                acting_user(),
                "link_create",
                f"link:{link.id}",
                {
                    "survey": survey.slug,
                    "wave": wave.name,
                    "audience": link.audience.value,
                    "partner": partner.name if partner else None,
                    "channel": link.channel.value,
                },
            )
            flash(f"Link created: {_public_url(link)}", "success")
            return redirect(url_for("admin.links", wave=wave.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/link_form.html", form=form), status


@bp.post("/links/<int:link_id>/state")
@roles_required(*STAFF, writes=True)
def link_state(link_id: int) -> ResponseReturnValue:
    link, is_open = open_or_close(Link, link_id, set_link_open, "link")
    flash(f"The link {_public_url(link)} is now {'open' if is_open else 'closed'}.", "success")
    return redirect(url_for("admin.links", wave=link.wave_id))


def _download_name(link: Link, extension: str) -> str:
    return f"qr-{link.survey.slug}-{link.audience.value}-{link.id}.{extension}"


@bp.get("/links/<int:link_id>/qr.svg")
@roles_required(*STAFF)
def link_qr_svg(link_id: int) -> ResponseReturnValue:
    link = get_or_404(Link, link_id)
    body = qr_svg(_public_url(link), title=f"QR code for {_public_url(link)}")
    response = Response(body, mimetype="image/svg+xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_download_name(link, "svg")}"'
        )
    return response


@bp.get("/links/<int:link_id>/qr.png")
@roles_required(*STAFF)
def link_qr_png(link_id: int) -> ResponseReturnValue:
    link = get_or_404(Link, link_id)
    response = Response(qr_png(_public_url(link)), mimetype="image/png")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_download_name(link, "png")}"'
    )
    return response


@bp.get("/links/<int:link_id>/flyer")
@roles_required(*STAFF)
def link_flyer(link_id: int) -> ResponseReturnValue:
    """A printable flyer: title, QR code and short address, in English and Spanish."""
    link = get_or_404(Link, link_id)
    version = latest_version(db.session, link.survey_id)
    if version is None:
        abort(404)
    definition = definition_of(version)
    minutes = definition.header.estimated_minutes
    anonymous = definition.header.anonymous
    sections = []
    for language in ("en", "es"):
        # The flyer speaks both languages whatever the coordinator's browser speaks:
        # its words come from the translation catalogue like every other page's.
        with force_locale(language):
            notes = [gettext("It takes about %(n)s minutes.", n=minutes)] if minutes else []
            notes += [gettext("Your answers are anonymous.")] if anonymous else []
            sections.append(
                {
                    "language": language,
                    "title": definition.text(definition.header.title, language),
                    "lead": gettext("We want to hear from you"),
                    "scan": gettext(
                        "Scan the code with your phone's camera, or type this address:"
                    ),
                    "note": " ".join(notes),
                }
            )
    url = _public_url(link)
    return render_template(
        "admin/flyer.html",
        link=link,
        url=url,
        short_url=url.split("://", 1)[-1],
        sections=sections,
    )


@bp.route("/links/<int:link_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF, writes=True)
def link_edit(link_id: int) -> ResponseReturnValue:
    link = get_or_404(Link, link_id)
    form = LinkEditForm(obj=None if request.method == "POST" else link)
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name))
    form.partner_id.choices = options([("", "No partner")] + [(p.id, p.name) for p in partners])
    form.channel.choices = channel_choices()
    if request.method == "GET":
        form.channel.data = link.channel.value
    if form.validate_on_submit():
        partner = get_or_404(Partner, form.partner_id.data) if form.partner_id.data else None
        try:
            changes = update_link(
                db.session, link, partner, Channel(form.channel.data), form.expected_n.data
            )
        except FormProblem as problem:
            show_problem(form, problem)
        else:
            if changes:
                audit.record(db.session, acting_user(), "link_update", f"link:{link.id}", changes)
            flash("Link saved." if changes else "Nothing was changed.", "success")
            return redirect(url_for("admin.links", wave=link.wave_id))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "admin/link_edit.html",
            form=form,
            link=link,
            url=_public_url(link),
            responses=response_counts(db.session, [link.id]).get(link.id, 0),
        ),
        status,
    )
