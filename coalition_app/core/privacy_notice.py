"""The privacy notice's current version (aviso de privacidad, LFPDPPP).

Wherever personal data is collected (an application to join, an account, the consultation),
the consent is recorded with this version and its date. A new text of the notice gets a new
version here; the privacy feature serves the text at PATH.
"""

#: The version of the notice in force: the date it was published.
CURRENT_VERSION = "2026-12-01"
#: Where the notice is served (the privacy feature's page).
PATH = "/privacidad"
