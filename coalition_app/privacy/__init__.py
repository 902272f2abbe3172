"""Privacy (LFPDPPP): the privacy notice and its versions, consents, and the rights a person
exercises over their data (download everything; rectification, cancellation, opposition)."""
