from flipside_shared.entrypoint import serve

from .app import app
from .settings import PortalSettings

serve(app, PortalSettings)
