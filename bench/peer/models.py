from django.db import models


class Grievance(models.Model):
    """What the portal's list shows and searches, as a Django project would model it."""

    reference = models.CharField(max_length=20, db_index=True)
    program = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    is_open = models.BooleanField(db_index=True)
    level = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(db_index=True)
    member_name = models.CharField(max_length=200, blank=True)
    member_id = models.CharField(max_length=40, blank=True, db_index=True)
    provider = models.CharField(max_length=200, blank=True)

    class Meta:
        app_label = "peer"
        ordering = ["-received_at"]
