"""Where the dashboard's templates and static files live (kept apart so modules import them acyclically)."""

from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")
TEMPLATE_DIR = Path(__file__).with_name("templates")
