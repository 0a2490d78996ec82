"""Web pages for people (the phone simulator now; the dashboard and admin screens next)."""
