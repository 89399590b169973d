from flipside_shared.entrypoint import serve

from .app import app

serve(app)
