"""What a victim sees of their case: the offer of updates and its YES, and the private case page."""
