"""Ideas service: the permanent idea box (ideas, status history, supports, comments, follows)."""
SERVICE_NAME = "ideas"
