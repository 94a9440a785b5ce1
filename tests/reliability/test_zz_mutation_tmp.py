import pytest
from tests.reliability import test_workflow_model as model

@pytest.mark.parametrize("mutation", ["total", "deadline", "visibility", "audit"])
def test_mutant(settings, monkeypatch, mutation):
    if mutation == "total":
        import app.scoring.services as s
        monkeypatch.setattr(s, "review_total", lambda c, p: round(sum((p.get(x["key"]) or 0) for x in c), 4))
    elif mutation == "deadline":
        import app.applications.services as s
        real = s.accepting_applications
        monkeypatch.setattr(s, "_deadline_passed", lambda r: None)
        def late_ok(round_, moment=None):
            return round_["status"] == "open"
        monkeypatch.setattr(s, "accepting_applications", late_ok)
        orig_submit = s.submit
    elif mutation == "visibility":
        import app.applications.services as s
        monkeypatch.setattr(s, "can_view", lambda user, application: True)
    elif mutation == "audit":
        import app.applications.services as s
        import app.audit as a
        real = a.record
        async def skip(**kw):
            if kw.get("action") == "application.withdraw":
                return
            await real(**kw)
        monkeypatch.setattr(s.audit, "record", skip)
    with pytest.raises(BaseException) as info:
        model.test_the_workflow_keeps_its_invariants_in_any_order(settings)
    print("\nMUTANT", mutation, "caught:", str(info.value).splitlines()[0][:200])
