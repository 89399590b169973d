"""Who calls Flipside's HTTP APIs: bearer tokens (JWT) from an OpenID Connect issuer, and what each role may do.

`settings` configures the issuer and its keys, `keys` finds a token's signing key, `tokens` checks a token and
reads its principal, `rules` turns that into FastAPI dependencies each route declares.
"""
