"""REST routers. Each module exposes `router: fastapi.APIRouter`; web/app.py discovers and mounts them."""
