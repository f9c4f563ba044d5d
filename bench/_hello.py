"""The baseline: a bare Flask route, served by the same gunicorn configuration."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
