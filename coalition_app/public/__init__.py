"""The coalition's public site and open data: what anonymous visitors see (issue 15)."""
