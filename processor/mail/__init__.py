"""The season's mail to the units: invitations with their templates, reminders, correction
lists and written replies, composed as .eml files and, when asked, sent through SMTP."""
