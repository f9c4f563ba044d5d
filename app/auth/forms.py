from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


def _new_password(label: str = "New password") -> PasswordField:
    # Length and sameness are checked by the service (app.auth.account_links), the one
    # place every new password passes, so the form and the CLI say the same thing.
    return PasswordField(
        label,
        validators=[DataRequired("Choose a password."), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm() -> PasswordField:
    return PasswordField(
        "Type the password again",
        validators=[DataRequired("Type the password again."), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class SetupForm(FlaskForm):
    email = EmailField(
        "Your email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = _new_password("Password")
    confirm = _confirm()


class SetPasswordForm(FlaskForm):
    """Accepting an invitation, or a reset link: a new password, twice."""

    password = _new_password("Password")
    confirm = _confirm()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Your email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password()
    confirm = _confirm()
