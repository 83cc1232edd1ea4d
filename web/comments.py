"""Staff pages: comments (being written)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/staff")
