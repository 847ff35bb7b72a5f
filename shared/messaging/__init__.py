"""Message threads per collaboration, with unread counts."""
