"""The smallest Flask app: what one request costs Flask and gunicorn by themselves.

The CPU benchmark's floor is one RS256 verification plus two of these requests (a launch is
two requests: the login and the id_token POST).
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
