"""The inbox, e-mail copies of notifications, daily reminders and weekly group digests."""
