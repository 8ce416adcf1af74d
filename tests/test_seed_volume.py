"""The bench's generated history goes through the one grievance builder, as every door does."""

from portal.models import Grievance
from portal.services.grievances import history
from seed.volume import load_volume


def test_a_generated_history_is_built_like_any_record(programs, clock):
    assert load_volume(programs["md-hmo"], 60, now=clock.now(), days=200, open_count=12) == 60
    records = list(Grievance.objects)
    opened = [g for g in records if g.is_open]
    assert len(records) == 60 and len(opened) == 12
    for g in records:
        assert g.history[0].action == "received" and history.first_broken(g) is None
        assert g.narratives[0].kind == "intake" and g.retain_until > g.received_at
        if g.is_open:
            assert g.status == "received" and g.next_due_at is not None
        else:
            assert g.status == "closed" and g.resolution and g.next_due_at is None
            assert all(c.met_at == g.resolved_at for c in g.clocks)
