"""Pure rules: no Flask, mongoengine or redis; every function that needs the time takes `now`."""
