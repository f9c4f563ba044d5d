from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext

from app.extensions import db
from app.i18n import preferred_language, use_language
from app.models import ResultsPage
from app.results import bp
from app.results.addresses import latest_published_slug, wave_slug

LANGUAGES = {"en": "English", "es": "Español"}


def _language() -> str:
    language = preferred_language(list(LANGUAGES), request.args.get("lang"))
    use_language(language)
    return language


def _published(key: str | None) -> ResultsPage:
    from app.admin.services.results import published

    if key is not None and len(key) > 200:
        abort(404)
    page = published(db.session, key)
    if page is None:
        abort(404)
    return page


def public_address(page: ResultsPage, language: str | None = None) -> str:
    """The page's absolute address on ``PUBLIC_BASE_URL`` (never the Host header)."""
    from app.mail import public_url

    values: dict[str, object] = {"key": wave_slug(page.wave.name, page.wave_id)}
    if language and language != "en":
        values["lang"] = language
    return public_url("results.page", **values)


def render_page(page: ResultsPage, language: str, preview: bool = False) -> str:
    """The public page of ``page`` in ``language`` (also the coordinators' preview)."""
    from app.admin.services.results import status_words

    return render_template(
        "results/page.html",
        status_words=status_words(),
        page=page,
        text=page.content.get(language, {}),
        language=language,
        languages=LANGUAGES,
        key=wave_slug(page.wave.name, page.wave_id),
        preview=preview,
    )


def flyer_texts(page: ResultsPage) -> list[tuple[str, dict[str, object]]]:
    """Each language's page text with the flyer's own line, in that language, saying
    what the code opens: the flyer is for someone who has not seen the page yet."""
    texts = []
    for code in LANGUAGES:
        with force_locale(code):
            scan = gettext(
                "Scan the code or type the address to read all the results and what we are "
                "doing about them."
            )
        texts.append((code, {**page.content.get(code, {}), "scan": scan}))
    return texts


@bp.get("")
def latest() -> ResponseReturnValue:
    language = _language()
    return render_page(_published(None), language)


@bp.get("/<key>")
def page(key: str) -> ResponseReturnValue:
    language = _language()
    return render_page(_published(key), language)


@bp.get("/<key>/flyer")
def flyer(key: str) -> ResponseReturnValue:
    """A printable one-page flyer: the title and first lines in both languages, and a
    QR code of the page's address."""
    language = _language()
    results_page = _published(key)
    return render_template(
        "results/flyer.html",
        page=results_page,
        language=language,
        key=key,
        address=public_address(results_page),
        texts=flyer_texts(results_page),
    )


@bp.get("/<key>/flyer.pdf")
def flyer_download(key: str) -> ResponseReturnValue:
    """The flyer as a one-page PDF (both languages, the QR code)."""
    from app.results.flyer import flyer_pdf

    _language()
    results_page = _published(key)
    body = flyer_pdf(
        flyer_texts(results_page),
        public_address(results_page),
        current_app.config["PAPER_SIZE"],
    )
    response = Response(body, mimetype="application/pdf")
    slug = wave_slug(results_page.wave.name, results_page.wave_id)
    response.headers["Content-Disposition"] = f'inline; filename="results-{slug}.pdf"'
    return response


@bp.get("/<key>/qr.svg")
def qr(key: str) -> ResponseReturnValue:
    from app.admin.services.links import qr_svg

    _language()
    results_page = _published(key)
    address = public_address(results_page)
    body = qr_svg(address, title=gettext("QR code for %(address)s", address=address))
    return Response(body, mimetype="image/svg+xml")


@bp.app_template_global()
def latest_results_url(language: str = "en") -> str | None:
    """The latest published results page (the survey's thank-you page links to it):
    one small query on the survey page's own connection."""
    from app.respond import store

    slug = latest_published_slug(store.connection())
    if slug is None:
        return None
    return url_for("results.page", key=slug, lang=language if language != "en" else None)


__all__ = ["public_address", "render_page"]
