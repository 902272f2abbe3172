"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`)."""

import gc

from coalition_app import create_app

app = create_app()

# What exists now (the modules, the app, its templates, statements and catalogues) lives as
# long as the process: frozen, the cycle collector's full collections stop scanning its
# quarter of a million objects. One ran every 500 to 1,000 requests and took about 0.18 s,
# a pause for the request it fell on and 0.18 to 0.36 ms a request on average (0.05 ms with
# the objects frozen; README, issue 17). Garbage collected first, so none is kept for good.
gc.collect()
gc.freeze()
