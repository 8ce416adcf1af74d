"""The verbs of the portal. Views, admin, jobs and seed call these; they take `now` and the
acting user explicitly."""
