"""The floor for the submission benchmark: a bare WSGI endpoint that does only the insert the
complaint form does (the same service call on the same store), with no form, no session, no
CSRF, no templates, no mail. Served by the same gunicorn settings as the portal:

    gunicorn bench.bare:app
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request

from portal import config, store
from portal.clock import utcnow
from portal.models import Program
from portal.services.grievances import history
from portal.services.grievances.intake import Intake, submit

app = Flask(__name__)
INSTANCE = Path(os.environ["PORTAL_INSTANCE_PATH"])
store.connect(os.environ.get("MONGODB_URI"), INSTANCE / "data")
# The same history key the app uses: every record's history is chained under it.
history.use_key(config.from_environment(INSTANCE)["HISTORY_KEY"])


@app.post("/insert")
def insert():
    program = Program.objects.get(slug=request.form["program"], active=True)
    grievance = submit(
        program,
        Intake(
            description=request.form["description"],
            member_name=request.form["member_name"],
            member_id=request.form["member_id"],
            member_phone=request.form["phone"],
            member_email=request.form["email"],
            age_group=request.form["age_group"],
            provider_name=request.form["provider_name"],
            consent_to_contact=True,
            filed_by="member",
        ),
        utcnow(),
    )
    return grievance.reference, 201
