from flipside_shared.entrypoint import serve

from .app import app
from .settings import NotificationSettings

serve(app, NotificationSettings)
