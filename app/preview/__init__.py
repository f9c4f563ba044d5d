"""The public preview of a wave's surveys for parents and guardians (the page a PPRA
notice points to): every instrument of the wave, read-only, in English and Spanish.

Its address carries a token made from the wave's id with the application's secret
key, so it can be shared with families and cannot be guessed for other waves, and
showing it writes nothing."""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint

bp = Blueprint("preview", __name__, url_prefix="/preview")


def preview_token(secret_key: str, wave_id: int) -> str:
    """The public preview's token for a wave: 20 hex digits of an HMAC of its id."""
    digest = hmac.new(secret_key.encode(), f"wave-preview:{wave_id}".encode(), hashlib.sha256)
    return f"{wave_id}-{digest.hexdigest()[:20]}"


def wave_of_token(secret_key: str, token: str) -> int | None:
    """The wave id a token stands for, or None when it is not one of ours."""
    wave_part, _, _mac = token.partition("-")
    if not wave_part.isdecimal() or len(wave_part) > 12:
        return None
    wave_id = int(wave_part)
    return wave_id if hmac.compare_digest(preview_token(secret_key, wave_id), token) else None


from app.preview import routes  # noqa: E402,F401
