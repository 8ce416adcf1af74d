"""RQ jobs: module-level functions taking ids and `now`, run inside the app context."""
