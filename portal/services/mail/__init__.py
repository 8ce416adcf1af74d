"""Mail: the outbox every message goes through, notices to members, alerts and digests to
staff."""
