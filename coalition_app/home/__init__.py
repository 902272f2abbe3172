"""The home page and site-wide settings such as the language."""
