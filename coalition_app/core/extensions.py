"""Extensions created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage from RATELIMIT_STORAGE_URI: memory:// in development (counts per process),
# redis://... in production so that every app server shares the counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
