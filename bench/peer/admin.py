from django.contrib import admin

from bench.peer.models import Grievance


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    list_display = ("reference", "program", "status", "level", "received_at", "member_name")
    list_filter = ("is_open", "program", "status", "received_at")
    search_fields = ("reference", "member_name", "member_id")
    list_per_page = 50
