"""A grievance and its work: intake, the verbs staff use, clocks, history, the repeat
watch and what a member may learn of it."""
