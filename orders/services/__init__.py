"""Writes: one function per action, keyword-only arguments; views, the API, admin and tasks call these."""
