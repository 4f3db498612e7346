"""`sicca serve`: the clinic web app (FastAPI + Jinja2 + HTMX) on the API of sicca.api.

Pages only present what :class:`sicca.api.Session` computes; no rule or score is implemented
here. Cases are stored in the structure of the case file (sicca.web.store), so export is
lossless.
"""
